// ES|QL grammar and reference-evaluator tests: every command and function, null and multi-value
// semantics (as Elasticsearch documents them), and error codes with positions.
import { describe, expect, it } from 'vitest';
import { positionIn } from '../eql/errors.js';
import { EsqlError, parseEsql, runPipeline } from './index.js';

const NOW = new Date('2026-01-02T00:00:00Z');
const DOCS = [
  {
    '@timestamp': '2026-01-01T00:10:00.000Z',
    event: { id: 'a', category: ['process'], action: 'exec' },
    process: { name: 'bash', pid: 10, args: ['bash', '-i'], interactive: true },
    orchestrator: { namespace: 'prod' },
    data_stream: { type: 'logs', dataset: 'cloud_defend.process', namespace: 'default' },
  },
  {
    '@timestamp': '2026-01-01T00:50:00.000Z',
    event: { id: 'b', category: ['process'], action: 'exec' },
    process: { name: 'curl', pid: 20, args: ['curl', '-s', 'http://x'], interactive: false },
    orchestrator: { namespace: 'prod' },
    data_stream: { type: 'logs', dataset: 'cloud_defend.process', namespace: 'default' },
  },
  {
    '@timestamp': '2026-01-01T01:20:00.000Z',
    event: { id: 'c', category: ['file'], action: 'creation' },
    process: { name: 'sh', pid: 30, args: ['sh'] },
    file: { path: '/usr/bin/evil' },
    orchestrator: { namespace: 'dev' },
    data_stream: { type: 'logs', dataset: 'cloud_defend.file', namespace: 'default' },
  },
  {
    '@timestamp': '2026-01-01T02:00:00.000Z',
    event: { id: 'm' },
    data_stream: { type: 'metrics', dataset: 'cloud_defend.metrics', namespace: 'default' },
  },
];

const run = (q: string) => runPipeline(parseEsql(q), DOCS, { now: NOW });
const rows = (q: string) => run(q).rows;
const col = (q: string, c: string) => rows(q).map((r) => r[c]);
/** The first value of column `x` after `FROM logs-* | LIMIT 1 | EVAL x = EXPR`. */
const val = (expr: string) => rows(`FROM logs-* | LIMIT 1 | EVAL x = ${expr} | KEEP x`)[0]?.x;

function err(q: string): { code: string; line: number; col: number; message: string } {
  try {
    run(q);
  } catch (e) {
    if (!(e instanceof EsqlError)) throw e;
    return { code: e.code, ...positionIn(q, e.offset), message: e.message };
  }
  throw new Error(`no error for ${q}`);
}

