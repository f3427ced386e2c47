// Random typed expressions: the SQL translation and the reference evaluator agree on every
// document (WHERE keeps the same rows; EVAL computes the same values), nulls and multi-values
// included. Expressions that do not translate must fall back and still agree.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEsql, runPipeline } from '../rules/index.js';
import { runs } from '../util/runs.fixture.js';
import { runOnStore } from './esql.js';
import { EventStore } from './index.js';
import { sampleDocs } from './sample-docs.fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'd4c-esql-prop-'));
let store: EventStore;
const samples = sampleDocs(120, { seed: 3, stepMs: 47_000, containers: 5 });
samples.push(
  ...[['process', 'file'], [], ['file']].map((category, i) => ({
    stream: 'logs-cloud_defend.file-default',
    doc: {
      '@timestamp': new Date(Date.UTC(2026, 0, 1, 3, i)).toISOString(),
      event: { id: `odd-${i}`, category, action: i === 1 ? undefined : 'creation' },
      process: i === 2 ? {} : { name: i === 0 ? 'Bash' : '', pid: -5 - i, interactive: i === 0 },
      data_stream: { type: 'logs', dataset: 'cloud_defend.file', namespace: 'default' },
    },
  })),
);
const docs = samples.map((s) => s.doc);
const NOW = new Date('2026-01-02T00:00:00Z');

beforeAll(async () => {
  store = await EventStore.open({ dir });
  for (const s of samples) store.write(s.doc, s.stream);
  await store.flush();
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const q = (s: string) => JSON.stringify(s);
const { bool, int, str } = fc.letrec<{ bool: string; int: string; str: string }>((t) => ({
  int: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('process.pid', 'process.pid', '0', '3', '-7', 'null'),
    fc.integer({ min: -50, max: 50 }).map(String),
    fc
      .tuple(t('int'), fc.constantFrom('+', '-', '*', '/', '%'), t('int'))
      .map(([a, o, b]) => `(${a} ${o} ${b})`),
    t('str').map((s) => `LENGTH(${s})`),
    fc.tuple(t('bool'), t('int'), t('int')).map(([c, a, b]) => `CASE(${c}, ${a}, ${b})`),
    fc.constant('DATE_DIFF("minutes", @timestamp, NOW())'),
    fc.constant('MV_COUNT(process.name)'),
  ),
  str: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(
      'process.name',
      'orchestrator.namespace',
      'event.category',
      'event.action',
      'container.image.name',
    ),
    fc.constantFrom('"bash"', '"prod"', '"file"', '""', 'null', '"Bash"'),
    t('str').map((s) => `TO_LOWER(${s})`),
    t('str').map((s) => `TO_UPPER(${s})`),
    fc.tuple(t('str'), t('str')).map(([a, b]) => `CONCAT(${a}, ${b})`),
    fc
      .tuple(t('str'), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 3 }))
      .map(([s, a, b]) => `SUBSTRING(${s}, ${a}, ${b})`),
    t('str').map((s) => `COALESCE(${s}, "none")`),
    fc.tuple(t('bool'), t('str'), t('str')).map(([c, a, b]) => `CASE(${c}, ${a}, ${b})`),
    t('int').map((i) => `TO_STRING(${i})`),
  ),
  bool: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('process.interactive', 'true', 'false', 'null'),
    fc
      .tuple(t('int'), fc.constantFrom('==', '!=', '<', '<=', '>', '>='), t('int'))
      .map(([a, o, b]) => `(${a} ${o} ${b})`),
    fc
      .tuple(t('str'), fc.constantFrom('==', '!=', '<', '>='), t('str'))
      .map(([a, o, b]) => `(${a} ${o} ${b})`),
    fc.tuple(t('bool'), fc.constantFrom('AND', 'OR'), t('bool')).map(([a, o, b]) => `(${a} ${o} ${b})`),
    t('bool').map((b) => `(NOT ${b})`),
    fc.tuple(t('str'), fc.constantFrom('b*', '*a*', '?r*', '', '*')).map(([s, p]) => `(${s} LIKE ${q(p)})`),
    fc
      .tuple(t('int'), fc.array(fc.integer({ min: -10, max: 40_000 }), { minLength: 1, maxLength: 3 }))
      .map(([i, l]) => `(${i} IN (${l.join(', ')}))`),
    fc.tuple(t('str'), fc.boolean()).map(([s, n]) => `(${s} IS ${n ? 'NOT ' : ''}NULL)`),
    fc.tuple(t('str'), fc.constantFrom('b', 'p', '')).map(([s, p]) => `STARTS_WITH(${s}, ${q(p)})`),
    fc.constant('(@timestamp >= "2026-01-01T00:30:00Z")'),
  ),
}));

const strip = (r: { rows: Record<string, unknown>[] }) => r.rows;

describe('ES|QL translation agrees with the evaluator on random expressions', () => {
  it('WHERE and EVAL', async () => {
    let sqlRuns = 0;
    await fc.assert(
      fc.asyncProperty(bool, fc.oneof(int, str, bool), async (cond, e) => {
        for (const text of [
          `FROM logs-* | WHERE ${cond} | KEEP event.id | LIMIT 10000`,
          `FROM logs-* | EVAL x = ${e} | KEEP event.id, x | LIMIT 10000`,
        ]) {
          const p = parseEsql(text);
          const mem = runPipeline(p, docs, { now: NOW });
          const got = await runOnStore(store, p, { now: NOW });
          if (got.info.path === 'sql') sqlRuns++;
          expect(got.info.reason ?? '', text).not.toMatch(/^internal/);
          expect(strip(got), `${text} (${got.info.path})`).toEqual(strip(mem));
        }
      }),
      {
        numRuns: Number(process.env.ESQL_PROP_RUNS ?? runs(150)),
        ...(process.env.ESQL_PROP_RUNS ? {} : { seed: 42 }),
      },
    );
    expect(sqlRuns).toBeGreaterThan(Number(process.env.ESQL_PROP_RUNS ?? runs(150))); // most expressions run as SQL
  }, 300_000);

  it('STATS … BY and SORT … LIMIT', async () => {
    await fc.assert(
      fc.asyncProperty(int, str, str, bool, async (i, g, v, c) => {
        for (const text of [
          `FROM logs-* | WHERE ${c} | STATS n = COUNT(*), k = COUNT(${i}), lo = MIN(${i}), hi = MAX(${v}), s = SUM(${i}), d = COUNT_DISTINCT(${v}) BY g = ${g} | SORT g`,
          `FROM logs-* | EVAL k = ${i} | SORT k DESC NULLS LAST, ${v} | KEEP event.id, k | LIMIT 7`,
          `FROM logs-* | STATS vs = VALUES(${v}), a = AVG(${i}) BY ${c} | SORT a`,
        ]) {
          const p = parseEsql(text);
          const mem = runPipeline(p, docs, { now: NOW });
          const got = await runOnStore(store, p, { now: NOW });
          expect(got.info.reason ?? '', text).not.toMatch(/^internal/);
          expect(strip(got), `${text} (${got.info.path})`).toEqual(strip(mem));
        }
      }),
      {
        numRuns: Number(process.env.ESQL_PROP_RUNS ?? runs(100)),
        ...(process.env.ESQL_PROP_RUNS ? {} : { seed: 7 }),
      },
    );
  }, 300_000);
});
