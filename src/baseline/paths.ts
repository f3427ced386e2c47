// Path generalisation for learned writes: exact paths, `dir/*` where at least `min` distinct
// files were written directly in one directory, `dir/**` where at least `min` distinct
// subdirectories of one directory were each generalised. Never wider than that (no `/*`, `/**`
// or a top-level directory's `**`), and always within the policy language: a final `/*` or `/**`
// only, no `*` inside a value, at most 255 bytes.

export const MAX_PATH_BYTES = 255;

export interface PathEvidence {
  events: number;
  first: number;
  last: number;
}

export interface Generalised {
  /** The policy value: `/a/b`, `/a/*`, `/a/**`. */
  pattern: string;
  evidence: PathEvidence;
  /** Distinct paths it stands for. */
  paths: number;
}

const dirOf = (p: string) => p.slice(0, p.lastIndexOf('/')) || '/';

/** A path the policy language can name exactly. */
export function expressible(p: string): boolean {
  return (
    p.startsWith('/') &&
    p.length > 1 &&
    !p.endsWith('/') &&
    !p.includes('*') &&
    !p.includes('//') &&
    Buffer.byteLength(p) <= MAX_PATH_BYTES
  );
}

function merge(into: PathEvidence, e: PathEvidence): void {
  into.events += e.events;
  into.first = Math.min(into.first, e.first);
  into.last = Math.max(into.last, e.last);
}

/** Depth of a directory: `/` 0, `/tmp` 1, `/tmp/app` 2. */
const depth = (d: string) => (d === '/' ? 0 : d.split('/').length - 1);

/**
 * The patterns covering every path in `paths` (absolute paths written, with their evidence).
 * A path the language cannot name (a `*`, over 255 bytes) is covered by its nearest nameable
 * directory's `/*` or `/**`.
 */
export function generalise(paths: ReadonlyMap<string, PathEvidence>, min = 3): Generalised[] {
  // Step 0: exact paths, or the nearest expressible ancestor directory for the others.
  const exact = new Map<string, Generalised>();
  const forced = new Map<string, Generalised>();
  const add = (m: Map<string, Generalised>, pattern: string, e: PathEvidence, n = 1) => {
    const g = m.get(pattern);
    if (g) {
      merge(g.evidence, e);
      g.paths += n;
    } else m.set(pattern, { pattern, evidence: { ...e }, paths: n });
  };
  for (const [p, e] of paths) {
    if (expressible(p)) {
      add(exact, p, e);
      continue;
    }
    let d = dirOf(p);
    let deep = false;
    while (d !== '/' && !expressible(d)) {
      d = dirOf(d);
      deep = true;
    }
    add(forced, d === '/' ? '/**' : `${d}/${deep ? '**' : '*'}`, e);
  }
  // Step 1: directories with `min` or more distinct files written → `dir/*`.
  const byDir = new Map<string, Generalised[]>();
  for (const g of exact.values()) {
    const d = dirOf(g.pattern);
    const list = byDir.get(d) ?? [];
    list.push(g);
    byDir.set(d, list);
  }
  const level1 = new Map<string, Generalised>();
  for (const [d, list] of byDir) {
    if (list.length >= min && depth(d) >= 1) {
      const e = { events: 0, first: Number.POSITIVE_INFINITY, last: Number.NEGATIVE_INFINITY };
      for (const g of list) merge(e, g.evidence);
      level1.set(`${d}/*`, { pattern: `${d}/*`, evidence: e, paths: list.length });
    } else for (const g of list) level1.set(g.pattern, g);
  }
  // Step 2: a directory (below the top level) with `min` or more subdirectories that became
  // `sub/*` → `dir/**` (it absorbs the directory's other entries below it too).
  const starsByParent = new Map<string, string[]>();
  for (const p of level1.keys())
    if (p.endsWith('/*')) {
      const sub = p.slice(0, -2);
      const parent = dirOf(sub);
      if (depth(parent) < 2) continue;
      const list = starsByParent.get(parent) ?? [];
      list.push(sub);
      starsByParent.set(parent, list);
    }
  const out = new Map<string, Generalised>();
  const wide = [...starsByParent].filter(([, subs]) => subs.length >= min).map(([d]) => d);
  for (const g of level1.values()) {
    const under = wide.find((d) => g.pattern.startsWith(`${d}/`));
    if (under) add(out, `${under}/**`, g.evidence, g.paths);
    else out.set(g.pattern, g);
  }
  for (const g of forced.values()) add(out, g.pattern, g.evidence, g.paths);
  // A pattern already covered by a wider one is dropped (e.g. `/a/b/*` under a forced `/a/**`).
  const all = [...out.values()];
  const covers = (w: string, p: string) =>
    w !== p &&
    ((w.endsWith('/**') && p.startsWith(w.slice(0, -2))) ||
      (w.endsWith('/*') && !p.endsWith('*') && dirOf(p) === w.slice(0, -2)));
  const kept = all.filter((g) => !all.some((w) => covers(w.pattern, g.pattern)));
  for (const g of all)
    if (!kept.includes(g)) {
      const w = kept.find((k) => covers(k.pattern, g.pattern));
      if (w) {
        merge(w.evidence, g.evidence);
        w.paths += g.paths;
      }
    }
  return kept.sort((a, b) => (a.pattern < b.pattern ? -1 : a.pattern > b.pattern ? 1 : 0));
}