describe('ES|QL commands', () => {
  it('FROM selects data streams by pattern and comma lists', () => {
    expect(col('FROM logs-cloud_defend.process-* | KEEP event.id', 'event.id')).toEqual(['a', 'b']);
    expect(col('FROM logs-cloud_defend.file-*, metrics-* | KEEP event.id', 'event.id')).toEqual(['c', 'm']);
    expect(rows('FROM nothing-* | KEEP event.id')).toEqual([]);
  });
  it('FROM … METADATA _index gives the stream; others read null with a warning', () => {
    const r = run('FROM logs-* METADATA _index, _id | KEEP _index, _id | LIMIT 1');
    expect(r.rows).toEqual([{ _index: 'logs-cloud_defend.process-default', _id: null }]);
    expect(r.warnings[0]?.message).toMatch(/_id/);
  });
  it('without KEEP, columns are every field, sorted', () => {
    const r = run('FROM logs-cloud_defend.file-*');
    expect(r.columns).toEqual([...r.columns].sort());
    expect(r.rows[0]?.['file.path']).toBe('/usr/bin/evil');
    expect(r.rows[0]?.['@timestamp']).toBe('2026-01-01T01:20:00.000Z');
  });
  it('WHERE, EVAL, KEEP with wildcards, DROP, RENAME', () => {
    expect(
      rows(
        'FROM logs-* | WHERE process.pid > 10 AND process.pid < 30 | EVAL p2 = process.pid * 2 | KEEP p2, event.*',
      ),
    ).toEqual([{ p2: 40, 'event.action': 'exec', 'event.category': 'process', 'event.id': 'b' }]);
    expect(run('FROM logs-* | KEEP process.* | DROP process.a*, process.pid').columns).toEqual([
      'process.interactive',
      'process.name',
    ]);
    expect(run('FROM logs-* | KEEP event.id, process.name | RENAME process.name AS n').columns).toEqual([
      'event.id',
      'n',
    ]);
    expect(run('FROM logs-* | KEEP event.id, process.name | RENAME n = process.name').columns).toEqual([
      'event.id',
      'n',
    ]);
  });
  it('EVAL sees earlier assignments of the same EVAL; re-assigning moves the column last', () => {
    expect(
      rows(
        'FROM logs-* | KEEP process.pid, event.id | EVAL a = process.pid + 1, b = a * 10, process.pid = 0 | LIMIT 1',
      ),
    ).toEqual([{ 'event.id': 'a', a: 11, b: 110, 'process.pid': 0 }]);
  });
  it('STATS … BY: aggregates first, then groups; a null group; no BY gives one row even on no input', () => {
    expect(
      rows(
        'FROM * | STATS n = COUNT(*), pids = SUM(process.pid) BY orchestrator.namespace | SORT orchestrator.namespace NULLS LAST',
      ),
    ).toEqual([
      { n: 1, pids: 30, 'orchestrator.namespace': 'dev' },
      { n: 2, pids: 30, 'orchestrator.namespace': 'prod' },
      { n: 1, pids: null, 'orchestrator.namespace': null },
    ]);
    expect(rows('FROM nothing | STATS n = COUNT(*), m = MAX(x)')).toEqual([{ n: 0, m: null }]);
    expect(run('FROM logs-* | STATS COUNT(*)').columns).toEqual(['COUNT(*)']);
  });
  it('STATS by a multi-valued field puts the row in each group', () => {
    expect(rows('FROM logs-* | STATS n = COUNT(*) BY process.args | SORT process.args | LIMIT 3')).toEqual([
      { n: 1, 'process.args': '-i' },
      { n: 1, 'process.args': '-s' },
      { n: 1, 'process.args': 'bash' },
    ]);
  });
  it('aggregates count every value of multi-valued fields', () => {
    expect(
      rows(
        'FROM logs-* | STATS c = COUNT(process.args), d = COUNT_DISTINCT(process.args), lo = MIN(process.args), hi = MAX(process.args)',
      ),
    ).toEqual([{ c: 6, d: 6, lo: '-i', hi: 'sh' }]);
    expect(
      rows(
        'FROM logs-* | STATS v = VALUES(orchestrator.namespace), a = AVG(process.pid), f = MIN(@timestamp)',
      ),
    ).toEqual([{ v: ['dev', 'prod'], a: 20, f: '2026-01-01T00:10:00.000Z' }]);
  });
  it('SORT: ASC nulls last, DESC nulls first, explicit NULLS, multi-values by min/max, stable', () => {
    expect(col('FROM * | SORT process.pid | KEEP event.id', 'event.id')).toEqual(['a', 'b', 'c', 'm']);
    expect(col('FROM * | SORT process.pid DESC | KEEP event.id', 'event.id')).toEqual(['m', 'c', 'b', 'a']);
    expect(col('FROM * | SORT process.pid ASC NULLS FIRST | KEEP event.id', 'event.id')).toEqual([
      'm',
      'a',
      'b',
      'c',
    ]);
    expect(col('FROM * | SORT process.pid DESC NULLS LAST | KEEP event.id', 'event.id')).toEqual([
      'c',
      'b',
      'a',
      'm',
    ]);
    // args min: '-i' (a), '-s' (b), 'sh' (c); max: 'bash', 'http://x', 'sh'
    expect(col('FROM logs-* | SORT process.args | KEEP event.id', 'event.id')).toEqual(['a', 'b', 'c']);
    expect(col('FROM logs-* | SORT process.args DESC | KEEP event.id', 'event.id')).toEqual(['c', 'b', 'a']);
    expect(col('FROM logs-* | SORT orchestrator.namespace | KEEP event.id', 'event.id')).toEqual([
      'c',
      'a',
      'b',
    ]);
  });
  it('LIMIT, and the default limit when the query has none', () => {
    expect(rows('FROM * | LIMIT 2')).toHaveLength(2);
    expect(rows('FROM * | LIMIT 0')).toHaveLength(0);
    expect(runPipeline(parseEsql('FROM *'), DOCS, { defaultLimit: 3 }).rows).toHaveLength(3);
    expect(runPipeline(parseEsql('FROM * | LIMIT 4'), DOCS, { defaultLimit: 3 }).rows).toHaveLength(4);
  });
  it('MV_EXPAND gives one row per value; null stays one row', () => {
    expect(col('FROM logs-* | MV_EXPAND process.args | KEEP process.args', 'process.args')).toEqual([
      'bash',
      '-i',
      'curl',
      '-s',
      'http://x',
      'sh',
    ]);
    expect(rows('FROM metrics-* | MV_EXPAND process.args | KEEP event.id')).toEqual([{ 'event.id': 'm' }]);
  });
});

