// Property tests: the compiled matchers agree with the reference interpreters on random queries
// over random documents (EQL predicates, EQL sequences, KQL), and compiled wildcards agree with
// the backtracking reference matcher.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runs } from '../../util/runs.fixture.js';
import { compileWildcardSet, wildcardMatch } from '../common/wildcard.js';
import {
  compileEql,
  compilePred,
  evaluate,
  parseEqlExpression,
  QueryError,
  SequenceMatcher,
} from '../eql/index.js';
import { truthy } from '../eql/interpret.js';
import { compileKql, interpretKql, KqlError, parseKql } from '../kql/index.js';

const FIELDS = ['a', 'b', 'c.d', 'c.e', 'arr', 'n', 'missing', 'f.g.h'];
const STRS = ['', 'a', 'A', 'ab', 'aB', 'ba', 'x.y', '1', '10.0.0.1', 'a*b', 'ä'];
const NUMS = [0, 1, -1, 2.5, 100];

const scalar = fc.oneof(fc.constantFrom(...STRS), fc.constantFrom(...NUMS), fc.boolean(), fc.constant(null));
const value = fc.oneof(
  { weight: 3, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) },
);

/** Random documents; `c.*` and `f.g.h` appear nested or as dotted keys. */
const docArb = fc
  .record({
    a: value,
    b: value,
    cd: value,
    ce: value,
    arr: fc.array(scalar, { maxLength: 4 }),
    n: fc.oneof(fc.constantFrom(...NUMS), fc.constant(undefined)),
    fgh: value,
    dotted: fc.boolean(),
  })
  .map((r) => {
    const d: Record<string, unknown> = { a: r.a, b: r.b, arr: r.arr, n: r.n };
    if (r.dotted) {
      d['c.d'] = r.cd;
      d.c = { e: r.ce };
      d['f.g'] = { h: r.fgh };
    } else {
      d.c = { d: r.cd, e: r.ce };
      d.f = { g: { h: r.fgh } };
    }
    return d;
  });

const q = (s: string): string => JSON.stringify(s);
const lit = fc.oneof(
  fc.constantFrom(...STRS).map(q),
  fc.constantFrom(...NUMS).map(String),
  fc.constantFrom('true', 'false', 'null'),
);
const field = fc.constantFrom(...FIELDS).map((f) => (f === 'missing' ? '?missing' : f));
const pattern = fc.constantFrom('*', '?', 'a*', '*a', '*a*', 'a?', '?*', 'A*', '*.*', '\\*', 'a*b*', 'x.y');
const regex = fc.constantFrom('a.*', '[ab]+', 'a|b', '.?', '\\d+', 'x\\.y', '(a|A)b?', '[^a]*', '.{2}');
const strList = (a: fc.Arbitrary<string>) =>
  fc.array(a, { minLength: 1, maxLength: 3 }).map((xs) => xs.map(q).join(', '));

const leaf = fc.oneof(
  fc
    .tuple(field, fc.constantFrom('==', '!=', '<', '<=', '>', '>='), lit)
    .map(([f, o, v]) => `${f} ${o} ${v}`),
  fc.tuple(field, field).map(([f, g]) => `${f} == ${g}`),
  fc.tuple(field, strList(pattern)).map(([f, p]) => `${f} : (${p})`),
  fc.tuple(field, fc.constantFrom('like', 'like~'), strList(pattern)).map(([f, o, p]) => `${f} ${o} (${p})`),
  fc.tuple(field, fc.constantFrom('regex', 'regex~'), regex).map(([f, o, r]) => `${f} ${o} ${q(r)}`),
  fc
    .tuple(field, fc.constantFrom('in', 'in~', 'not in'), fc.array(lit, { minLength: 1, maxLength: 3 }))
    .map(([f, o, vs]) => `${f} ${o} (${vs.join(', ')})`),
  fc
    .tuple(
      fc.constantFrom('startsWith', 'startsWith~', 'endsWith', 'stringContains~', 'wildcard'),
      field,
      fc.constantFrom(...STRS),
    )
    .map(([fn, f, s]) => `${fn}(${f}, ${q(s)})`),
  fc
    .tuple(fc.constantFrom('length', 'string', 'number'), field, lit)
    .map(([fn, f, v]) => `${fn}(${f}) == ${v}`),
  fc.tuple(field, lit).map(([f, v]) => `add(${f}, 1) > ${v}`),
  fc.tuple(field, fc.constantFrom(...STRS)).map(([f, s]) => `concat(${f}, ${q(s)}) : "*a*"`),
  fc.tuple(field, fc.constantFrom(...STRS)).map(([f, s]) => `indexOf~(${f}, ${q(s)}) >= 0`),
  fc.tuple(field).map(([f]) => `between(${f}, "a", "b") == ""`),
  fc.tuple(field).map(([f]) => `cidrMatch(${f}, "10.0.0.0/8")`),
);

