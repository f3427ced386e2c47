// EQL: parse once, compile to a matcher (closures) or an interpreter-backed matcher (reference).
import { resolveField } from '../common/fields.js';
import type { Expr, Query, Stage } from './ast.js';
import { compileFilter, compileVal } from './compile.js';
import { elems, evaluate, interpretFilter } from './interpret.js';
import { parseEql } from './parser.js';
import type { SamplePlan } from './sample.js';
import { type KeyFn, type Pred, type SeqStagePlan, SequenceMatcher, type SequencePlan } from './sequence.js';

export type { Expr, Query } from './ast.js';
export { compileFilter, compilePred } from './compile.js';
export { EQL_CODES, QueryError } from './errors.js';
export { evaluate, interpretFilter } from './interpret.js';
export { parseEql, parseEqlExpression } from './parser.js';
export { SampleMatcher, type SamplePlan, type SampleStats } from './sample.js';
export { SequenceMatcher, type SequencePlan, type SequenceStats } from './sequence.js';

export type Mode = 'compiled' | 'interpreted';

export type EqlMatcher =
  | { kind: 'event'; test: Pred }
  | { kind: 'sequence'; plan: SequencePlan }
  | { kind: 'sample'; plan: SamplePlan };

/** Parses and compiles; throws QueryError (with an offset into `src`) on any problem. */
export function compileEql(src: string, mode: Mode = 'compiled'): EqlMatcher {
  return buildMatcher(parseEql(src), mode);
}

export function buildMatcher(q: Query, mode: Mode): EqlMatcher {
  if (q.kind === 'event') {
    const f = q.filter;
    return { kind: 'event', test: mode === 'compiled' ? compileFilter(f) : (d) => interpretFilter(f, d) };
  }
  const stagePlan = (s: Stage): SeqStagePlan => ({
    pred: mode === 'compiled' ? compileFilter(s.filter) : (d) => interpretFilter(s.filter, d),
    key: keyFn([...q.by, ...s.by], mode),
  });
  if (q.kind === 'sample') return { kind: 'sample', plan: { stages: q.stages.map(stagePlan) } };
  const stages: SeqStagePlan[] = [];
  const missing: SeqStagePlan[][] = [[]];
  for (const s of q.stages) {
    if (s.missing) {
      missing[stages.length]!.push(stagePlan(s));
      continue;
    }
    const p = stagePlan(s);
    for (let r = 0; r < s.runs; r++) {
      stages.push(p);
      missing.push([]);
    }
  }
  return {
    kind: 'sequence',
    plan: { stages, missing, until: q.until ? stagePlan(q.until) : null, maxspanMs: q.maxspanMs },
  };
}

/**
 * Join key of an event: the JSON of its key values. A missing key value excludes the event from
 * the sequence, unless the key is an optional field (`?field`), which then joins as null.
 */
function keyFn(keys: Expr[], mode: Mode): KeyFn {
  if (keys.length === 0) return () => '';
  const vals = keys.map((k) => (mode === 'compiled' ? compileVal(k) : (d: unknown) => evaluateKey(k, d)));
  const optional = keys.map((k) => k.k === 'field' && k.optional);
  return (d) => {
    let out = '';
    for (let i = 0; i < vals.length; i++) {
      const v = vals[i]!(d);
      const es = elems(v);
      if (es.length === 0 && !optional[i]) return null;
      if (i > 0) out += '\u0000';
      out += keyPart(es.length === 0 ? null : es.length === 1 ? es[0] : es);
    }
    return out;
  };
}

// Type-tagged so that "1" and 1 stay different keys; JSON only for the rare non-scalar.
function keyPart(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return `s${v}`;
    case 'number':
      return `n${v}`;
    case 'boolean':
      return `b${v}`;
    default:
      return `j${JSON.stringify(v)}`;
  }
}

function evaluateKey(k: Expr, d: unknown): unknown {
  return k.k === 'field' ? resolveField(d, k.path) : evaluate(k, d);
}

export function newSequenceMatcher(plan: SequencePlan, maxKeys?: number): SequenceMatcher {
  return new SequenceMatcher(plan, maxKeys === undefined ? {} : { maxKeys });
}