describe('ES|QL expressions', () => {
  it('arithmetic: integer division truncates, doubles do not; division by zero is null with a warning', () => {
    expect(val('7 / 2')).toBe(3);
    expect(val('-7 / 2')).toBe(-3);
    expect(val('7 / 2.0')).toBe(3.5);
    expect(val('7 % 3 + 2 * 3 - 1')).toBe(6);
    const r = run('FROM logs-* | LIMIT 1 | EVAL x = 1 / 0 | KEEP x');
    expect(r.rows).toEqual([{ x: null }]);
    expect(r.warnings[0]).toEqual({ offset: 35, message: 'division by zero' });
  });
  it('three-valued logic and null propagation', () => {
    expect(val('null AND false')).toBe(false);
    expect(val('null AND true')).toBe(null);
    expect(val('null OR true')).toBe(true);
    expect(val('NOT null')).toBe(null);
    expect(val('null == null')).toBe(null);
    expect(val('1 + null')).toBe(null);
    expect(val('null IS NULL')).toBe(true);
    expect(val('1 IS NOT NULL')).toBe(true);
    expect(col('FROM * | WHERE process.interactive != true | KEEP event.id', 'event.id')).toEqual(['b']);
  });
  it('IN: true on a match, null when no match and a null in the list', () => {
    expect(val('2 IN (1, 2)')).toBe(true);
    expect(val('3 IN (1, 2)')).toBe(false);
    expect(val('3 IN (1, null)')).toBe(null);
    expect(val('3 NOT IN (1, 2)')).toBe(true);
    expect(col('FROM logs-* | WHERE process.name IN ("sh", "curl") | KEEP event.id', 'event.id')).toEqual([
      'b',
      'c',
    ]);
  });
  it('LIKE (* and ?, \\ escapes) and RLIKE (full-string Lucene regex)', () => {
    expect(val('"bash" LIKE "b*"')).toBe(true);
    expect(val('"bash" LIKE "b?sh"')).toBe(true);
    expect(val('"bash" LIKE "as"')).toBe(false);
    expect(val('"a*b" LIKE """a\\*b"""')).toBe(true);
    expect(val('"axb" LIKE """a\\*b"""')).toBe(false);
    expect(val('"bash" NOT LIKE "z*"')).toBe(true);
    expect(val('"bash" RLIKE "ba.h"')).toBe(true);
    expect(val('"bash" RLIKE "as"')).toBe(false);
    expect(val('"bash" NOT RLIKE "b[a-z]+"')).toBe(false);
    expect(val('null LIKE "*"')).toBe(null);
  });
  it('comparisons on multi-values are null with a warning (the row is dropped)', () => {
    const r = run('FROM logs-* | WHERE process.args == "sh" | KEEP event.id');
    expect(r.rows).toEqual([{ 'event.id': 'c' }]); // single-valued ["sh"] compares; the others are null
    expect(r.warnings[0]?.message).toBe('single-value function encountered multi-value');
    expect(positionIn('FROM logs-* | WHERE process.args == "sh"', r.warnings[0]?.offset ?? 0)).toEqual({
      line: 1,
      col: 21,
    });
  });
  it('strings: escapes, triple quotes; backtick identifiers; dates against strings', () => {
    expect(val('"a\\tb\\"c\\\\"')).toBe('a\tb"c\\');
    expect(val('"""raw \\n "quoted" """')).toBe('raw \\n "quoted" ');
    expect(rows('FROM logs-* | EVAL `my col` = 1 | KEEP `my col` | LIMIT 1')).toEqual([{ 'my col': 1 }]);
    expect(col('FROM * | WHERE @timestamp >= "2026-01-01T01:00:00Z" | KEEP event.id', 'event.id')).toEqual([
      'c',
      'm',
    ]);
    expect(val('@timestamp + 1 hour')).toBe('2026-01-01T01:10:00.000Z');
    expect(val('@timestamp - 10 minutes')).toBe('2026-01-01T00:00:00.000Z');
    expect(val('@timestamp + 1 month')).toBe('2026-02-01T00:10:00.000Z');
  });
  it('comments are ignored', () => {
    expect(rows('FROM logs-* // all logs\n| /* one */ LIMIT 1 | KEEP event.id')).toEqual([
      { 'event.id': 'a' },
    ]);
  });
});

