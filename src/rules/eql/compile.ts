// Compiles an EQL tree once into closures: field accessors split on dots ahead of time, literal
// lists turned into Sets, wildcard lists into one matcher, regexes translated once. The hot path
// does no parsing and allocates only for multi-valued edge cases. Semantics: see interpret.ts.
import { compileGetter, type Getter } from '../common/fields.js';
import { compileLuceneRegex } from '../common/lucene-regex.js';
import { compileWildcardSet } from '../common/wildcard.js';
import type { EventFilter, Expr, Literal } from './ast.js';
import { FUNCTION_IMPLS, type Scalar } from './functions.js';
import { elems, truthy } from './interpret.js';

export type Pred = (doc: unknown) => boolean;
type Val = (doc: unknown) => unknown;

const getters = new Map<string, Getter>();
function getter(path: string): Getter {
  let g = getters.get(path);
  if (!g) {
    g = compileGetter(path);
    getters.set(path, g);
  }
  return g;
}

/** Any value of `v` (scalar or array) satisfies `test`. */
function anyOf(v: unknown, test: (x: unknown) => boolean): boolean {
  if (v === undefined || v === null) return false;
  if (!Array.isArray(v)) return test(v);
  for (let i = 0; i < v.length; i++) if (test(v[i])) return true;
  return false;
}

const isNull = (v: unknown): boolean => v === undefined || v === null || (Array.isArray(v) && v.length === 0);

function eqLoose(x: unknown, y: unknown): boolean {
  const t = typeof x;
  return (t === 'string' || t === 'number' || t === 'boolean') && x === y;
}

export function compileFilter(f: EventFilter): Pred {
  const cond = compilePred(f.cond);
  if (f.category === null) return cond;
  const cat = f.category;
  const g = getter('event.category');
  return (doc) => {
    const c = g(doc);
    return (c === cat || (Array.isArray(c) && c.includes(cat))) && cond(doc);
  };
}

export function compilePred(e: Expr): Pred {
  switch (e.k) {
    case 'and': {
      const ps = e.items.map(compilePred);
      if (ps.length === 2) {
        const [a, b] = ps as [Pred, Pred];
        return (d) => a(d) && b(d);
      }
      return (d) => {
        for (let i = 0; i < ps.length; i++) if (!ps[i]!(d)) return false;
        return true;
      };
    }
    case 'or': {
      const ps = e.items.map(compilePred);
      return (d) => {
        for (let i = 0; i < ps.length; i++) if (ps[i]!(d)) return true;
        return false;
      };
    }
    case 'not': {
      const p = compilePred(e.e);
      return (d) => !p(d);
    }
    case 'cmp':
      return compileCmp(e);
    case 'match':
      return compileMatch(e.op, compileVal(e.l), e.patterns);
    case 'in':
      return compileIn(e);
    default: {
      const v = compileVal(e);
      return (d) => truthy(v(d));
    }
  }
}

function compileCmp(e: Extract<Expr, { k: 'cmp' }>): Pred {
  if (e.op === '==' || e.op === '!=') {
    let p: Pred;
    const nullSide =
      e.r.k === 'lit' && e.r.v === null ? e.l : e.l.k === 'lit' && e.l.v === null ? e.r : undefined;
    if (nullSide) {
      const v = compileVal(nullSide);
      p = (d) => isNull(v(d));
    } else if (e.r.k === 'lit' || e.l.k === 'lit') {
      const [side, lit] = e.r.k === 'lit' ? [e.l, e.r.v] : [e.r, (e.l as { v: Literal }).v];
      const v = compileVal(side);
      p = (d) => {
        const x = v(d);
        return x === lit || (Array.isArray(x) && x.includes(lit));
      };
    } else {
      const l = compileVal(e.l);
      const r = compileVal(e.r);
      p = (d) => {
        const rv = r(d);
        return anyOf(l(d), (x) => anyOf(rv, (y) => eqLoose(x, y)));
      };
    }
    if (e.op === '==') return p;
    return (d) => !p(d);
  }
  const l = compileVal(e.l);
  const r = compileVal(e.r);
  const test =
    e.op === '<'
      ? (o: number) => o < 0
      : e.op === '<='
        ? (o: number) => o <= 0
        : e.op === '>'
          ? (o: number) => o > 0
          : (o: number) => o >= 0;
  return (d) => {
    const rv = r(d);
    return anyOf(l(d), (x) =>
      anyOf(rv, (y) => {
        if (typeof x === 'number' && typeof y === 'number') return test(x - y);
        if (typeof x === 'string' && typeof y === 'string') return test(x < y ? -1 : x > y ? 1 : 0);
        return false;
      }),
    );
  };
}