const expr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.tuple(tie('e'), tie('e')).map(([x, y]) => `(${x} and ${y})`),
    fc.tuple(tie('e'), tie('e')).map(([x, y]) => `(${x} or ${y})`),
    tie('e').map((x) => `not ${x}`),
  ),
})).e;

describe('compiled matchers agree with the interpreters', () => {
  it('EQL expressions', () => {
    fc.assert(
      fc.property(expr, fc.array(docArb, { minLength: 1, maxLength: 5 }), (src, docs) => {
        const e = parseEqlExpression(src);
        const p = compilePred(e);
        for (const d of docs) expect(p(d), `${src} on ${JSON.stringify(d)}`).toBe(truthy(evaluate(e, d)));
      }),
      { numRuns: runs(1500) },
    );
  });

  it('EQL sequences', () => {
    const queries = [
      'sequence by a [any where b == "a"] [any where b == "ab"]',
      'sequence by a with maxspan=3s [any where b : "a*"] by c.d [any where n > 0] by c.d until [any where b == "x.y"] by c.d',
      'sequence with maxspan=5s [any where b == "a"] ![any where b == "1"] [any where b like~ "A*"] with runs=2',
      'sequence by ?missing [any where true] with runs=3',
    ];
    const stream = fc.array(fc.tuple(docArb, fc.integer({ min: 0, max: 2000 })), { maxLength: 25 });
    fc.assert(
      fc.property(fc.constantFrom(...queries), stream, (src, evs) => {
        const run = (mode: 'compiled' | 'interpreted') => {
          const m = compileEql(src, mode);
          if (m.kind !== 'sequence') throw new Error();
          const s = new SequenceMatcher(m.plan, { maxKeys: 4 });
          let t = 0;
          const out = evs.flatMap(([d, gap], i) => {
            t += gap;
            return s.push(d, t, i);
          });
          return [...out, ...s.flush()];
        };
        expect(run('compiled')).toEqual(run('interpreted'));
      }),
      { numRuns: runs(500) },
    );
  });

  const kVal = fc.constantFrom(
    'a',
    'A',
    'ab',
    'a*',
    '*b',
    '*',
    '1',
    '100',
    'true',
    '"a b"',
    '"a*"',
    '10.0.0.1',
  );
  const kField = fc.constantFrom('a', 'b', 'c.d', 'c.*', 'missing', 'arr', 'n');
  const kLeaf = fc.oneof(
    fc.tuple(kField, kVal).map(([f, v]) => `${f}:${v}`),
    fc.tuple(kField, kVal, kVal).map(([f, v, w]) => `${f}:(${v} or ${w})`),
    fc.tuple(kField, kVal, kVal).map(([f, v, w]) => `${f}:(${v} and not ${w})`),
    fc
      .tuple(kField, fc.constantFrom('<', '<=', '>', '>='), fc.constantFrom('1', 'a', '2.5', '-1'))
      .map(([f, o, v]) => `${f} ${o} ${v}`),
    kVal,
    fc.tuple(kVal).map(([v]) => `c:{ d:${v} }`),
  );
  const kExpr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
    e: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      kLeaf,
      fc.tuple(tie('e'), tie('e')).map(([x, y]) => `(${x} and ${y})`),
      fc.tuple(tie('e'), tie('e')).map(([x, y]) => `(${x} or ${y})`),
      tie('e').map((x) => `not ${x}`),
    ),
  })).e;

  it('KQL queries', () => {
    fc.assert(
      fc.property(kExpr, fc.array(docArb, { minLength: 1, maxLength: 5 }), (src, docs) => {
        const ast = parseKql(src);
        const p = compileKql(ast);
        for (const d of docs) expect(p(d), `${src} on ${JSON.stringify(d)}`).toBe(interpretKql(ast, d));
      }),
      { numRuns: runs(1500) },
    );
  });

  it('wildcard patterns', () => {
    const alpha = fc.constantFrom('a', 'b', 'A', '*', '?', '\\', '.', 'ä');
    const str = fc.array(alpha, { maxLength: 8 }).map((x) => x.join(''));
    fc.assert(
      fc.property(str, str, fc.boolean(), (p, s, ci) => {
        expect(compileWildcardSet([p], ci)(s), `${p} ~ ${s}`).toBe(wildcardMatch(p, s, ci));
      }),
      { numRuns: runs(5000) },
    );
  });
});

