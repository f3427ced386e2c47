import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EcsDoc } from '../ecs/index.js';
import { D4cError } from '../util/index.js';
import { runs } from '../util/runs.fixture.js';
import { EventStore, type Filter } from './index.js';
import { listLiteral } from './prepare.js';
import { sampleDocs } from './sample-docs.fixture.js';
import { compileGetter } from './schema.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'd4c-store-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const PROC = 'logs-cloud_defend.process-default';
const id = (d: EcsDoc) => (d.event as { id: string }).id;

/** Reference interpreter of a filter over one document (Elasticsearch keyword semantics). */
function matches(doc: EcsDoc, f: Filter): boolean {
  const raw = compileGetter(f.field)(doc);
  const vals = raw === undefined || raw === null ? [] : Array.isArray(raw) ? raw : [raw];
  const eq = (v: unknown) =>
    vals.some((x) =>
      typeof v === 'number' ? Number(x) === v : typeof x !== 'object' && String(x) === String(v),
    );
  switch (f.op) {
    case 'exists':
      return vals.length > 0;
    case 'eq':
      return eq(f.value);
    case 'neq':
      return !eq(f.value);
    case 'in':
      return (f.value as unknown[]).some(eq);
    case 'prefix':
      return vals.some((x) => typeof x === 'string' && x.startsWith(String(f.value)));
    case 'gt':
      return vals.some((x) =>
        typeof f.value === 'number' ? Number(x) > f.value : String(x) > String(f.value),
      );
    case 'lt':
      return vals.some((x) =>
        typeof f.value === 'number' ? Number(x) < f.value : String(x) < String(f.value),
      );
  }
}

