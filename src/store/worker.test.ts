// The store worker (`worker: true`) against the in-thread engine: same counters and answers for
// the same input, whole batches under concurrent queries, retention through the worker, and a
// worker that dies mid-stream is accounted for. Its SIGKILL and exit tests: worker.int.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import type { EcsDoc } from '../ecs/index.js';
import { EventStore } from './index.js';
import { sampleDocs } from './sample-docs.fixture.js';
import { columnDdl, PROMOTED, TABLE } from './schema.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'd4c-worker-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const PROC = 'logs-cloud_defend.process-default';

function input(): { doc: EcsDoc; stream: string }[] {
  const circular: EcsDoc = { event: { id: 'cycle' } };
  circular.self = circular;
  const odd: unknown[] = [
    { event: { id: 'no-ts' } },
    { event: { id: 'surrogate' }, process: { name: 'a\ud800b' } },
    { event: { id: 'big' }, process: { args: ['y'.repeat(5000)] } },
    { event: { id: 'when' }, '@timestamp': new Date(Date.UTC(2026, 0, 2)) },
    { event: { id: 'bigint' }, n: 1n },
    circular,
    null,
    [1],
  ];
  return [
    ...sampleDocs(2500, { seed: 11, containers: 6 }),
    ...odd.map((doc) => ({ doc: doc as EcsDoc, stream: PROC })),
    { doc: {}, stream: 'Not A Stream' },
  ];
}