describe('ES|QL functions', () => {
  const cases: [string, unknown][] = [
    ['CASE(false, 1, true, 2, 3)', 2],
    ['CASE(false, 1, null, 2, 3)', 3],
    ['CASE(false, 1)', null],
    ['COALESCE(null, null, "x")', 'x'],
    ['COALESCE(null)', null],
    ['TO_LOWER("BaSh")', 'bash'],
    ['TO_UPPER("bash")', 'BASH'],
    ['TO_STRING(12)', '12'],
    ['TO_STRING(true)', 'true'],
    ['TO_STRING(@timestamp)', '2026-01-01T00:10:00.000Z'],
    ['TO_STRING(process.args)', ['bash', '-i']],
    ['REPLACE("a.b.c", "\\\\.", "/")', 'a/b/c'],
    ['STARTS_WITH("/usr/bin", "/usr")', true],
    ['ENDS_WITH("/usr/bin", "bin")', true],
    ['ENDS_WITH(null, "bin")', null],
    ['LENGTH("héllo")', 5],
    ['SUBSTRING("kubectl", 1, 4)', 'kube'],
    ['SUBSTRING("kubectl", 5)', 'ctl'],
    ['SUBSTRING("kubectl", -3)', 'ctl'],
    ['CONCAT("a", "b", "c")', 'abc'],
    ['CONCAT("a", null)', null],
    ['DATE_TRUNC(1 hour, @timestamp)', '2026-01-01T00:00:00.000Z'],
    ['DATE_TRUNC(15 minutes, @timestamp)', '2026-01-01T00:00:00.000Z'],
    ['DATE_TRUNC(1 year, @timestamp)', '2026-01-01T00:00:00.000Z'],
    ['DATE_DIFF("minutes", @timestamp, NOW())', 1430],
    ['DATE_DIFF("hours", @timestamp, NOW())', 23],
    ['DATE_DIFF("month", "2026-01-31T00:00:00Z", NOW())', null], // strings are not dates
    ['NOW()', '2026-01-02T00:00:00.000Z'],
    ['MV_COUNT(process.args)', 2],
    ['MV_COUNT(null)', null],
    ['MV_FIRST(process.args)', 'bash'],
    ['MV_LAST(process.args)', '-i'],
    ['MV_CONCAT(process.args, " ")', 'bash -i'],
    ['MV_DEDUPE(MV_CONCAT(process.args, ","))', 'bash,-i'],
    ['MV_MIN(process.args)', '-i'],
    ['MV_MAX(process.args)', 'bash'],
    ['MV_MIN(process.pid)', 10],
    ['TO_UPPER(process.args)', null], // single-valued function on a multi-value: null (+ warning)
    ['LENGTH(process.args)', null],
    ['STARTS_WITH(process.args, "b")', null],
  ];
  for (const [expr, want] of cases) it(expr, () => expect(val(expr)).toEqual(want));

  it('MV_DEDUPE keeps first occurrences', () => {
    const r = runPipeline(parseEsql('FROM * | EVAL d = MV_DEDUPE(x) | KEEP d'), [
      { x: ['a', 'b', 'a'] },
      { x: ['c', 'c'] },
    ]);
    expect(r.rows).toEqual([{ d: ['a', 'b'] }, { d: 'c' }]);
  });
  it('a single-valued function on a multi-value warns once per position', () => {
    const r = run('FROM logs-* | EVAL x = TO_UPPER(process.args) | KEEP x');
    expect(r.warnings).toHaveLength(1);
  });
});

