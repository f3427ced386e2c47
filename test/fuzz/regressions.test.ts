// The crashes and blow-ups fuzzing found (issue 22, finding 8), kept as fixed cases: each is a
// positioned error with a stable code (exit 1 from the command line), in bounded time and memory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runQuery } from '../../src/query/index.js';
import {
  compileEql,
  compileGetter,
  EsqlError,
  KqlError,
  parseEsql,
  parseKql,
  QueryError,
  resolveField,
  runPipeline,
} from '../../src/rules/index.js';
import { EventStore } from '../../src/store/index.js';
import { boundedLines, D4cError, LineTooLongError } from '../../src/util/index.js';
import { runCli } from '../cli.js';

const chain = (n: number, op = '+') => `1${` ${op} 1`.repeat(n)}`;
const longField = `${'a.'.repeat(5000)}b`;

function codeOf(f: () => unknown): { code: string; offset: number } {
  try {
    f();
  } catch (e) {
    if (e instanceof EsqlError || e instanceof QueryError || e instanceof KqlError)
      return { code: e.code, offset: e.offset };
    throw e;
  }
  throw new Error('no error');
}

describe('flat chains count toward the depth limit', () => {
  it('ES|QL `1 + 1 + …` ×4000 and long AND/OR chains are D4C-ESQL-016', () => {
    for (const op of ['+', '*', 'and', 'or']) {
      const text = `FROM logs-* | EVAL x = ${chain(4000, op)}`;
      const e = codeOf(() => parseEsql(text));
      expect(e.code).toBe('D4C-ESQL-016');
      expect(e.offset).toBeGreaterThan(0);
    }
    const neg = `FROM logs-* | EVAL x = ${'-'.repeat(4000)}1`;
    expect(codeOf(() => parseEsql(neg)).code).toBe('D4C-ESQL-016');
  });

  it('EQL `1 + 1 + …` ×10000 is D4C-EQL-016', () => {
    for (const n of [4000, 10_000]) {
      const e = codeOf(() => compileEql(`process where a == ${chain(n)}`));
      expect(e.code).toBe('D4C-EQL-016');
    }
    expect(codeOf(() => compileEql(`process where a == ${chain(5000, '*')}`)).code).toBe('D4C-EQL-016');
  });

  it('chains a real query writes still parse and evaluate', () => {
    const p = parseEsql(`FROM logs-* | EVAL x = ${chain(150)}`);
    expect(runPipeline(p, [{}]).rows).toEqual([{ x: 151 }]);
    expect(compileEql(`any where a == ${chain(150)}`).kind).toBe('event');
  });
});

describe('ES|QL REPLACE', () => {
  it('an invalid literal regex is a positioned D4C-ESQL-007', () => {
    const text = 'FROM logs-* | EVAL x = REPLACE(process.name, "(", "y")';
    const e = codeOf(() => parseEsql(text));
    expect(e.code).toBe('D4C-ESQL-007');
    expect(e.offset).toBe(text.indexOf('"("'));
  });

  it('a computed invalid regex is null, not a crash', () => {
    const p = parseEsql('FROM logs-* | EVAL x = REPLACE(a, b, "y") | KEEP x');
    expect(
      runPipeline(p, [
        { a: 'abc', b: '(' },
        { a: 'abc', b: 'b' },
      ]).rows,
    ).toEqual([{ x: null }, { x: 'ayc' }]);
  });

  it('matches in linear time (RE2): a backtracking pattern over a long argument', () => {
    const p = parseEsql('FROM logs-* | EVAL x = REPLACE(a, "(a+)+$", "y") | KEEP x');
    const a = `${'a'.repeat(5000)}!`;
    expect(runPipeline(p, [{ a }]).rows).toEqual([{ x: `${'a'.repeat(5000)}!`.replace(/a+$/, '') }]);
  });
});

describe('field names of thousands of segments', () => {
  it('are refused by every front end with a position', () => {
    expect(codeOf(() => parseKql(`${longField} : 1`))).toEqual({ code: 'D4C-KQL-007', offset: 0 });
    expect(codeOf(() => compileEql(`any where ${longField} == 1`))).toEqual({
      code: 'D4C-EQL-017',
      offset: 10,
    });
    expect(codeOf(() => compileEql(`any where \`${longField}\` == 1`)).code).toBe('D4C-EQL-017');
    expect(codeOf(() => parseEsql(`FROM logs-* | WHERE ${longField} == 1`))).toEqual({
      code: 'D4C-ESQL-017',
      offset: 20,
    });
    expect(codeOf(() => parseEsql(`FROM logs-* | WHERE \`${longField}\` == 1`)).code).toBe('D4C-ESQL-017');
  });

  it('64 segments are accepted; a getter for a longer name (from elsewhere) is not cubic', () => {
    const ok = Array.from({ length: 64 }, (_, i) => `s${i}`).join('.');
    expect(() => parseKql(`${ok} : 1`)).not.toThrow();
    const doc = { a: { 'a.a': { b: 7 } } };
    const g = compileGetter(longField);
    expect(g(doc)).toBeUndefined();
    expect(compileGetter('a.a.a.b')(doc)).toBe(7);
    expect(resolveField(doc, 'a.a.a.b')).toBe(7);
  });
});

