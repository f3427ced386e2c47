// Reference interpreter: walks the tree for every document, with no precompilation (wildcards
// matched by backtracking, fields resolved generically). It defines the semantics that the
// compiled matcher (compile.ts) must reproduce exactly; property tests check that they agree.
//
// Semantics (Elasticsearch's, for the cases rules use):
// - A field is missing (null), one value, or several (an array). Comparisons and predicates hold if
//   ANY value satisfies them. `!=`, `not in` are the negations of `==`, `in` (so a missing field is
//   `!= "x"`, as Elasticsearch's `must_not term` query has it).
// - `== null` / `!= null` test absence / presence. Otherwise a comparison with null is false.
// - `==`, `!=`, `in`, `like`, `regex` are case-sensitive; `:`, `in~`, `like~`, `regex~` and the
//   `~` functions are not. `:` and `like` patterns use `*` and `?`; `regex` is Lucene, full-string.
// - Values compare only within a type (string/string, number/number, boolean/boolean).
// - Functions: a multi-valued first argument maps the function over its values; other arguments
//   use their first value. Arithmetic uses first values.
import { resolveField } from '../common/fields.js';
import { compileLuceneRegex, type StringMatcher } from '../common/lucene-regex.js';
import { wildcardMatch } from '../common/wildcard.js';
import type { EventFilter, Expr, Literal } from './ast.js';
import { FUNCTION_IMPLS, type Scalar } from './functions.js';

export function elems(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

export function truthy(v: unknown): boolean {
  return v === true || (Array.isArray(v) && v.includes(true));
}

function eq(x: unknown, y: unknown, ci: boolean): boolean {
  if (typeof x === 'string' && typeof y === 'string')
    return ci ? x.toLowerCase() === y.toLowerCase() : x === y;
  if (typeof x === 'number' && typeof y === 'number') return x === y;
  if (typeof x === 'boolean' && typeof y === 'boolean') return x === y;
  return false;
}

function order(x: unknown, y: unknown): number | null {
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  if (typeof x === 'string' && typeof y === 'string') return x < y ? -1 : x > y ? 1 : 0;
  return null;
}

const regexCache = new Map<string, StringMatcher>();
function regex(p: string, ci: boolean): StringMatcher {
  const key = `${ci ? 'i' : 's'}:${p}`;
  let r = regexCache.get(key);
  if (!r) {
    r = compileLuceneRegex(p, ci);
    regexCache.set(key, r);
  }
  return r;
}

function first(v: unknown): Scalar {
  const e = elems(v)[0];
  return e === undefined ? null : (e as Scalar);
}

function matchOne(op: string, x: unknown, p: Literal): boolean {
  if (p === null) return false;
  if (typeof p !== 'string') return op === ':' && eq(x, p, false);
  if (typeof x !== 'string') return false;
  switch (op) {
    case ':':
    case 'like~':
      return wildcardMatch(p, x, true);
    case 'like':
      return wildcardMatch(p, x, false);
    case 'regex':
      return regex(p, false).test(x);
    default:
      return regex(p, true).test(x);
  }
}

export function evaluate(e: Expr, doc: unknown): unknown {
  switch (e.k) {
    case 'lit':
      return e.v;
    case 'field':
      return resolveField(doc, e.path);
    case 'not':
      return !truthy(evaluate(e.e, doc));
    case 'and':
      return e.items.every((i) => truthy(evaluate(i, doc)));
    case 'or':
      return e.items.some((i) => truthy(evaluate(i, doc)));
    case 'cmp': {
      if (e.op === '==' || e.op === '!=') {
        const r = equals(e.l, e.r, doc);
        return e.op === '==' ? r : !r;
      }
      const ls = elems(evaluate(e.l, doc));
      const rs = elems(evaluate(e.r, doc));
      return ls.some((x) =>
        rs.some((y) => {
          const o = order(x, y);
          if (o === null) return false;
          return e.op === '<' ? o < 0 : e.op === '<=' ? o <= 0 : e.op === '>' ? o > 0 : o >= 0;
        }),
      );
    }
    case 'match': {
      const ls = elems(evaluate(e.l, doc));
      if (e.patterns.includes(null) && ls.length === 0) return true;
      return ls.some((x) => e.patterns.some((p) => matchOne(e.op, x, p)));
    }
    case 'in': {
      const ls = elems(evaluate(e.l, doc));
      const vals = e.list.map((i) => evaluate(i, doc));
      if (ls.length === 0) return e.list.some((i) => i.k === 'lit' && i.v === null);
      const flat = vals.flatMap(elems);
      return ls.some((x) => flat.some((y) => eq(x, y, e.ci)));
    }
    case 'arith': {
      const a = first(evaluate(e.l, doc));
      const b = first(evaluate(e.r, doc));
      const name = { '+': 'add', '-': 'subtract', '*': 'multiply', '/': 'divide', '%': 'modulo' }[e.op];
      return FUNCTION_IMPLS[name]!([a, b], false);
    }
    case 'neg': {
      const a = first(evaluate(e.e, doc));
      return typeof a === 'number' ? -a : null;
    }
    case 'call': {
      const f = FUNCTION_IMPLS[e.name]!;
      const vals = e.args.map((a) => evaluate(a, doc));
      const rest = vals.slice(1).map(first);
      const head = elems(vals[0]);
      if (head.length > 1) return head.map((h) => f([h as Scalar, ...rest], e.ci));
      return f([(head[0] ?? null) as Scalar, ...rest], e.ci);
    }
  }
}

function equals(l: Expr, r: Expr, doc: unknown): boolean {
  if (r.k === 'lit' && r.v === null) return elems(evaluate(l, doc)).length === 0;
  if (l.k === 'lit' && l.v === null) return elems(evaluate(r, doc)).length === 0;
  const ls = elems(evaluate(l, doc));
  const rs = elems(evaluate(r, doc));
  return ls.some((x) => rs.some((y) => eq(x, y, false)));
}

export function interpretFilter(f: EventFilter, doc: unknown): boolean {
  if (f.category !== null && !elems(resolveField(doc, 'event.category')).includes(f.category)) return false;
  return truthy(evaluate(f.cond, doc));
}