describe('ES|QL errors: stable codes, line and column', () => {
  const cases: [string, string, number, number][] = [
    ['FROM logs-* | WHERE a == "x', 'D4C-ESQL-002', 1, 26],
    ['FROM logs-* | WHERE a == "\\q"', 'D4C-ESQL-003', 1, 27],
    ['FROM logs-* | WHERE a ==', 'D4C-ESQL-004', 1, 25],
    ['FROM logs-*\n| WHERE a = 1', 'D4C-ESQL-004', 2, 11],
    ['FROM logs-* | WHERE LEVENSHTEIN(a, b) < 2', 'D4C-ESQL-005', 1, 21],
    ['FROM logs-* | EVAL x = TO_LOWER(a, b)', 'D4C-ESQL-006', 1, 24],
    ['FROM logs-* | WHERE a RLIKE "("', 'D4C-ESQL-007', 1, 29],
    ['FROM logs-* | EVAL x = @timestamp + 5 fortnights', 'D4C-ESQL-008', 1, 39],
    ['FROM logs-* | DISSECT msg "%{a}"', 'D4C-ESQL-009', 1, 15],
    ['ROW a = 1', 'D4C-ESQL-009', 1, 1],
    ['FROM logs-* | KEEP a | WHERE b > 1', 'D4C-ESQL-010', 1, 30],
    ['FROM logs-* | STATS n = COUNT(*) BY h | SORT x', 'D4C-ESQL-010', 1, 46],
    ['FROM logs-* | LIMIT -1', 'D4C-ESQL-012', 1, 21],
    ['FROM logs-* | LIMIT 1.5', 'D4C-ESQL-012', 1, 21],
    ['FROM logs-* | STATS n = TO_LOWER(a)', 'D4C-ESQL-013', 1, 25],
    ['FROM logs-* | WHERE COUNT(*) > 1', 'D4C-ESQL-013', 1, 21],
    ['FROM logs-* /* never closed', 'D4C-ESQL-014', 1, 13],
    ['FROM logs-* | EVAL x = 5minutes', 'D4C-ESQL-015', 1, 24],
    ['FROM logs-* | EVAL x = DATE_TRUNC("hour", @timestamp)', 'D4C-ESQL-011', 1, 35],
    ['FROM logs-* | WHERE a == #', 'D4C-ESQL-001', 1, 26],
    ['FROM | LIMIT 1', 'D4C-ESQL-004', 1, 6],
    ['FROM logs-* | EVAL x = [1, 2]', 'D4C-ESQL-009', 1, 24],
  ];
  for (const [q, code, line, c] of cases) {
    it(`${code} at ${line}:${c}: ${q.replace('\n', '\\n')}`, () => {
      expect(err(q)).toMatchObject({ code, line, col: c });
    });
  }
  it('deep nesting is an error, not a stack overflow', () => {
    expect(err(`FROM a | WHERE ${'('.repeat(5000)}1${')'.repeat(5000)} == 1`).code).toBe('D4C-ESQL-016');
    expect(err(`FROM a | WHERE ${'NOT '.repeat(5000)}true`).code).toBe('D4C-ESQL-016');
  });
  it('never throws anything but EsqlError on odd input', () => {
    for (const q of [
      '',
      '|',
      'FROM',
      'FROM a |',
      'FROM a | STATS',
      'FROM a | SORT',
      'FROM a | KEEP',
      'FROM a | RENAME x',
      'FROM a | EVAL',
      '"',
      '`x',
      'FROM a | WHERE ```',
      'FROM a | EVAL x = """',
    ]) {
      expect(() => run(q), q).toThrow(EsqlError);
    }
  });
});
