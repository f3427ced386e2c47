// Fuzz of every query front end (KQL, EQL, ES|QL, rule TOML), seeded and bounded: token soup,
// mutations of real queries and deep or long constructs never make a parser, an evaluator or
// the store's SQL throw anything but a typed, positioned error with a stable code.
// The fixed cases fuzzing found are in regressions.test.ts. (Policy YAML: src/policy/fuzz.test.ts.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  compileEql,
  compileKql,
  EsqlError,
  KqlError,
  loadRuleText,
  parseEsql,
  parseKql,
  QueryError,
  runPipeline,
} from '../../src/rules/index.js';
import { EventStore, runOnStore } from '../../src/store/index.js';
import { D4cError } from '../../src/util/index.js';

const SEED = 22;
const RUNS = 300;

const DOCS: unknown[] = [
  {},
  { '@timestamp': '2026-01-01T00:00:00.000Z', event: { category: ['process'], action: 'exec' } },
  {
    '@timestamp': '2026-01-01T00:00:01.000Z',
    event: { category: 'file', id: 'x' },
    process: { name: 'sh', pid: 7, args: ['sh', '-c', 'curl |||'], 'parent.name': 'bash' },
    file: { path: '/etc/passwd' },
    n: 9007199254740992,
    a: [1, null, { b: 2 }],
  },
];

/** The error a front end may throw: typed, with a code of its language and an offset in the text. */
function typed(e: unknown, text: string, prefix: string): void {
  if (!(e instanceof EsqlError || e instanceof QueryError || e instanceof KqlError)) throw e;
  expect(e.code).toMatch(new RegExp(`^D4C-${prefix}-\\d{3}$`));
  expect(e.offset).toBeGreaterThanOrEqual(0);
  expect(e.offset).toBeLessThanOrEqual(text.length);
}

/** Text built from a language's tokens, with random separators and, sometimes, raw characters. */
function soup(tokens: readonly string[], maxLength = 30): fc.Arbitrary<string> {
  const piece = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...tokens) },
    { weight: 1, arbitrary: fc.string({ maxLength: 3 }) },
    { weight: 1, arbitrary: fc.integer().map(String) },
  );
  return fc
    .array(fc.tuple(piece, fc.constantFrom(' ', '', ' ', '\n', '\t')), { maxLength })
    .map((ps) => ps.map(([p, s]) => p + s).join(''));
}

/** A real query with a slice cut out, another pasted in, or a character changed. */
function mutated(seeds: readonly string[]): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom(...seeds), fc.nat(), fc.nat(), fc.string({ maxLength: 4 }))
    .map(([s, i, j, ins]) => {
      const a = i % (s.length + 1);
      const b = a + (j % 6);
      return s.slice(0, a) + ins + s.slice(b);
    });
}

/** Deep or long constructs: nesting, chains, repetition (the shapes that crashed before). */
function deep(unit: fc.Arbitrary<[string, string, string]>): fc.Arbitrary<string> {
  return fc
    .tuple(unit, fc.integer({ min: 1, max: 3000 }))
    .map(([[open, mid, close], n]) => open.repeat(n) + mid + close.repeat(n));
}

const KQL_TOKENS = [
  'process.name',
  'a.b',
  ':',
  '<',
  '<=',
  '>',
  '>=',
  '(',
  ')',
  '{',
  '}',
  '"',
  '\\',
  '*',
  'and',
  'or',
  'not',
  'sh',
  '"x y"',
  '1',
  '-1.5',
  'a.*',
];
const KQL_SEEDS = [
  'process.name : "sh" and not event.action : (exec or fork)',
  'event.category : file and file.path : /etc/* and process.args : *curl*',
  'a : { b : 1 or c : 2 } or n >= 10',
  'process.parent.name : (bash or "dash") and not user.id : 0',
];