function compileMatch(op: string, v: Val, patterns: readonly Literal[]): Pred {
  const strs = patterns.filter((p): p is string => typeof p === 'string');
  const others = new Set<unknown>(patterns.filter((p) => p !== null && typeof p !== 'string'));
  const hasNull = patterns.includes(null);
  let strTest: (s: string) => boolean;
  if (op === 'regex' || op === 'regex~') {
    const res = strs.map((p) => compileLuceneRegex(p, op === 'regex~'));
    strTest = res.length === 1 ? (s) => res[0]!.test(s) : (s) => res.some((r) => r.test(s));
  } else {
    strTest = compileWildcardSet(strs, op !== 'like');
  }
  const one = (x: unknown): boolean =>
    typeof x === 'string' ? strTest(x) : others.size > 0 && others.has(x);
  return (d) => {
    const x = v(d);
    if (hasNull && isNull(x)) return true;
    return anyOf(x, one);
  };
}

function compileIn(e: Extract<Expr, { k: 'in' }>): Pred {
  const v = compileVal(e.l);
  const hasNull = e.list.some((i) => i.k === 'lit' && i.v === null);
  if (e.list.every((i) => i.k === 'lit')) {
    const lits = e.list.map((i) => (i as { v: Literal }).v).filter((x) => x !== null);
    const set = new Set<unknown>(
      e.ci ? lits.map((x) => (typeof x === 'string' ? x.toLowerCase() : x)) : lits,
    );
    const one = e.ci
      ? (x: unknown) => (typeof x === 'string' ? set.has(x.toLowerCase()) : set.has(x))
      : (x: unknown) => set.has(x);
    return (d) => {
      const x = v(d);
      if (isNull(x)) return hasNull;
      return anyOf(x, one);
    };
  }
  const items = e.list.map(compileVal);
  return (d) => {
    const x = v(d);
    if (isNull(x)) return hasNull;
    const flat: unknown[] = [];
    for (const it of items) for (const y of elems(it(d))) flat.push(y);
    return anyOf(x, (a) =>
      flat.some((b) =>
        e.ci && typeof a === 'string' && typeof b === 'string'
          ? a.toLowerCase() === b.toLowerCase()
          : eqLoose(a, b),
      ),
    );
  };
}

const firstOf = (v: unknown): Scalar => {
  if (Array.isArray(v)) return v.length === 0 ? null : (v[0] as Scalar);
  return v === undefined ? null : (v as Scalar);
};

export function compileVal(e: Expr): Val {
  switch (e.k) {
    case 'lit': {
      const c = e.v;
      return () => c;
    }
    case 'field':
      return getter(e.path);
    case 'arith': {
      const l = compileVal(e.l);
      const r = compileVal(e.r);
      const f =
        FUNCTION_IMPLS[{ '+': 'add', '-': 'subtract', '*': 'multiply', '/': 'divide', '%': 'modulo' }[e.op]]!;
      return (d) => f([firstOf(l(d)), firstOf(r(d))], false);
    }
    case 'neg': {
      const a = compileVal(e.e);
      return (d) => {
        const x = firstOf(a(d));
        return typeof x === 'number' ? -x : null;
      };
    }
    case 'call': {
      const f = FUNCTION_IMPLS[e.name]!;
      const [head, ...rest] = e.args.map(compileVal);
      const ci = e.ci;
      return (d) => {
        const args: Scalar[] = [null];
        for (const r of rest) args.push(firstOf(r(d)));
        const h = head!(d);
        if (Array.isArray(h) && h.length > 1) {
          return h.map((x) => {
            const a = args.slice();
            a[0] = x as Scalar;
            return f(a, ci);
          });
        }
        args[0] = firstOf(h);
        return f(args, ci);
      };
    }
    default: {
      const p = compilePred(e);
      return (d) => p(d);
    }
  }
}