describe('DuckDB errors over the store are positioned query errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'd4c-fuzz-store-'));
  let store: EventStore;
  beforeAll(async () => {
    store = await EventStore.open({ dir });
    for (let i = 0; i < 3; i++)
      store.write(
        {
          '@timestamp': new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
          event: { id: `e${i}`, category: ['process'] },
          process: { name: 'sh', pid: i },
        },
        'logs-cloud_defend.process-default',
      );
    await store.flush();
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = async (text: string) => {
    try {
      await runQuery({ lang: 'esql', text, store }, { emit: () => {}, warn: () => {} });
    } catch (e) {
      if (e instanceof D4cError) return e;
      throw e;
    }
    throw new Error('no error');
  };

  it.each([
    ['int64 overflow', 'FROM logs-* | EVAL x = 9223372036854775807 + 1 | KEEP x'],
    ['an interval out of range', 'FROM logs-* | EVAL x = NOW() + 9999999999 days | KEEP x'],
    ['an INT32 interval cast', 'FROM logs-* | EVAL x = @timestamp + 3000000000 months | KEEP x'],
  ])('%s: D4C-ESQL-018 at the query', async (_, text) => {
    const e = await run(text);
    expect(e.code).toBe('D4C-ESQL-018');
    expect(e.file).toBe('<query>');
    expect(e.pos).toEqual({ line: 1, col: 1 });
    expect(e.message).toMatch(/^the store could not evaluate the query: /);
  });

  it('3,000 BY columns: refused while parsing (D4C-ESQL-019), not gigabytes in DuckDB', async () => {
    const by = Array.from({ length: 3000 }, (_, i) => `c${i} = event.id`).join(', ');
    const e = await run(`FROM logs-* | STATS n = COUNT(*) BY ${by}`);
    expect(e.code).toBe('D4C-ESQL-019');
    expect(e.pos?.line).toBe(1);
    expect(e.pos?.col).toBeGreaterThan(1);
    const cmds = ' | WHERE true'.repeat(200);
    expect((await run(`FROM logs-*${cmds}`)).code).toBe('D4C-ESQL-019');
  });
});

describe('non-regular inputs are size-bounded', () => {
  it('policy validate /dev/zero: exit 1, a clear error, no JS stack', () => {
    const r = runCli(['policy', 'validate', '/dev/zero']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('/dev/zero: error: policy file is too large: more than 1048576 bytes');
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('rules list --rules /dev/zero: a bounded unreadable-file diagnostic', () => {
    const r = runCli(['rules', 'list', '--rules', '/dev/zero']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('/dev/zero:1:1: error: cannot read: more than 4194304 bytes');
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('NDJSON without newlines (/dev/zero) is a positioned error, not an out-of-memory crash', () => {
    const q = runCli(['query', '--events', '/dev/zero', '--kql', 'a:1']);
    expect(q.code).toBe(1);
    expect(q.err).toBe('/dev/zero:1:1: error: line 1 is longer than 16777216 bytes\n');
    const r = runCli(['rules', 'test', '--rules', 'rules/', '--events', '/dev/zero']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('/dev/zero:1:1: error: line 1 is longer than 16777216 bytes');
  });

  it('boundedLines: LF, CRLF, a last line without newline, a line past the bound', async () => {
    const chunks = async function* (parts: string[]) {
      for (const p of parts) yield Buffer.from(p);
    };
    const all = async (parts: string[], limit?: number) => {
      const out: string[] = [];
      for await (const l of boundedLines(chunks(parts), limit)) out.push(l);
      return out;
    };
    expect(await all(['a\r\nb', 'c\n\nd'])).toEqual(['a', 'bc', '', 'd']);
    expect(await all(['12345\n123', '456\n'], 6)).toEqual(['12345', '123456']);
    await expect(all(['12345\n123', '4567\n'], 6)).rejects.toThrow(new LineTooLongError(2, 6));
    await expect(all(['1234567'], 6)).rejects.toThrow(new LineTooLongError(1, 6));
  });

  it('d4c query: a 4000-long chain is exit 1 with file:line:col', () => {
    const r = runCli(['query', '--events', '-', '--esql', `FROM logs-* | EVAL x = ${chain(4000)}`], '{}\n');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^<query>:1:\d+: error: expression nested or chained more than 200 levels deep/);
  });
});
