// ES|QL scalar functions (reference semantics). Single-valued functions return null with a
// warning when an argument is multi-valued, as Elasticsearch does; MV_* functions take multi-values.

import { RE2JS } from 're2js';
import type { StringMatcher } from '../common/lucene-regex.js';
import { compileWildcardLowered } from '../common/wildcard.js';
import type { Span } from './ast.js';
import { cmp, key, type Scalar, type Value, values } from './values.js';

export type Warn = (message: string) => void;
export type Impl = (args: Value[], warn: Warn, ctx: { now: Date }) => Value;

export interface FnSpec {
  min: number;
  max: number;
  impl?: Impl;
}

const INF = Number.POSITIVE_INFINITY;
const MV_WARN = 'single-value function encountered multi-value';

/** A function of single values: null in → null out, multi-value in → null with a warning. */
function sv(f: (...a: Scalar[]) => Value): Impl {
  return (args, warn) => {
    const a: Scalar[] = [];
    for (const v of args) {
      if (v === null) return null;
      if (Array.isArray(v)) {
        warn(MV_WARN);
        return null;
      }
      a.push(v);
    }
    return f(...a);
  };
}

const str = (v: Scalar): string | null => (typeof v === 'string' ? v : null);

// REPLACE's pattern is matched against document text (a container's arguments, paths): a linear
// engine (RE2), never a backtracking one. A literal pattern is checked when the query is parsed;
// one computed per row that does not compile gives null. Compiled patterns are kept (bounded).
const REPLACE_CACHE_MAX = 256;
const replaceCache = new Map<string, RE2JS | null>();

/** REPLACE's regex, compiled with RE2 (throws RE2JSSyntaxException for an invalid one). */
export function compileReplaceRegex(re: string): RE2JS {
  return RE2JS.compile(re);
}

function replaceRegex(re: string): RE2JS | null {
  let m = replaceCache.get(re);
  if (m === undefined) {
    try {
      m = compileReplaceRegex(re);
    } catch {
      m = null;
    }
    if (replaceCache.size >= REPLACE_CACHE_MAX) replaceCache.clear();
    replaceCache.set(re, m);
  }
  return m;
}

export function toStringValue(v: Scalar): string {
  if (v instanceof Date) return v.toISOString();
  return String(v);
}

export function addSpan(d: Date, s: Span, sign: number): Date {
  const r = new Date(d.getTime() + sign * s.ms);
  if (s.months !== 0) r.setUTCMonth(r.getUTCMonth() + sign * s.months);
  return r;
}

export function truncDate(d: Date, s: Span): Date {
  if (s.months > 0) {
    const total = d.getUTCFullYear() * 12 + d.getUTCMonth();
    const t = Math.floor(total / s.months) * s.months;
    return new Date(Date.UTC(Math.floor(t / 12), t % 12, 1));
  }
  if (s.ms <= 0) return d;
  const ms = d.getTime();
  return new Date(ms - (((ms % s.ms) + s.ms) % s.ms));
}

const DIFF_UNITS: Record<string, number> = {
  millisecond: 1,
  milliseconds: 1,
  ms: 1,
  second: 1000,
  seconds: 1000,
  ss: 1000,
  s: 1000,
  minute: 60_000,
  minutes: 60_000,
  mi: 60_000,
  n: 60_000,
  hour: 3_600_000,
  hours: 3_600_000,
  hh: 3_600_000,
  day: 86_400_000,
  days: 86_400_000,
  dd: 86_400_000,
  d: 86_400_000,
  week: 604_800_000,
  weeks: 604_800_000,
  wk: 604_800_000,
  ww: 604_800_000,
};

export function dateDiffUnit(unit: string): number | undefined {
  return DIFF_UNITS[unit.toLowerCase()];
}

/** LIKE: `*` any run, `?` one character, `\\` escapes (Elasticsearch wildcard syntax), matched
 * without backtracking (common/wildcard.ts). */
export function likeMatcher(p: string): StringMatcher {
  const m = compileWildcardLowered(p, false);
  return { test: m };
}

function mvPick(pick: (vs: Scalar[]) => Scalar | null): Impl {
  return ([v]) => {
    const vs = values(v ?? null);
    return vs.length === 0 ? null : pick(vs);
  };
}
const minMax = (dir: number) => mvPick((vs) => vs.reduce((a, b) => ((cmp(b, a) ?? 0) * dir < 0 ? b : a)));