describe('event store worker', () => {
  it('counts and answers exactly like the in-thread engine', async () => {
    const docs = input();
    const entity = String((docs[40]?.doc.process as { entity_id?: string } | undefined)?.entity_id);
    const out = [];
    for (const worker of [false, true]) {
      const store = await EventStore.open({
        dir: tmp(),
        worker,
        batchSize: 600,
        maxDocChars: 3000,
        maxStringChars: 1000,
      });
      for (const d of docs) store.write(d.doc, d.stream);
      await store.flush();
      const st = store.stats();
      out.push({
        written: st.docsWritten,
        dropped: st.docsDropped,
        fixed: st.docsFixed,
        queueDepth: st.queueDepth,
        pending: store.pending,
        all: await store.query({ limit: 10_000 }),
        agg: await store.aggregate({ groupBy: ['event.action'], metrics: [{ op: 'count' }] }),
        tree: await store.processTree(entity),
        sql: await store.sql('SELECT count(*) AS n, max(_seq) AS m FROM events WHERE "event.id" = $1', [
          'when',
        ]),
      });
      await store.close();
      await expect(store.query({})).rejects.toMatchObject({ code: 'D4C-STORE-002' });
    }
    const [local, remote] = out;
    expect(remote).toEqual(local);
    expect(remote?.written).toBe(2504);
    expect(remote?.dropped).toEqual({ unserializable: 2, not_object: 2, bad_stream: 1 });
    expect(remote?.fixed).toMatchObject({ truncated: 1, invalid_utf16: 1, timestamp_missing: 3 });
  });

  it('bisects a refused batch row by row from the encoded messages, like the in-thread engine', async () => {
    const out = [];
    for (const worker of [false, true]) {
      // A table that refuses one value (a CHECK the appender enforces): the batch's chunks fail,
      // the fallback decodes the rows and finds the one refused.
      const store = await refusingStore(worker);
      const docs = sampleDocs(2500, { seed: 8 });
      docs.splice(1234, 0, {
        doc: { event: { id: 'x' }, process: { name: 'refused', args: ['é'] } },
        stream: PROC,
      });
      for (const d of docs) store.write(d.doc, d.stream);
      await store.flush();
      const st = store.stats();
      out.push({
        written: st.docsWritten,
        dropped: st.docsDropped,
        failed: st.batchesFailed > 0,
        rows: await store.sql(`SELECT * REPLACE (doc::VARCHAR AS doc) FROM ${TABLE} ORDER BY _seq`),
      });
      await store.close();
    }
    const [local, remote] = out;
    expect(remote?.written).toBe(2500);
    expect(remote?.dropped).toEqual({ rejected: 1 });
    expect(remote?.failed).toBe(true);
    expect(remote).toEqual(local);
  });

  /** A store whose table refuses documents whose process.name is `refused` (a CHECK). */
  async function refusingStore(worker: boolean, check = `"process.name" IS DISTINCT FROM 'refused'`) {
    const dir = tmp();
    const inst = await DuckDBInstance.create(join(dir, 'events.duckdb'));
    const c = await inst.connect();
    await c.run(
      `CREATE TABLE ${TABLE} (_seq BIGINT NOT NULL, _stream VARCHAR NOT NULL, "@timestamp" TIMESTAMP NOT NULL, ${PROMOTED.map(columnDdl).join(', ')}, doc JSON NOT NULL, CHECK (${check}))`,
    );
    c.closeSync();
    inst.closeSync();
    return EventStore.open({ dir, worker, batchSize: 3000 });
  }

  it.each([false, true])(
    'worker %s: refused rows in both halves of a batch cost only themselves',
    async (worker) => {
      const store = await refusingStore(worker);
      const docs = sampleDocs(2500, { seed: 9 });
      for (const at of [2400, 1700, 900, 10]) // both halves, several
        docs.splice(at, 0, { doc: { event: { id: `r${at}` }, process: { name: 'refused' } }, stream: PROC });
      for (const d of docs) store.write(d.doc, d.stream);
      await store.flush();
      const st = store.stats();
      expect(st.docsWritten).toBe(2500);
      expect(st.docsDropped).toEqual({ rejected: 4 });
      expect(await store.sql(`SELECT count(*)::INTEGER n FROM ${TABLE} WHERE "event.id" LIKE 'r%'`)).toEqual([
        { n: 0 },
      ]);
      await store.close();
    },
  );

  it('a database that refuses everything costs a bounded number of attempts, the rest is db_error', async () => {
    const store = await refusingStore(false, 'false');
    for (const d of sampleDocs(2500, { seed: 10 })) store.write(d.doc, d.stream);
    await store.flush();
    const st = store.stats();
    expect(st.docsWritten).toBe(0);
    const dropped = st.docsDropped;
    expect((dropped.rejected ?? 0) + (dropped.db_error ?? 0)).toBe(2500);
    expect(dropped.db_error).toBeGreaterThan(2000);
    expect(st.batchesFailed).toBeLessThanOrEqual(202); // the chunk batch, then the bounded bisection
    await store.close();
  });

  it('posts a message early when its bytes near the int32 offsets limit (large documents)', async () => {
    const store = await EventStore.open({ dir: tmp(), worker: true, maxDocChars: 2 << 20 });
    const big = 'é'.repeat(600_000); // 1.2 MB of UTF-8 each: 70 of them pass MAX_BYTES (64 MiB)
    for (let i = 0; i < 70; i++) store.write({ '@timestamp': i, event: { id: `big${i}` }, note: big }, PROC);
    // Posted without waiting for the next turn of the event loop (or 2,048 documents).
    expect((store as unknown as { remote: { sent: number } }).remote.sent).toBeGreaterThan(0);
    await store.flush();
    expect(store.stats().docsWritten).toBe(70);
    expect(
      await store.sql(`SELECT count(*)::INT AS n, min(length(doc->>'$.note'))::INT AS len FROM ${TABLE}`),
    ).toEqual([{ n: 70, len: 600_000 }]);
    await store.close();
  });

  it('queries see whole batches while the worker commits; retention runs in the worker', async () => {
    const store = await EventStore.open({
      dir: tmp(),
      worker: true,
      batchSize: 500,
      flushIntervalMs: 5,
      maxAgeMs: 86_400_000,
      retentionIntervalMs: 0,
    });
    const old = sampleDocs(1500, { seed: 4, startMs: Date.now() - 3 * 86_400_000 });
    const fresh = sampleDocs(3000, { seed: 5, startMs: Date.now() });
    let done = false;
    const seen: number[] = [];
    const reader = (async () => {
      while (!done) {
        const [r] = await store.sql('SELECT count(*) AS n FROM events');
        seen.push(r?.n as number);
      }
    })();
    const all = [...old, ...fresh];
    for (let i = 0; i < all.length; i++) {
      const s = all[i] as (typeof all)[number];
      store.write(s.doc, s.stream);
      if (i % 500 === 499) await new Promise((r) => setImmediate(r));
    }
    await store.flush();
    done = true;
    await reader;
    expect(seen.length).toBeGreaterThan(2);
    for (const n of seen) expect(n % 500).toBe(0);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    const r = await store.runRetention();
    expect(r.deletedByAge).toBe(1500);
    expect(store.stats()).toMatchObject({ docsWritten: 4500, retention: { runs: 1, deletedByAge: 1500 } });
    expect((await store.usage()).fileBytes).toBeGreaterThan(0);
    expect(await store.sql('SELECT count(*) AS n FROM events')).toEqual([{ n: 3000 }]);
    await store.close();
  });

  it('counts what was in flight when the worker dies, and refuses calls after', async () => {
    const store = await EventStore.open({
      dir: tmp(),
      worker: true,
      batchSize: 100_000,
      flushIntervalMs: 60_000,
    });
    const samples = sampleDocs(3000, { seed: 5 });
    for (const s of samples.slice(0, 1000)) store.write(s.doc, s.stream);
    await store.flush();
    for (const s of samples.slice(1000)) store.write(s.doc, s.stream);
    expect(store.pending).toBe(2000);
    const worker = (store as unknown as { remote: { worker: Worker } }).remote.worker;
    await worker.terminate();
    await store.flush(); // resolves: nothing is left to wait for
    const st = store.stats();
    expect(st.docsWritten).toBe(1000);
    expect(st.docsDropped).toEqual({ worker_exit: 2000 });
    expect(store.pending).toBe(0);
    await expect(store.sql('SELECT 1')).rejects.toMatchObject({ code: 'D4C-STORE-002' });
    store.write(samples[0]?.doc as EcsDoc, PROC);
    expect(store.stats().docsDropped.closed).toBe(1);
    await store.close();
  });

  it('refuses a second open of the same directory in this process (DuckDB locks per process)', async () => {
    const dir = tmp();
    const a = await EventStore.open({ dir, worker: true });
    await expect(EventStore.open({ dir, worker: false })).rejects.toMatchObject({ code: 'D4C-STORE-001' });
    await a.close();
    const b = await EventStore.open({ dir, worker: false });
    await b.close();
  });
});
