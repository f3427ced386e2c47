// Elasticsearch wildcard patterns: `*` any run of characters, `?` exactly one, `\` escapes the next.
// Two implementations, both linear in the value (no backtracking, no regex): a reference automaton
// simulation and a compiled segment matcher, checked against each other in wildcard.test.ts.

interface Part {
  kind: 'lit' | 'star' | 'one';
  text: string;
}

function parse(pattern: string): Part[] {
  const parts: Part[] = [];
  let lit = '';
  const chars = Array.from(pattern); // code points, as Lucene counts them
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '\\' && i + 1 < chars.length) lit += chars[++i];
    else if (c === '*' || c === '?') {
      if (lit) parts.push({ kind: 'lit', text: lit });
      lit = '';
      if (c === '*' && parts.at(-1)?.kind === 'star') continue;
      parts.push({ kind: c === '*' ? 'star' : 'one', text: '' });
    } else lit += c;
  }
  if (lit) parts.push({ kind: 'lit', text: lit });
  return parts;
}

export function hasWildcard(pattern: string): boolean {
  return parse(pattern).some((p) => p.kind !== 'lit');
}

/**
 * Reference matcher: a simulation of the pattern's automaton over code points (the set of pattern
 * positions reachable after each character). O(|value|·|pattern|) time on any input: rule patterns
 * run on fields a container controls (argv, paths), so nothing here may backtrack.
 */
export function wildcardMatch(pattern: string, value: string, ci: boolean): boolean {
  const parts = parse(ci ? pattern.toLowerCase() : pattern);
  // Flatten to single-code-point steps: lit chars, '?' (any one), '*' (any run).
  const steps: (string | 1 | 2)[] = [];
  for (const p of parts) {
    if (p.kind === 'star') steps.push(2);
    else if (p.kind === 'one') steps.push(1);
    else for (const c of p.text) steps.push(c);
  }
  const m = steps.length;
  let cur = new Uint8Array(m + 1);
  let next = new Uint8Array(m + 1);
  const close = (set: Uint8Array): void => {
    // A star may match the empty run: reaching it also reaches the step after it.
    for (let i = 0; i < m; i++) if (set[i] && steps[i] === 2) set[i + 1] = 1;
  };
  cur[0] = 1;
  close(cur);
  for (const c of ci ? value.toLowerCase() : value) {
    next.fill(0);
    let any = false;
    for (let i = 0; i < m; i++) {
      if (!cur[i]) continue;
      const st = steps[i];
      if (st === 2) next[i] = 1;
      else if (st === 1 || st === c) next[i + 1] = 1;
      else continue;
      any = true;
    }
    if (!any) return false;
    close(next);
    [cur, next] = [next, cur];
  }
  return cur[m] === 1;
}

/**
 * Compiles a pattern to a string predicate. With `ci`, the predicate expects input already
 * lower-cased (callers lower a value once and test it against many patterns).
 */
export function compileWildcardLowered(pattern: string, ci: boolean): (s: string) => boolean {
  const parts = parse(ci ? pattern.toLowerCase() : pattern);
  const only = parts[0];
  if (parts.length === 0) return (s) => s === '';
  if (parts.length === 1 && only!.kind === 'lit') {
    const t = only!.text;
    return (s) => s === t;
  }
  if (parts.length === 1 && only!.kind === 'star') return () => true;
  const [a, b, c] = parts;
  if (parts.length === 2 && a!.kind === 'lit' && b!.kind === 'star') return (s) => s.startsWith(a!.text);
  if (parts.length === 2 && a!.kind === 'star' && b!.kind === 'lit') return (s) => s.endsWith(b!.text);
  if (parts.length === 3 && a!.kind === 'star' && b!.kind === 'lit' && c!.kind === 'star') {
    return (s) => s.includes(b!.text);
  }
  return segmentMatcher(parts);
}

/** A run of fixed-width steps between two stars: code points, `any` marking the `?` positions. */
interface Segment {
  cps: string[];
  any: boolean[] | undefined;
  /** The segment as one string, when it has no `?` (searched with indexOf). */
  lit: string | undefined;
}

type Seq = string | string[];

function segAt(g: Segment, s: Seq, at: number): boolean {
  const { cps, any } = g;
  for (let k = 0; k < cps.length; k++) if (!any?.[k] && s[at + k] !== cps[k]) return false;
  return true;
}

/** Leftmost start in [from, last] where the segment matches, or -1. */
function find(g: Segment, s: Seq, from: number, last: number): number {
  if (g.lit !== undefined && typeof s === 'string') {
    const i = s.indexOf(g.lit, from);
    return i !== -1 && i <= last ? i : -1;
  }
  for (let i = from; i <= last; i++) if (segAt(g, s, i)) return i;
  return -1;
}

const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * Star-separated segments matched greedily leftmost: the first anchored at the start, the last at
 * the end, each middle one at its first fit after the previous. Leftmost placement is optimal for
 * fixed-width segments, so this never backtracks: O(|value|·|pattern|) at worst, usually indexOf.
 */
function segmentMatcher(parts: Part[]): (s: string) => boolean {
  const segs: Segment[] = [];
  let cur: Part[] = [];
  const flush = (): void => {
    const cps: string[] = [];
    const any: boolean[] = [];
    for (const p of cur) {
      if (p.kind === 'one') {
        cps.push('');
        any.push(true);
      } else
        for (const c of p.text) {
          cps.push(c);
          any.push(false);
        }
    }
    const wild = any.includes(true);
    segs.push({ cps, any: wild ? any : undefined, lit: wild ? undefined : cps.join('') });
    cur = [];
  };
  for (const p of parts) {
    if (p.kind === 'star') flush();
    else cur.push(p);
  }
  flush();
  const stars = segs.length - 1;
  // Code units stand for code points unless either side has astral characters.
  const astral = segs.some((g) => g.cps.some((c) => c.length > 1));
  const first = segs[0]!;
  const lastSeg = segs[stars]!;
  return (str) => {
    const s: Seq = astral || SURROGATE.test(str) ? Array.from(str) : str;
    const n = s.length;
    if (stars === 0) return n === first.cps.length && segAt(first, s, 0);
    const end = n - lastSeg.cps.length;
    let pos = first.cps.length;
    if (end < pos || !segAt(first, s, 0) || !segAt(lastSeg, s, end)) return false;
    for (let j = 1; j < stars; j++) {
      const g = segs[j]!;
      const i = find(g, s, pos, end - g.cps.length);
      if (i === -1) return false;
      pos = i + g.cps.length;
    }
    return true;
  };
}

/** A set of patterns tested together: exact strings in a Set, the rest as compiled predicates. */
export function compileWildcardSet(patterns: readonly string[], ci: boolean): (s: string) => boolean {
  const exact = new Set<string>();
  const others: ((s: string) => boolean)[] = [];
  for (const p of patterns) {
    const parts = parse(ci ? p.toLowerCase() : p);
    if (parts.length === 1 && parts[0]!.kind === 'lit') exact.add(parts[0]!.text);
    else if (parts.length === 0) exact.add('');
    else others.push(compileWildcardLowered(p, ci));
  }
  const n = others.length;
  if (n === 0) return ci ? (s) => exact.has(s.toLowerCase()) : (s) => exact.has(s);
  const test = (s: string): boolean => {
    if (exact.has(s)) return true;
    for (let i = 0; i < n; i++) if (others[i]!(s)) return true;
    return false;
  };
  return ci ? (s) => test(s.toLowerCase()) : test;
}
