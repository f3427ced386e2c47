// Matchers for D4C selector values, built once per policy. Every matcher returned here is a
// closure over precomputed Sets and sorted lists: no RegExp, no glob, no string building per
// call, so the per-event cost is a few Set lookups and `startsWith` calls.
//
// Semantics (the reference is the plain code in interpret.ts; compile.test.ts checks both agree):
// - paths (`targetFilePath`, `processExecutable`): `/a/b` exactly that path; `/a/*` direct
//   children of /a (`/a/x`, not `/a/x/y`, not `/a`); `/a/**` anything strictly below /a
//   (`/a/x`, `/a/x/y`, not `/a`); `/*` and `/**` the same with the root as directory.
//   Event paths are compared as given (the kernel gives canonical paths; no `..` handling).
// - "star" values (`kubernetesPodName`, `kubernetesPodLabel`): a trailing `*` makes the rest a
//   prefix (the prefix itself also matches); otherwise exact. A label `key:value*` is the
//   prefix `key:value` of the event's `key:value` string, `key:*` is the prefix `key:` (the key
//   is present with any value), `key:` is exactly `key:` (empty value). Keys cannot contain
//   `:`, so a prefix ending at or after the first `:` always pins the whole key.
// - images: see normalizeImageName / imageRepositoryName.

import { parseImageRef } from '../util/index.js';

export type StringTest = (value: string) => boolean;

/** Above this many prefixes a sorted list with binary search beats a linear scan. */
const LINEAR_MAX = 8;

const NEVER: StringTest = () => false;

/** Exact string membership. */
export function exactMatcher(values: readonly string[]): StringTest {
  if (values.length === 0) return NEVER;
  if (values.length === 1) {
    const only = values[0]!;
    return (v) => v === only;
  }
  const set = new Set(values);
  return (v) => set.has(v);
}

/** Drop prefixes that have a shorter prefix in the list, and sort: what binary search needs. */
export function prefixFree(prefixes: readonly string[]): string[] {
  const sorted = [...new Set(prefixes)].sort();
  const out: string[] = [];
  for (const p of sorted) {
    const last = out[out.length - 1];
    // In sorted order, every extension of `last` comes right after it.
    if (last !== undefined && p.startsWith(last)) continue;
    out.push(p);
  }
  return out;
}

/**
 * A test "some prefix in the list is a prefix of v" (strictly shorter than v if `strict`).
 * In a sorted prefix-free list the only candidate is the greatest element <= v: anything
 * between a prefix p of v and v itself would have p as a prefix.
 */
function prefixMatcher(prefixes: readonly string[], strict: boolean): StringTest {
  if (prefixes.length === 0) return NEVER;
  const list = prefixFree(prefixes);
  const extra = strict ? 1 : 0;
  if (list.length <= LINEAR_MAX) {
    return (v) => {
      for (let i = 0; i < list.length; i++) {
        const p = list[i]!;
        if (v.length >= p.length + extra && v.startsWith(p)) return true;
      }
      return false;
    };
  }
  return (v) => {
    let lo = 0;
    let hi = list.length - 1;
    let best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (list[mid]! <= v) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (best < 0) return false;
    const p = list[best]!;
    return v.length >= p.length + extra && v.startsWith(p);
  };
}

/** Compare `s` with `v.slice(0, end)` without building the slice. */
function compareToPrefixOf(s: string, v: string, end: number): number {
  const n = Math.min(s.length, end);
  for (let i = 0; i < n; i++) {
    const d = s.charCodeAt(i) - v.charCodeAt(i);
    if (d !== 0) return d;
  }
  return s.length - end;
}

/**
 * A test "v is a direct child of one of these directories". `dirs` end with `/` (`/usr/bin/`,
 * `/` for the root). The directory of v is `v.slice(0, lastSlash + 1)`: look it up in a
 * sorted list without slicing.
 */
function childMatcher(dirs: readonly string[]): StringTest {
  if (dirs.length === 0) return NEVER;
  const list = [...new Set(dirs)].sort();
  if (list.length <= LINEAR_MAX) {
    return (v) => {
      for (let i = 0; i < list.length; i++) {
        const d = list[i]!;
        if (v.length > d.length && v.startsWith(d) && v.indexOf('/', d.length) === -1) return true;
      }
      return false;
    };
  }
  return (v) => {
    const slash = v.lastIndexOf('/');
    if (slash < 0 || slash === v.length - 1) return false;
    const end = slash + 1;
    let lo = 0;
    let hi = list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareToPrefixOf(list[mid]!, v, end);
      if (c === 0) return true;
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  };
}

function anyOf(tests: StringTest[]): StringTest {
  const live = tests.filter((t) => t !== NEVER);
  if (live.length === 0) return NEVER;
  if (live.length === 1) return live[0]!;
  if (live.length === 2) {
    const [a, b] = live as [StringTest, StringTest];
    return (v) => a(v) || b(v);
  }
  const [a, b, c] = live as [StringTest, StringTest, StringTest];
  return (v) => a(v) || b(v) || c(v);
}

/** `targetFilePath` / `processExecutable` values. */
export function pathMatcher(patterns: readonly string[]): StringTest {
  const exact: string[] = [];
  const children: string[] = [];
  const below: string[] = [];
  for (const p of patterns) {
    if (p.endsWith('/**')) below.push(p.slice(0, -2));
    else if (p.endsWith('/*')) children.push(p.slice(0, -1));
    else exact.push(p);
  }
  return anyOf([exactMatcher(exact), childMatcher(children), prefixMatcher(below, true)]);
}