export const FUNCTIONS: Record<string, FnSpec> = {
  case: { min: 2, max: INF }, // evaluated lazily by the evaluator
  coalesce: {
    min: 1,
    max: INF,
    impl: (args) => {
      for (const a of args) if (a !== null) return a;
      return null;
    },
  },
  to_lower: { min: 1, max: 1, impl: sv((s) => (typeof s === 'string' ? s.toLowerCase() : null)) },
  to_upper: { min: 1, max: 1, impl: sv((s) => (typeof s === 'string' ? s.toUpperCase() : null)) },
  to_string: {
    min: 1,
    max: 1,
    impl: ([v]) => {
      if (v === null || v === undefined) return null;
      return Array.isArray(v) ? v.map(toStringValue) : toStringValue(v);
    },
  },
  replace: {
    min: 3,
    max: 3,
    impl: sv((s, re, to) => {
      if (typeof s !== 'string' || typeof re !== 'string' || typeof to !== 'string') return null;
      const m = replaceRegex(re);
      return m === null ? null : m.matcher(s).replaceAll(to);
    }),
  },
  starts_with: {
    min: 2,
    max: 2,
    impl: sv((s, p) => (str(s) === null || str(p) === null ? null : (s as string).startsWith(p as string))),
  },
  ends_with: {
    min: 2,
    max: 2,
    impl: sv((s, p) => (str(s) === null || str(p) === null ? null : (s as string).endsWith(p as string))),
  },
  length: { min: 1, max: 1, impl: sv((s) => (typeof s === 'string' ? [...s].length : null)) },
  substring: {
    min: 2,
    max: 3,
    impl: sv((s, start, len) => {
      if (typeof s !== 'string' || typeof start !== 'number') return null;
      const cps = [...s];
      // 1-based; a negative start counts from the end (as Elasticsearch).
      let b = start < 0 ? Math.max(cps.length + start, 0) : Math.max(start - 1, 0);
      b = Math.min(b, cps.length);
      const n = len === undefined ? cps.length : typeof len === 'number' ? Math.max(len, 0) : 0;
      return cps.slice(b, b + n).join('');
    }),
  },
  concat: {
    min: 2,
    max: INF,
    impl: sv((...a) => (a.every((x) => typeof x === 'string') ? a.join('') : null)),
  },
  date_trunc: { min: 2, max: 2 }, // span argument: evaluator
  date_diff: {
    min: 3,
    max: 3,
    impl: sv((unit, a, b) => {
      if (!(a instanceof Date) || !(b instanceof Date) || typeof unit !== 'string') return null;
      const u = dateDiffUnit(unit);
      if (u !== undefined) return Math.trunc((b.getTime() - a.getTime()) / u);
      const months =
        (b.getUTCFullYear() - a.getUTCFullYear()) * 12 +
        (b.getUTCMonth() - a.getUTCMonth()) -
        (addSpan(
          a,
          {
            ms: 0,
            months: (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + (b.getUTCMonth() - a.getUTCMonth()),
          },
          1,
        ) > b
          ? 1
          : 0);
      const lu = unit.toLowerCase();
      if (['month', 'months', 'mm', 'm'].includes(lu)) return months;
      if (['quarter', 'quarters', 'qq', 'q'].includes(lu)) return Math.trunc(months / 3);
      if (['year', 'years', 'yyyy', 'yy'].includes(lu)) return Math.trunc(months / 12);
      return null;
    }),
  },
  now: { min: 0, max: 0, impl: (_a, _w, ctx) => ctx.now },
  mv_count: { min: 1, max: 1, impl: ([v]) => (v === null || v === undefined ? null : values(v).length) },
  mv_first: { min: 1, max: 1, impl: mvPick((vs) => vs[0] as Scalar) },
  mv_last: { min: 1, max: 1, impl: mvPick((vs) => vs[vs.length - 1] as Scalar) },
  mv_min: { min: 1, max: 1, impl: minMax(1) },
  mv_max: { min: 1, max: 1, impl: minMax(-1) },
  mv_concat: {
    min: 2,
    max: 2,
    impl: ([v, d], warn) => {
      if (v === null || v === undefined || d === null || d === undefined) return null;
      if (Array.isArray(d)) {
        warn(MV_WARN);
        return null;
      }
      const vs = values(v);
      if (!vs.every((x) => typeof x === 'string') || typeof d !== 'string') return null;
      return vs.join(d);
    },
  },
  mv_dedupe: {
    min: 1,
    max: 1,
    impl: ([v]) => {
      if (v === null || v === undefined) return null;
      const seen = new Set<string>();
      const outv: Scalar[] = [];
      for (const x of values(v)) {
        const k = key(x);
        if (!seen.has(k)) {
          seen.add(k);
          outv.push(x);
        }
      }
      return outv.length === 1 ? (outv[0] as Scalar) : outv;
    },
  },
};