describe('odd input never crashes the parsers', () => {
  const tokens = fc.constantFrom(
    'process',
    'where',
    'sequence',
    'by',
    'with',
    'maxspan=',
    '1s',
    'runs=',
    '2',
    '[',
    ']',
    '![',
    '(',
    ')',
    ',',
    'and',
    'or',
    'not',
    '==',
    '!=',
    ':',
    'like~',
    'regex',
    'in',
    'in~',
    '"a*"',
    '"""x"""',
    '`f.g`',
    '?',
    'a.b',
    'null',
    'true',
    '-',
    '+',
    '/*',
    '*/',
    '//',
    '\n',
    'length(',
    'until',
    '"\\u{41}"',
    '"\\x"',
    "'",
    '|',
    '~',
    '{',
    '}',
    '*',
    '\\',
    'field:',
    'value',
  );
  const src = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.array(tokens, { maxLength: 20 }).map((t) => t.join(' ')),
  );

  it('EQL: parses and compiles, or throws a QueryError', () => {
    fc.assert(
      fc.property(src, (s) => {
        try {
          compileEql(s);
          compileEql(s, 'interpreted');
        } catch (e) {
          expect(e).toBeInstanceOf(QueryError);
        }
      }),
      { numRuns: runs(3000) },
    );
  });

  it('KQL: parses, or throws a KqlError', () => {
    fc.assert(
      fc.property(src, (s) => {
        try {
          const ast = parseKql(s);
          compileKql(ast)({ a: 1 });
          interpretKql(ast, { a: 1 });
        } catch (e) {
          expect(e).toBeInstanceOf(KqlError);
        }
      }),
      { numRuns: runs(3000) },
    );
  });
});

describe('deep nesting is an error, not a stack overflow', () => {
  it('EQL', () => {
    for (const s of [
      `process where ${'('.repeat(5000)}a${')'.repeat(5000)}`,
      `process where ${'not '.repeat(5000)}a`,
      `process where a == ${'-'.repeat(5000)}1`,
    ]) {
      expect(() => compileEql(s)).toThrow(QueryError);
      try {
        compileEql(s);
      } catch (e) {
        expect((e as QueryError).code).toBe('D4C-EQL-016');
      }
    }
    expect(() => compileEql(`process where ${'('.repeat(100)}a == 1${')'.repeat(100)}`)).not.toThrow();
  });
  it('KQL', () => {
    for (const s of [
      `${'('.repeat(5000)}a:1${')'.repeat(5000)}`,
      `${'not '.repeat(5000)}a:1`,
      `a:${'('.repeat(5000)}1`,
    ]) {
      expect(() => parseKql(s)).toThrow(KqlError);
    }
  });
});