const EQL_TOKENS = [
  'process',
  'file',
  'any',
  'where',
  'sequence',
  'by',
  'with',
  'maxspan=5s',
  '[',
  ']',
  'and',
  'or',
  'not',
  '==',
  '!=',
  ':',
  'like~',
  'regex',
  'in',
  '(',
  ')',
  ',',
  '+',
  '-',
  '*',
  '/',
  '%',
  'process.name',
  '`a b`',
  '"sh"',
  '"(a+)+$"',
  '1',
  '2.5',
  'true',
  'null',
  'length',
  'startsWith~',
  'cidrMatch',
  '?x',
];
const EQL_SEEDS = [
  'process where process.name == "sh" and process.args : "*curl*"',
  'file where file.path like~ "/etc/*" and not process.name in ("a", "b")',
  'sequence by process.pid with maxspan=1m [process where true] [file where file.path regex ".*x"]',
  'any where length(process.name) + 1 * 2 > 3 or startsWith~(file.path, "/tmp")',
];

const ESQL_TOKENS = [
  'FROM',
  'logs-*',
  '|',
  'WHERE',
  'EVAL',
  'STATS',
  'BY',
  'KEEP',
  'DROP',
  'SORT',
  'LIMIT',
  'RENAME',
  'AS',
  'MV_EXPAND',
  'DESC',
  'NULLS',
  'FIRST',
  '=',
  '==',
  '!=',
  '<',
  '+',
  '-',
  '*',
  '/',
  '%',
  '(',
  ')',
  ',',
  'AND',
  'OR',
  'NOT',
  'IS',
  'NULL',
  'LIKE',
  'RLIKE',
  'IN',
  'process.name',
  '@timestamp',
  '`a.b`',
  '"sh"',
  '"("',
  '1',
  '9223372036854775807',
  '2.5',
  '1 hour',
  '3000000000 months',
  'COUNT(*)',
  'COUNT',
  'REPLACE',
  'CASE',
  'DATE_TRUNC',
  'DATE_DIFF',
  'NOW()',
  'MV_CONCAT',
  'SUBSTRING',
  'TO_STRING',
];
const ESQL_SEEDS = [
  'FROM logs-cloud_defend.* | WHERE process.name == "sh" | STATS c = COUNT(*) BY host.name | SORT c DESC | LIMIT 5',
  'FROM logs-* | EVAL x = REPLACE(process.name, "s(h)", "$1") | KEEP x, @timestamp',
  'FROM logs-* | EVAL t = DATE_TRUNC(1 hour, @timestamp) + 2 days | STATS n = COUNT_DISTINCT(process.pid) BY t',
  'FROM logs-* | WHERE process.args RLIKE ".*curl.*" AND NOT file.path LIKE "/etc/*" | MV_EXPAND process.args',
  'FROM logs-* | EVAL n = CASE(process.pid > 1, process.pid * 2, 0) | WHERE n IS NOT NULL | LIMIT 3',
];

describe('KQL', () => {
  const check = (text: string) => {
    let node: ReturnType<typeof parseKql>;
    try {
      node = parseKql(text);
    } catch (e) {
      typed(e, text, 'KQL');
      return;
    }
    const test = compileKql(node);
    for (const d of DOCS) expect(typeof test(d)).toBe('boolean');
  };
  const arb = fc.oneof(
    soup(KQL_TOKENS),
    mutated(KQL_SEEDS),
    deep(
      fc.constantFrom<[string, string, string]>(['(', 'a:1', ')'], ['not ', 'a:1', ''], ['a:{', 'b:1', '}']),
    ),
    fc.integer({ min: 1, max: 3000 }).map((n) => Array(n).fill('a : 1').join(' or ')),
  );
  it('parses or fails with a positioned D4C-KQL error; matching never throws', () => {
    fc.assert(fc.property(arb, check), { seed: SEED, numRuns: RUNS });
  });
});