describe('event store: ingest, query, aggregate', () => {
  const samples = sampleDocs(3000, { seed: 7, containers: 12 });
  let store: EventStore;
  beforeAll(async () => {
    store = await EventStore.open({ dir: tmp(), batchSize: 700 });
    for (const s of samples) store.write(s.doc, s.stream);
    await store.flush();
  });
  afterAll(() => store.close());

  it('stores every document once, in batches', async () => {
    const st = store.stats();
    expect(st.docsWritten).toBe(3000);
    expect(st.batches).toBeGreaterThanOrEqual(5);
    expect(st.docsDropped).toEqual({});
    expect(st.queueDepth).toBe(0);
    const all = await store.query({ limit: 5000 });
    expect(all.map(id)).toEqual(samples.map((s) => id(s.doc)));
    expect(all[17]).toEqual(samples[17]?.doc);
  });

  it('filters by stream (exact and pattern), time range, order and limit', async () => {
    const files = await store.query({ streams: ['logs-cloud_defend.file-*'], limit: 5000 });
    expect(files.length).toBe(samples.filter((s) => s.stream.includes('.file-')).length);
    const t = (i: number) => samples[i]?.doc['@timestamp'] as string;
    const range = await store.query({ from: t(100), to: t(200), limit: 5000 });
    expect(range.map(id)).toEqual(samples.slice(100, 200).map((s) => id(s.doc)));
    const last = await store.query({ streams: [PROC], order: 'desc', limit: 3 });
    const procs = samples.filter((s) => s.stream === PROC);
    expect(last.map(id)).toEqual(
      procs
        .slice(-3)
        .reverse()
        .map((s) => id(s.doc)),
    );
  });

  it('agrees with the reference interpreter on random filters (promoted and JSON fields)', async () => {
    const fields = [
      'process.name',
      'event.action',
      'event.category',
      'process.args',
      'process.pid',
      'orchestrator.namespace',
      'file.path',
      'cloud_defend.hook_point',
      'process.working_directory',
      'process.parent.pid',
      'container.image.name',
      'process.thread.capabilities.effective',
      'no.such.field',
    ];
    const valueFor = (field: string, pick: number): string | number => {
      const vals = samples.flatMap((s) => compileGetter(field)(s.doc)).filter((v) => v !== undefined);
      const v = vals[pick % Math.max(1, vals.length)];
      return typeof v === 'number' || typeof v === 'string' ? v : 'x';
    };
    const filterArb = fc
      .record({
        field: fc.constantFrom(...fields),
        op: fc.constantFrom('eq', 'neq', 'in', 'prefix', 'exists', 'gt', 'lt'),
        pick: fc.nat(),
        cut: fc.integer({ min: 1, max: 4 }),
      })
      .map(({ field, op, pick, cut }): Filter => {
        const v = valueFor(field, pick);
        if (op === 'in') return { field, op, value: [v, valueFor(field, pick * 7 + 3)] };
        if (op === 'prefix') return { field, op, value: String(v).slice(0, cut) };
        if (op === 'exists') return { field, op };
        return { field, op: op as Filter['op'], value: v };
      })
      .filter((f) => !(f.op === 'prefix' && f.field.endsWith('pid')));
    await fc.assert(
      fc.asyncProperty(fc.array(filterArb, { minLength: 1, maxLength: 2 }), async (filters) => {
        const got = (await store.query({ filters, limit: 5000 })).map(id);
        const want = samples.filter((s) => filters.every((f) => matches(s.doc, f))).map((s) => id(s.doc));
        expect(got).toEqual(want);
      }),
      { numRuns: runs(60) },
    );
  });

  it('aggregates like a reference count', async () => {
    const rows = await store.aggregate({
      streams: [PROC],
      groupBy: ['event.action', 'orchestrator.namespace'],
      metrics: [
        { op: 'count' },
        { op: 'count_distinct', field: 'process.name' },
        { op: 'max', field: '@timestamp' },
        { op: 'min', field: 'process.parent.pid', as: 'minppid' },
      ],
    });
    const want = new Map<string, { n: number; names: Set<string>; max: string; minppid: number }>();
    for (const s of samples.filter((x) => x.stream === PROC)) {
      const d = s.doc as Record<string, Record<string, unknown>>;
      const k = `${d.event?.action}|${d.orchestrator?.namespace}`;
      const e = want.get(k) ?? { n: 0, names: new Set(), max: '', minppid: Number.POSITIVE_INFINITY };
      e.n++;
      e.names.add(String(d.process?.name));
      const ts = String(s.doc['@timestamp']);
      if (ts > e.max) e.max = ts;
      e.minppid = Math.min(e.minppid, Number((d.process?.parent as { pid: number } | undefined)?.pid));
      want.set(k, e);
    }
    expect(rows.length).toBe(want.size);
    for (const r of rows) {
      const e = want.get(`${r['event.action']}|${r['orchestrator.namespace']}`);
      expect(r).toEqual({
        'event.action': r['event.action'],
        'orchestrator.namespace': r['orchestrator.namespace'],
        count: e?.n,
        'count_distinct(process.name)': e?.names.size,
        'max(@timestamp)': e?.max,
        minppid: e?.minppid,
      });
    }
    // Sorted by the first metric, descending.
    const counts = rows.map((r) => r.count as number);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    // A list-valued field buckets each element (terms-aggregation semantics).
    const cats = await store.aggregate({ groupBy: ['event.category'], metrics: [{ op: 'count' }] });
    expect(cats.reduce((n, r) => n + (r.count as number), 0)).toBe(3000);
    const total = await store.aggregate({ groupBy: [], metrics: [{ op: 'count' }] });
    expect(total).toEqual([{ count: 3000 }]);
  });

  it('rejects unsafe field names and bad arguments with typed errors, binds hostile values', async () => {
    for (const field of ['process.name; DROP TABLE events', 'a"b', "x')--", '', 'a..b', '1abc']) {
      await expect(store.query({ filters: [{ field, op: 'eq', value: 'x' }] })).rejects.toMatchObject({
        code: 'D4C-STORE-010',
      });
    }
    await expect(
      store.query({ filters: [{ field: 'a', op: 'like' as 'eq', value: 1 }] }),
    ).rejects.toBeInstanceOf(D4cError);
    await expect(store.query({ streams: ["x' OR 1=1"] })).rejects.toMatchObject({ code: 'D4C-STORE-012' });
    await expect(store.query({ limit: 0 })).rejects.toMatchObject({ code: 'D4C-STORE-014' });
    await expect(store.query({ from: 'yesterday' })).rejects.toMatchObject({ code: 'D4C-STORE-013' });
    await expect(store.aggregate({ groupBy: ['x'], metrics: [{ op: 'max' }] })).rejects.toMatchObject({
      code: 'D4C-STORE-011',
    });
    const hostile = "x' OR '1'='1";
    expect(await store.query({ filters: [{ field: 'process.name', op: 'eq', value: hostile }] })).toEqual([]);
    expect(await store.query({ filters: [{ field: 'foo.bar', op: 'eq', value: hostile }] })).toEqual([]);
    expect((await store.sql('SELECT count(*) AS n FROM events'))[0]).toEqual({ n: 3000 });
  });
});

