// The translator against the reference evaluator: the same documents in a temp store and in
// memory must give the same rows, in the same order, whether the query runs as SQL in DuckDB or
// falls back to in-memory evaluation over documents fetched from the store.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEsql, runPipeline } from '../rules/index.js';
import { runOnStore, translate } from './esql.js';
import { EventStore } from './index.js';
import { sampleDocs } from './sample-docs.fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'd4c-esql-'));
let store: EventStore;
const samples = sampleDocs(600, { seed: 7, stepMs: 61_000, containers: 9 });
// Odd documents: interactive shells, a missing name, multi-valued fields, a metrics stream.
samples.push(
  ...[0, 1, 2].map((i) => ({
    stream: 'logs-cloud_defend.process-default',
    doc: {
      '@timestamp': new Date(Date.UTC(2026, 0, 1, 12, i)).toISOString(),
      event: { id: `odd-${i}`, category: ['process'], action: 'exec', type: ['start'] },
      process: {
        name: i === 2 ? undefined : 'bash',
        executable: '/bin/bash',
        args: ['bash', '-i'],
        interactive: true,
        pid: 77 + i,
      },
      orchestrator: { namespace: i === 0 ? 'prod' : 'Prod' },
      container: { id: `c-${i}` },
      data_stream: { type: 'logs', dataset: 'cloud_defend.process', namespace: 'default' },
    },
  })),
  ...[['process', 'file'], [], ['file']].map((category, i) => ({
    stream: 'logs-cloud_defend.file-default',
    doc: {
      '@timestamp': new Date(Date.UTC(2026, 0, 1, 12, 30 + i)).toISOString(),
      event: { id: `cat-${i}`, category, action: 'creation', type: ['creation', 'info'] },
      process: { name: 'touch', pid: 90 + i },
      orchestrator: { namespace: 'prod' },
      data_stream: { type: 'logs', dataset: 'cloud_defend.file', namespace: 'default' },
    },
  })),
  {
    stream: 'metrics-cloud_defend.metrics-default',
    doc: {
      '@timestamp': '2026-01-01T13:00:00.000Z',
      event: { id: 'm-1' },
      data_stream: { type: 'metrics', dataset: 'cloud_defend.metrics', namespace: 'default' },
    },
  },
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

// [query, expected path over the store]
const CASES: [string, 'sql' | 'memory'][] = [
  ['FROM logs-* | STATS n = COUNT(*) BY orchestrator.namespace | SORT n DESC, orchestrator.namespace', 'sql'],
  [
    'FROM logs-cloud_defend.* | WHERE process.interactive == true | STATS shells = COUNT(*), c = COUNT_DISTINCT(container.id) BY orchestrator.namespace',
    'sql',
  ],
  [
    'FROM logs-* | WHERE event.action == "exec" | STATS n = COUNT(*) BY process.executable | SORT n DESC, process.executable | LIMIT 5',
    'sql',
  ],
  [
    'FROM logs-* | KEEP @timestamp, process.name, process.pid | SORT process.pid DESC NULLS LAST, @timestamp | LIMIT 7',
    'sql',
  ],
  [
    'FROM logs-* | WHERE process.name LIKE "*sh" AND process.pid >= 20000 | KEEP event.id, process.name',
    'sql',
  ],
  [
    'FROM logs-* | WHERE process.name IN ("curl", "wget", "nc") OR process.name IS NULL | KEEP event.id, process.name',
    'sql',
  ],
  [
    'FROM logs-* | EVAL h = DATE_TRUNC(1 hour, @timestamp) | STATS n = COUNT(*), first = MIN(@timestamp), last = MAX(@timestamp) BY h | SORT h',
    'sql',
  ],
  [
    'FROM logs-* | EVAL k = CASE(process.pid > 30000, "high", process.pid > 20000, "mid", "low"), up = TO_UPPER(process.name) | STATS n = COUNT(*), pids = SUM(process.pid), a = AVG(process.pid) BY k, up | SORT k, up',
    'sql',
  ],
  [
    'FROM logs-* | EVAL ns = COALESCE(TO_LOWER(orchestrator.namespace), "none"), age = DATE_DIFF("minutes", @timestamp, NOW()) | KEEP event.id, ns, age | SORT age, event.id | LIMIT 20',
    'sql',
  ],
  [
    'FROM logs-* | EVAL s = CONCAT(process.name, ":", TO_STRING(process.pid)), l = LENGTH(process.name), sub = SUBSTRING(process.name, 2, 3) | WHERE STARTS_WITH(process.executable, "/usr") AND NOT ENDS_WITH(process.name, "l") | KEEP s, l, sub | LIMIT 15',
    'sql',
  ],
  [
    'FROM logs-* | STATS names = VALUES(process.name), n = COUNT(process.name) BY orchestrator.namespace | SORT orchestrator.namespace',
    'sql',
  ],
  [
    'FROM logs-* | EVAL half = process.pid / 2, m = process.pid % 7, f = process.pid / 2.0, w = @timestamp + 1 hour | KEEP half, m, f, w | SORT w DESC | LIMIT 10',
    'sql',
  ],
  [
    'FROM logs-* | STATS n = COUNT(*) BY host.name, orchestrator.namespace | RENAME orchestrator.namespace AS ns | DROP host.name | SORT ns',
    'sql',
  ],
  [
    'FROM logs-* | KEEP process.name, process.pid | STATS n = COUNT(*) BY process.name | KEEP n, process.* | SORT process.name NULLS FIRST',
    'sql',
  ],
  [
    'FROM logs-* | WHERE @timestamp >= "2026-01-01T05:00:00Z" AND @timestamp < "2026-01-01T06:00:00Z" | STATS n = COUNT(*)',
    'sql',
  ],
  [
    'FROM logs-* | EVAL r = REPLACE(process.executable, "/usr/bin/", "") | STATS n = COUNT(*) BY r | SORT n DESC, r | LIMIT 3',
    'sql',
  ],
  ['FROM logs-* | STATS n = COUNT(*) BY MV_FIRST(process.name) | SORT n DESC', 'sql'],
  // Promoted list columns: single-valued contexts read one element or null (a multi-value).
  [
    'FROM logs-* | WHERE event.category == "process" AND process.interactive | STATS n = COUNT(*) BY orchestrator.namespace',
    'sql',
  ],
  [
    'FROM logs-* | KEEP event.id, event.category, event.type | WHERE event.category IS NULL OR event.category != "process" | SORT event.id | LIMIT 30',
    'sql',
  ],
  [
    'FROM logs-* | WHERE event.category IS NOT NULL AND STARTS_WITH(event.category, "f") | EVAL c = event.category, t = event.type | KEEP event.id, c, t',
    'sql',
  ],
  [
    'FROM logs-* | STATS acts = VALUES(event.action) BY orchestrator.namespace | WHERE acts == "exec" OR acts IS NULL | SORT orchestrator.namespace',
    'sql',
  ],
  [
    'FROM logs-* | WHERE event.id LIKE "cat-*" | EVAL c = COALESCE(event.category, "none") | KEEP event.id, c',
    'memory',
  ],
  ['FROM logs-* | STATS n = COUNT(*) BY event.category | SORT event.category', 'memory'],
  // Not translated: multi-valued fields, RLIKE, unpromoted fields, whole documents.
  ['FROM logs-* | WHERE process.pid > 30000 | LIMIT 3', 'memory'],
  [
    'FROM logs-* | MV_EXPAND process.args | STATS n = COUNT(*) BY process.args | SORT n DESC, process.args | LIMIT 5',
    'memory',
  ],
  ['FROM logs-* | WHERE process.name RLIKE "c(url|at)" | STATS n = COUNT(*) BY process.name', 'memory'],
  [
    'FROM logs-* | WHERE event.category == "file" | STATS n = COUNT(*) BY file.directory | SORT file.directory',
    'memory',
  ],
  [
    'FROM logs-* | EVAL a = MV_COUNT(process.args), last = MV_LAST(process.args) | KEEP event.id, a, last | SORT event.id | LIMIT 5',
    'memory',
  ],
  [
    'FROM logs-* | WHERE orchestrator.namespace == "prod" AND MV_COUNT(process.args) == 2 | KEEP event.id, process.*',
    'memory',
  ],
  ['FROM metrics-* | KEEP event.id', 'sql'],
];

describe('ES|QL over the store agrees with the in-memory evaluator', () => {
  for (const [q, path] of CASES) {
    it(q, async () => {
      const p = parseEsql(q);
      const mem = runPipeline(p, docs, { now: NOW });
      const onStore = await runOnStore(store, p, { now: NOW });
      expect(onStore.info.path).toBe(path);
      // Columns of documents read whole are the fields present in the documents read (the
      // fallback reads fewer): compare the columns that hold a value in some row.
      const used = (r: typeof mem) => r.columns.filter((c) => r.rows.some((x) => x[c] !== null));
      const proj = (r: typeof mem) => r.rows.map((x) => Object.fromEntries(used(r).map((c) => [c, x[c]])));
      if (path === 'sql') expect(onStore.columns).toEqual(mem.columns);
      expect(used(onStore)).toEqual(used(mem));
      expect(proj(onStore)).toEqual(proj(mem));
      expect(mem.rows.length).toBeGreaterThan(0);
      const forced = await runOnStore(store, p, { now: NOW, forceMemory: true });
      expect(proj(forced)).toEqual(proj(mem));
    });
  }

  it('applies the time range in SQL', async () => {
    const p = parseEsql('FROM logs-* | STATS n = COUNT(*)');
    const from = '2026-01-01T01:00:00Z';
    const to = '2026-01-01T02:00:00Z';
    const inRange = docs.filter(
      (d) =>
        (d['@timestamp'] as string) >= from.replace('Z', '.000Z') &&
        (d['@timestamp'] as string) < to.replace('Z', '.000Z'),
    );
    const r = await runOnStore(store, p, { now: NOW, from, to });
    expect(r.rows).toEqual([{ n: inRange.length }]);
  });

  it('reads the in-memory fallback in pages, each after onPage, to the same rows', async () => {
    const p = parseEsql(
      'FROM logs-* | WHERE process.name == "sh" | STATS n = COUNT(*) BY data_stream.namespace, container.id | SORT n DESC, container.id',
    );
    const whole = await runOnStore(store, p, { now: NOW });
    expect(whole.info).toMatchObject({ path: 'memory' });
    const matching = whole.info.fetched as number;
    const pages: number[] = [];
    let paced = 0;
    const counting = {
      sql: async (text: string, params?: Parameters<EventStore['sql']>[1]) => {
        const rows = await store.sql(text, params);
        pages.push(rows.length);
        return rows;
      },
    };
    const paged = await runOnStore(counting, p, { now: NOW, pageSize: 7, onPage: async () => void paced++ });
    expect(paged.rows).toEqual(whole.rows);
    expect(pages.length).toBe(Math.floor(matching / 7) + 1);
    expect(Math.max(...pages)).toBe(7);
    expect(paced).toBe(pages.length);
    // Capped: one more than the cap is read (to know the cap cut something), still in pages.
    pages.length = 0;
    const capped = await runOnStore(counting, p, { now: NOW, pageSize: 7, fallbackMaxDocs: 20 });
    expect(pages).toEqual([7, 7, 7]);
    expect(capped.info.fetched).toBe(20);
    expect(capped.warnings.map((w) => w.message)).toEqual([
      expect.stringContaining('only the first 20 matching documents were read'),
    ]);
  });

  it('binds every value: no literal reaches the SQL text', () => {
    const q = translate(
      parseEsql('FROM logs-* | WHERE process.name == "x\'; DROP TABLE events; --" | KEEP process.name'),
    );
    expect(q.sql).not.toContain('DROP TABLE');
    expect(q.params).toContain("x'; DROP TABLE events; --");
  });
});