/** `kubernetesPodName` / `kubernetesPodLabel` values: exact, or a prefix before a trailing `*`. */
export function starMatcher(patterns: readonly string[]): StringTest {
  const exact: string[] = [];
  const prefixes: string[] = [];
  for (const p of patterns) {
    if (p.endsWith('*')) prefixes.push(p.slice(0, -1));
    else exact.push(p);
  }
  return anyOf([exactMatcher(exact), prefixMatcher(prefixes, false)]);
}

/** True when any of `values` passes `test` (the event's pod labels). */
export function anyValue(test: StringTest): (values: readonly string[]) => boolean {
  return (values) => {
    for (let i = 0; i < values.length; i++) if (test(values[i]!)) return true;
    return false;
  };
}

/**
 * Many path patterns, each tagged with a selector bit: `matchInto(path, out)` ORs into `out`
 * the bits of every pattern the path matches, in O(depth of path) Map lookups whatever the
 * number of patterns (a 64-selector policy costs the same as a 1-selector one). It looks up
 * the path itself (exact patterns), its directory (`/dir/*`) and each proper ancestor
 * directory (`/dir/**`); those lookups slice the path, so callers memoise per path.
 */
export class PathIndex {
  private readonly exact = new Map<string, Uint32Array>();
  private readonly children = new Map<string, Uint32Array>();
  private readonly below = new Map<string, Uint32Array>();

  constructor(private readonly words: number) {}

  add(pattern: string, bit: number): void {
    let map = this.exact;
    let key = pattern;
    if (pattern.endsWith('/**')) {
      map = this.below;
      key = pattern.slice(0, -2);
    } else if (pattern.endsWith('/*')) {
      map = this.children;
      key = pattern.slice(0, -1);
    }
    let m = map.get(key);
    if (m === undefined) {
      m = new Uint32Array(this.words);
      map.set(key, m);
    }
    m[bit >>> 5]! |= 1 << (bit & 31);
  }

  matchInto(path: string, out: Uint32Array): void {
    orInto(out, this.exact.get(path));
    const last = path.lastIndexOf('/');
    if (last >= 0 && last < path.length - 1 && this.children.size > 0) {
      orInto(out, this.children.get(path.slice(0, last + 1)));
    }
    if (this.below.size > 0) {
      // Every proper ancestor directory, with its trailing slash: `/`, `/a/`, `/a/b/`, ...
      for (let i = path.indexOf('/'); i >= 0 && i < path.length - 1; i = path.indexOf('/', i + 1)) {
        orInto(out, this.below.get(path.slice(0, i + 1)));
      }
    }
  }
}

function orInto(out: Uint32Array, m: Uint32Array | undefined): void {
  if (m === undefined) return;
  for (let i = 0; i < out.length; i++) out[i]! |= m[i]!;
}

// ---- container images ----

/**
 * The repository name of an image reference, tag and digest dropped, normalised by the one
 * implementation (src/util/image-ref.ts, Docker's rules): `nginx`, `library/nginx`,
 * `docker.io/nginx`, `index.docker.io/library/nginx:1.25` all give `docker.io/library/nginx`;
 * `gcr.io/proj/img` stays; `localhost:5000/app:v1` gives `localhost:5000/app`. A value that
 * is not a valid reference (upper-case path, spaces, bad digest) is compared as written,
 * trimmed, so it can only equal the same spelling. Idempotent. Empty stays empty.
 */
export function normalizeImageName(ref: string): string {
  const r = parseImageRef(ref);
  return r.ok ? r.ref.fullName : ref.trim();
}

/** The tag of an image reference (`nginx:1.25` gives `1.25`), if it is valid and has one. */
export function imageReferenceTag(ref: string): string | undefined {
  const r = parseImageRef(ref);
  return r.ok ? r.ref.tag : undefined;
}

/**
 * What `containerImageName` compares with: the last path component of the normalised
 * reference, i.e. the repository's own name without registry or namespace. So
 * `containerImageName: [nginx]` matches `docker.io/library/nginx`, `gcr.io/proj/nginx` and
 * `docker.io/bitnami/nginx`, but not `docker.io/library/nginx-ingress` nor
 * `gcr.io/nginx/controller`.
 */
export function imageRepositoryName(ref: string): string {
  const full = normalizeImageName(ref);
  return full.slice(full.lastIndexOf('/') + 1);
}

export interface ImageNames {
  full: string;
  name: string;
}

/**
 * Memoised normalisation for the hot path: an event stream carries few distinct images, so
 * after the first sighting an image costs one Map lookup and no allocation. Bounded: cleared
 * when full, so a hostile stream of unique names cannot grow it without limit.
 */
export function imageNameCache(max = 1024): (ref: string) => ImageNames {
  const cache = new Map<string, ImageNames>();
  return (ref) => {
    let hit = cache.get(ref);
    if (hit === undefined) {
      const full = normalizeImageName(ref);
      hit = { full, name: full.slice(full.lastIndexOf('/') + 1) };
      if (cache.size >= max) cache.clear();
      cache.set(ref, hit);
    }
    return hit;
  };
}
