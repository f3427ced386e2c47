// KQL evaluation over one document: a reference interpreter and a compiler to closures; tests
// check they agree. Semantics (keyword-field behaviour, as Elastic's ECS mappings have it):
// - `f:v` holds if ANY value of f equals v: strings exactly (case-sensitive), numbers numerically
//   (`pid:42`), booleans as `true`/`false`. An unquoted value with `*` is a case-sensitive
//   wildcard over string values. A quoted value is exact (no wildcards).
// - `f:*` holds if f has a value. Ranges compare numbers numerically, ISO dates as instants,
//   other strings lexicographically.
// - A field name with `*` matches any leaf path of the document that fits the pattern.
// - `f:{ q }` holds if q holds within one of the objects under f.
// - Free text (no field) matches like `*:v`: any leaf value of the document.
// - `not` is plain negation: `not f:v` holds when f is missing.
import { compileGetter, leafPaths, resolveField } from '../common/fields.js';
import { compileWildcardLowered, wildcardMatch } from '../common/wildcard.js';
import type { KqlField, KqlNode, KqlValue } from './parser.js';

const elems = (v: unknown): unknown[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);

function asNumber(t: string): number | null {
  if (t.trim() === '') return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

function valueTest(v: KqlValue, compiled: boolean): (x: unknown) => boolean {
  if (v.wildcard && !v.quoted) {
    const m = compiled
      ? compileWildcardLowered(v.text, false)
      : (s: string) => wildcardMatch(v.text, s, false);
    return (x) => typeof x === 'string' && m(x);
  }
  const t = v.text;
  const n = asNumber(t);
  const b = t === 'true' ? true : t === 'false' ? false : null;
  return (x) => x === t || (n !== null && x === n) || (b !== null && x === b);
}

const DATE = /^\d{4}-\d{2}-\d{2}/;
function rangeTest(op: string, bound: string): (x: unknown) => boolean {
  const bn = asNumber(bound);
  const bd = DATE.test(bound) ? Date.parse(bound) : Number.NaN;
  const ok = (o: number): boolean =>
    op === '<' ? o < 0 : op === '<=' ? o <= 0 : op === '>' ? o > 0 : o >= 0;
  return (x) => {
    if (typeof x === 'number') return bn !== null && ok(x - bn);
    if (typeof x !== 'string') return false;
    if (!Number.isNaN(bd) && DATE.test(x)) {
      const xd = Date.parse(x);
      if (!Number.isNaN(xd)) return ok(xd - bd);
    }
    return ok(x < bound ? -1 : x > bound ? 1 : 0);
  };
}

/** Values of a field: plain path, or all leaves whose path fits a wildcard; null field = all leaves. */
function fieldValues(doc: unknown, f: KqlField | null, get?: (d: unknown) => unknown): unknown[] {
  if (f && !f.wildcard) return elems(get ? get(doc) : resolveField(doc, f.name));
  const out: unknown[] = [];
  for (const [path, v] of leafPaths(doc)) {
    if (f === null || wildcardMatch(f.name, path, false)) for (const e of elems(v)) out.push(e);
  }
  return out;
}

export function interpretKql(n: KqlNode, doc: unknown): boolean {
  switch (n.k) {
    case 'all':
      return true;
    case 'and':
      return n.items.every((i) => interpretKql(i, doc));
    case 'or':
      return n.items.some((i) => interpretKql(i, doc));
    case 'not':
      return !interpretKql(n.e, doc);
    case 'exists':
      return fieldValues(doc, n.field).length > 0;
    case 'match':
      return fieldValues(doc, n.field).some(valueTest(n.value, false));
    case 'range':
      return fieldValues(doc, n.field).some(rangeTest(n.op, n.value.text));
    case 'nested':
      return elems(resolveField(doc, n.field)).some((o) => typeof o === 'object' && interpretKql(n.q, o));
  }
}

export type KqlPred = (doc: unknown) => boolean;

export function compileKql(n: KqlNode): KqlPred {
  switch (n.k) {
    case 'all':
      return () => true;
    case 'and': {
      const ps = n.items.map(compileKql);
      return (d) => {
        for (const p of ps) if (!p(d)) return false;
        return true;
      };
    }
    case 'or': {
      const ps = n.items.map(compileKql);
      return (d) => {
        for (const p of ps) if (p(d)) return true;
        return false;
      };
    }
    case 'not': {
      const p = compileKql(n.e);
      return (d) => !p(d);
    }
    case 'exists':
      return withValues(n.field, (v) => v !== undefined && v !== null);
    case 'match':
      return withValues(n.field, valueTest(n.value, true));
    case 'range':
      return withValues(n.field, rangeTest(n.op, n.value.text));
    case 'nested': {
      const g = compileGetter(n.field);
      const q = compileKql(n.q);
      return (d) => elems(g(d)).some((o) => typeof o === 'object' && q(o));
    }
  }
}

function withValues(f: KqlField | null, test: (x: unknown) => boolean): KqlPred {
  if (f && !f.wildcard) {
    const g = compileGetter(f.name);
    return (d) => {
      const v = g(d);
      if (v === undefined || v === null) return false;
      if (!Array.isArray(v)) return test(v);
      for (const x of v) if (test(x)) return true;
      return false;
    };
  }
  return (d) => fieldValues(d, f).some(test);
}