describe('event store: process and session trees', () => {
  it('walks ancestors and descendants by entity id and lists a session by time', async () => {
    const store = await EventStore.open({ dir: tmp() });
    const ev = (
      eid: string,
      parent: string | undefined,
      t: number,
      action: string,
      extra: EcsDoc = {},
    ): EcsDoc => ({
      '@timestamp': new Date(Date.UTC(2026, 0, 1, 0, 0, t)).toISOString(),
      event: { id: `${eid}-${action}`, action, category: ['process'] },
      process: {
        entity_id: eid,
        ...(parent ? { parent: { entity_id: parent } } : {}),
        session_leader: { entity_id: 'S' },
      },
      ...extra,
    });
    // S ─ A ─ B ─ C,  B ─ D,  S ─ E; X is in another session; a cycle Y ⇄ Z must terminate.
    const docs = [
      ev('S', 'init', 0, 'exec'),
      ev('A', 'S', 1, 'fork'),
      ev('A', 'S', 2, 'exec'),
      ev('B', 'A', 3, 'fork'),
      ev('C', 'B', 4, 'fork'),
      ev('D', 'B', 5, 'fork'),
      ev('E', 'S', 6, 'fork'),
      ev('B', 'A', 7, 'end'),
      { ...ev('X', 'init', 8, 'fork'), process: { entity_id: 'X', session_leader: { entity_id: 'T' } } },
      ev('Y', 'Z', 9, 'fork'),
      ev('Z', 'Y', 10, 'fork'),
    ];
    // Written out of order: the store orders by @timestamp.
    for (const d of [...docs].reverse()) store.write(d, PROC);
    await store.flush();
    const t = await store.processTree('B');
    expect(t.ancestors).toEqual(['A', 'S', 'init']);
    expect(t.descendants.sort()).toEqual(['C', 'D']);
    expect(t.events.map(id)).toEqual(['S-exec', 'A-fork', 'A-exec', 'B-fork', 'C-fork', 'D-fork', 'B-end']);
    const cyc = await store.processTree('Y');
    expect(cyc.ancestors).toEqual(['Z']);
    expect(cyc.descendants).toEqual(['Z']);
    const unknown = await store.processTree('nope');
    expect(unknown).toEqual({ entityId: 'nope', ancestors: [], descendants: [], events: [] });
    const session = await store.sessionTree('S');
    expect(session.map(id)).toEqual(docs.slice(0, 8).map(id).concat(['Y-fork', 'Z-fork']));
    await store.close();
  });
});