describe('EQL', () => {
  const check = (text: string) => {
    let m: ReturnType<typeof compileEql>;
    try {
      m = compileEql(text);
    } catch (e) {
      typed(e, text, 'EQL');
      return;
    }
    if (m.kind === 'event') for (const d of DOCS) expect(typeof m.test(d)).toBe('boolean');
  };
  const arb = fc.oneof(
    soup(EQL_TOKENS),
    mutated(EQL_SEEDS),
    deep(
      fc.constantFrom<[string, string, string]>(
        ['any where (', 'true', ')'],
        ['any where not ', 'true', ''],
        ['any where a == -', '1', ''],
        ['any where length(', 'a', ')'],
      ),
    ),
    fc
      .tuple(fc.constantFrom(' + ', ' * ', ' and ', ' or '), fc.integer({ min: 1, max: 12_000 }))
      .map(([op, n]) => `any where a == 1${op.repeat(1).concat('1').repeat(n)}`),
  );
  it('compiles or fails with a positioned D4C-EQL error; matching never throws', () => {
    fc.assert(fc.property(arb, check), { seed: SEED, numRuns: RUNS });
  });
});

describe('ES|QL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'd4c-fuzz-esql-'));
  let store: EventStore;
  beforeAll(async () => {
    store = await EventStore.open({ dir });
    for (const d of DOCS.slice(1))
      store.write(d as Record<string, unknown>, 'logs-cloud_defend.process-default');
    await store.flush();
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const parsed = (text: string) => {
    try {
      return parseEsql(text);
    } catch (e) {
      typed(e, text, 'ESQL');
      return undefined;
    }
  };
  const arb = fc.oneof(
    soup(ESQL_TOKENS).map((s) => `FROM logs-* | ${s}`),
    mutated(ESQL_SEEDS),
    deep(
      fc.constantFrom<[string, string, string]>(
        ['FROM logs-* | EVAL x = (', '1', ')'],
        ['FROM logs-* | WHERE NOT ', 'true', ''],
        ['FROM logs-* | EVAL x = -', '1', ''],
        ['FROM logs-* | EVAL x = TO_STRING(', 'a', ')'],
      ),
    ),
    fc
      .tuple(
        fc.constantFrom(' + 1', ' * 1', ' AND true', ' OR true', ', y = 1'),
        fc.integer({ min: 1, max: 4000 }),
      )
      .map(([link, n]) => `FROM logs-* | EVAL x = 1${link.repeat(n)}`),
  );
  const now = new Date('2026-01-01T00:00:00Z');

  it('parses or fails with a positioned D4C-ESQL error; evaluation in memory never throws', () => {
    fc.assert(
      fc.property(arb, (text) => {
        const p = parsed(text);
        if (!p) return;
        try {
          runPipeline(p, DOCS, { now });
        } catch (e) {
          typed(e, text, 'ESQL');
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('over the store (SQL or its fallback), every failure is a typed error', async () => {
    await fc.assert(
      fc.asyncProperty(arb, async (text) => {
        const p = parsed(text);
        if (!p) return;
        try {
          await runOnStore(store, p, { now });
        } catch (e) {
          if (e instanceof D4cError) return;
          typed(e, text, 'ESQL');
        }
      }),
      { seed: SEED, numRuns: 150 },
    );
  });
});

describe('rule files (TOML)', () => {
  const seed = `[metadata]\ncreation_date = "2026/01/01"\n\n[rule]\nrule_id = "r1"\nname = "n"\ntype = "eql"\nlanguage = "eql"\nquery = '''\nprocess where process.name == "sh"\n'''\n`;
  it('every diagnostic has a stable code and a position inside the text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          mutated([seed]),
          soup(['[rule]', 'query', '=', '"', "'''", 'type', 'eql', 'esql', 'kuery', '\n']),
        ),
        (text) => {
          const r = loadRuleText('r.toml', text);
          const lines = text.split('\n').length;
          for (const d of r.diagnostics) {
            expect(d.code).toMatch(/^D4C-(RULE|EQL|KQL|ESQL)-\d{3}$/);
            expect(d.pos.line).toBeGreaterThanOrEqual(1);
            expect(d.pos.line).toBeLessThanOrEqual(lines + 1);
            expect(d.pos.col).toBeGreaterThanOrEqual(1);
          }
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
