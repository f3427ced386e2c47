// Elasticsearch wildcard patterns: `*` any run of characters, `?` exactly one, `\` escapes the next.
// Two implementations: a reference matcher (recursive, no regex) and a compiled one.

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

/** Reference matcher: straightforward backtracking over code points. */
export function wildcardMatch(pattern: string, value: string, ci: boolean): boolean {
  const p = Array.from(ci ? pattern.toLowerCase() : pattern);
  const s = Array.from(ci ? value.toLowerCase() : value);
  const go = (i: number, j: number): boolean => {
    while (i < p.length) {
      const c = p[i]!;
      if (c === '*') {
        for (let k = j; k <= s.length; k++) if (go(i + 1, k)) return true;
        return false;
      }
      if (j >= s.length) return false;
      if (c === '\\' && i + 1 < p.length) {
        if (p[i + 1] !== s[j]) return false;
        i += 2;
        j++;
        continue;
      }
      if (c !== '?' && c !== s[j]) return false;
      i++;
      j++;
    }
    return j === s.length;
  };
  return go(0, 0);
}

const RE_SPECIAL = /[\\^$.*+?()[\]{}|/]/g;
export const escapeRegExp = (s: string): string => s.replace(RE_SPECIAL, '\\$&');

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
  const re = new RegExp(`^${toRegexSource(parts)}$`, 'su');
  return (s) => re.test(s);
}

function toRegexSource(parts: Part[]): string {
  return parts
    .map((p) => (p.kind === 'lit' ? escapeRegExp(p.text) : p.kind === 'star' ? '.*' : '.'))
    .join('');
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