describe('event store: odd documents', () => {
  it('never throws from write(), stores what it can and counts the rest', async () => {
    const store = await EventStore.open({ dir: tmp(), maxDocChars: 200_000, maxStringChars: 1000 });
    const circular: Record<string, unknown> = { '@timestamp': '2026-01-01T00:00:00Z' };
    circular.self = circular;
    const odd: unknown[] = [
      { event: { id: 'no-timestamp' } },
      { '@timestamp': 'not a date', event: { id: 'bad-ts' } },
      {
        '@timestamp': 1767225600000,
        event: { id: 'epoch-ms' },
        process: { pid: '42', name: 7, interactive: 'true' },
      },
      { '@timestamp': '2026-01-01T00:00:00.123456789Z', event: { id: 'nanos', category: 'process' } },
      {
        event: { id: 'wrong-types', action: { nested: true }, category: [1, null, 'x'] },
        process: { pid: 1e300 },
      },
      { event: { id: 'lone-surrogate' }, process: { name: 'a\ud800b', args: ['\udc00', "it's"] } },
      { event: { id: 'nul' }, process: { name: 'a\u0000b' }, file: { path: '/tmp/\u0000' } },
      { event: { id: 'huge' }, process: { args: ['x'.repeat(300_000)] } },
      { 'event.id': 'flat', 'process.name': 'flatname' },
      { event: { id: 'big-int' }, n: 10n },
      circular,
      null,
      'a string',
      [1, 2],
      { event: { id: 'fn' }, f: () => 1 },
    ];
    for (const d of odd) expect(() => store.write(d as EcsDoc, PROC)).not.toThrow();
    expect(() => store.write({}, 'Bad Stream!')).not.toThrow();
    expect(() => store.write({}, undefined as unknown as string)).not.toThrow();
    await store.flush();
    const st = store.stats();
    expect(st.docsDropped).toEqual({ unserializable: 2, not_object: 3, bad_stream: 2 });
    expect(st.docsWritten).toBe(10);
    expect(st.docsFixed).toMatchObject({ timestamp_missing: 8, truncated: 1 });
    expect(st.docsFixed.invalid_utf16).toBeGreaterThanOrEqual(1);
    const get = async (eid: string) =>
      (await store.query({ filters: [{ field: 'event.id', op: 'eq', value: eid }] }))[0];
    expect((await get('epoch-ms'))?.process).toEqual({ pid: '42', name: 7, interactive: 'true' });
    expect(await store.query({ filters: [{ field: 'process.pid', op: 'eq', value: 42 }] })).toHaveLength(1);
    expect(
      await store.query({ filters: [{ field: 'process.interactive', op: 'eq', value: true }] }),
    ).toHaveLength(1);
    expect(await store.query({ filters: [{ field: 'process.name', op: 'eq', value: '7' }] })).toHaveLength(1);
    expect(
      await store.query({ filters: [{ field: 'process.name', op: 'eq', value: 'a\ufffdb' }] }),
    ).toHaveLength(1);
    expect(
      await store.query({ filters: [{ field: 'process.name', op: 'eq', value: 'a\u0000b' }] }),
    ).toHaveLength(1);
    expect(
      await store.query({ filters: [{ field: 'event.category', op: 'eq', value: 'process' }] }),
    ).toHaveLength(1);
    expect(await store.query({ filters: [{ field: 'process.args', op: 'eq', value: "it's" }] })).toHaveLength(
      1,
    );
    expect(
      await store.query({ filters: [{ field: 'process.name', op: 'eq', value: 'flatname' }] }),
    ).toHaveLength(1);
    const huge = await get('huge');
    expect(((huge?.process as { args: string[] } | undefined)?.args[0] ?? '').length).toBeLessThan(1100);
    const nanos = await store.sql(
      `SELECT strftime("@timestamp", '%Y-%m-%dT%H:%M:%S.%f') AS t FROM events WHERE "event.id" = 'nanos'`,
    );
    expect(nanos).toEqual([{ t: '2026-01-01T00:00:00.123456' }]);
    await store.close();
    store.write({}, PROC);
    expect(store.stats().docsDropped.closed).toBe(1);
  });

  it('counts documents refused when the queue is full', async () => {
    const store = await EventStore.open({
      dir: tmp(),
      maxQueue: 10,
      batchSize: 1000,
      flushIntervalMs: 60_000,
    });
    for (let i = 0; i < 25; i++) store.write({ event: { id: `q${i}` } }, PROC);
    expect(store.stats().queueDepth).toBe(10);
    expect(store.stats().docsDropped).toEqual({ queue_full: 15 });
    await store.close();
    expect(store.stats().docsWritten).toBe(10);
  });

  it('round-trips arbitrary strings through list columns', async () => {
    const store = await EventStore.open({ dir: tmp() });
    const seen: string[][] = [];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit: 'grapheme', maxLength: 12 }), { maxLength: 4 }),
        async (args) => {
          const eid = `rt-${seen.length}`;
          seen.push(args);
          store.write({ event: { id: eid }, process: { args } }, PROC);
          await store.flush();
          const r = await store.sql(`SELECT "process.args" AS a FROM events WHERE "event.id" = $1`, [eid]);
          expect(r).toEqual([{ a: args }]);
        },
      ),
      { numRuns: runs(80) },
    );
    expect(listLiteral(['a', "b'c", 'd\\'])).toBe("['a', 'b\\'c', 'd\\\\']");
    expect(store.stats().docsWritten).toBe(seen.length);
    await store.close();
  });
});

describe('event store: transactions and concurrency', () => {
  it('an appender inside a rolled-back transaction leaves nothing behind', async () => {
    // The property the batch atomicity rests on, checked on the DuckDB we ship with.
    const inst = await DuckDBInstance.create(join(tmp(), 'tx.duckdb'));
    const c = await inst.connect();
    await c.run('CREATE TABLE t (i BIGINT)');
    await c.run('BEGIN TRANSACTION');
    const ap = await c.createAppender('t');
    for (let i = 0; i < 5000; i++) {
      ap.appendBigInt(BigInt(i));
      ap.endRow();
    }
    ap.flushSync();
    ap.closeSync();
    await c.run('ROLLBACK');
    expect((await c.runAndReadAll('SELECT count(*) FROM t')).getRows()).toEqual([[0n]]);
    c.closeSync();
    inst.closeSync();
  });

  it('queries run while batches commit and only ever see whole batches', async () => {
    const store = await EventStore.open({ dir: tmp(), batchSize: 500, flushIntervalMs: 5 });
    const samples = sampleDocs(8000, { seed: 3 });
    let done = false;
    const seen: number[] = [];
    const reader = (async () => {
      while (!done) {
        const [r] = await store.sql('SELECT count(*) AS n FROM events');
        seen.push(r?.n as number);
        await store.aggregate({ groupBy: ['event.action'], metrics: [{ op: 'count' }] });
      }
    })();
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i] as (typeof samples)[number];
      store.write(s.doc, s.stream);
      if (i % 500 === 499) await new Promise((r) => setImmediate(r));
    }
    await store.flush();
    done = true;
    await reader;
    expect(store.stats().docsWritten).toBe(8000);
    expect(seen.length).toBeGreaterThan(2);
    for (const n of seen) expect(n % 500).toBe(0); // batches are all 500: never a partial one
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    await store.close();
  });

  it('reopens a closed store with its data and continues the ingest sequence', async () => {
    const dir = tmp();
    let store = await EventStore.open({ dir });
    for (const s of sampleDocs(100, { seed: 9 })) store.write(s.doc, s.stream);
    await store.close();
    store = await EventStore.open({ dir });
    for (const s of sampleDocs(100, { seed: 10 })) store.write(s.doc, s.stream);
    await store.flush();
    const r = await store.sql('SELECT count(*) AS n, count(DISTINCT _seq) AS s, max(_seq) AS m FROM events');
    expect(r).toEqual([{ n: 200, s: 200, m: 200 }]);
    await store.close();
  });
});
