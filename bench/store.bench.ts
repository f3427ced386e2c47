// Benchmark of the embedded store (docs/store.md): sustained ingest of realistic ECS process/file
// documents, and a filter and a group-by over 1,000,000 stored events. Each figure comes with a
// baseline measured in the same run: ingest against JSON.stringify + append to a file, queries
// against the same question answered by scanning the stored JSON documents. Both designs run in
// the same process: the in-thread store (the default) and the store worker (`worker: true`),
// compared on the caller's cost per write(), end-to-end ingest and three queries.
// Standalone: `npx tsx bench/store.bench.ts` (BENCH_STORE_DOCS=200000 for a quicker run).
import { appendFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { EcsDoc } from '../src/output/index.js';
import { EventStore } from '../src/output/store/index.js';
import { type Sample, sampleDocs } from '../src/output/store/sample-docs.js';

const POOL = 20_000;
const T0 = Date.UTC(2026, 0, 1);

/** The i-th document: a pool document with its own id and time (a shallow copy, as a sensor makes). */
function docAt(pool: Sample[], i: number): Sample {
  const s = pool[i % POOL] as Sample;
  const ev = s.doc.event as Record<string, unknown>;
  const doc: EcsDoc = {
    ...s.doc,
    '@timestamp': new Date(T0 + i).toISOString(),
    event: { ...ev, id: `ev-${i}` },
  };
  return { stream: s.stream, doc };
}

async function time<T>(runs: number, fn: () => Promise<T>): Promise<{ ms: number; result: T }> {
  let result = await fn(); // warm-up
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    result = await fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { ms: round(ms[Math.floor(ms.length / 2)] as number), result };
}

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const WRITE_ONLY = 50_000;
const MODES = ['inThread', 'worker'] as const;
type Mode = (typeof MODES)[number];

interface IngestResult {
  docsPerSec: number;
  mainBusyUsPerDoc: number;
  dropped: Record<string, number>;
}

/** Sustained ingest: the producer only pauses when the store's queue is half full. */
async function sustained(
  dir: string,
  mode: Mode,
  pool: Sample[],
  total: number,
): Promise<{ store: EventStore; result: IngestResult }> {
  const store = await EventStore.open({ dir, worker: mode === 'worker' });
  const elu0 = performance.eventLoopUtilization();
  const t = performance.now();
  for (let i = 0; i < total; i++) {
    const s = docAt(pool, i);
    store.write(s.doc, s.stream);
    if (i % 1000 === 999) while (store.pending > 100_000) await new Promise((r) => setTimeout(r, 1));
  }
  await store.flush();
  const ms = performance.now() - t;
  const elu = performance.eventLoopUtilization(elu0);
  return {
    store,
    result: {
      docsPerSec: Math.round(total / (ms / 1000)),
      mainBusyUsPerDoc: round((elu.active * 1000) / total, 2),
      dropped: store.stats().docsDropped,
    },
  };
}

export default async function storeBench() {
  const total = Number(process.env.BENCH_STORE_DOCS ?? 1_000_000);
  const baselineDocs = Math.min(total, 200_000);
  const dir = mkdtempSync(join(tmpdir(), 'd4c-bench-store-'));
  const pool = sampleDocs(POOL, { seed: 42, containers: 50 });
  try {
    // Baseline ingest: serialise and append to a file, batch by batch.
    const file = join(dir, 'baseline.ndjson');
    let t = performance.now();
    let lines: string[] = [];
    for (let i = 0; i < baselineDocs; i++) {
      lines.push(JSON.stringify(docAt(pool, i).doc));
      if (lines.length === 5000) {
        appendFileSync(file, `${lines.join('\n')}\n`);
        lines = [];
      }
    }
    if (lines.length) appendFileSync(file, `${lines.join('\n')}\n`);
    const baselineRate = baselineDocs / ((performance.now() - t) / 1000);
    rmSync(file);

    // write() alone: the caller's cost of handing documents over (queue big enough not to drop).
    // Worker: stringify + postMessage; in-thread: a push (its real cost comes later, same thread).
    const ready = Array.from({ length: WRITE_ONLY }, (_, i) => docAt(pool, i));
    const writeOnly: Record<Mode, number[]> = { inThread: [], worker: [] };
    for (let r = 0; r < 3; r++)
      for (const mode of MODES) {
        const st = await EventStore.open({ dir: join(dir, `w-${mode}-${r}`), worker: mode === 'worker' });
        const t0 = performance.now();
        for (const s of ready) st.write(s.doc, s.stream);
        writeOnly[mode].push(WRITE_ONLY / ((performance.now() - t0) / 1000));
        await st.close();
        rmSync(join(dir, `w-${mode}-${r}`), { recursive: true, force: true });
      }
    // The producer alone (making the documents), to separate its share of the caller's thread.
    t = performance.now();
    for (let i = 0; i < baselineDocs; i++) docAt(pool, i);
    const producerUs = ((performance.now() - t) * 1000) / baselineDocs;

    // Sustained ingest, both designs (in-thread first). Every query runs on the default
    // (in-thread) store; the filter, group-by and tree also on the worker store.
    const ingest: Partial<Record<Mode, IngestResult>> = {};
    const stores: Partial<Record<Mode, EventStore>> = {};
    for (const mode of MODES) {
      const r = await sustained(join(dir, mode), mode, pool, total);
      ingest[mode] = r.result;
      stores[mode] = r.store;
    }
    const store = stores.inThread as EventStore;
    const other = stores.worker as EventStore;
    const st = store.stats();
    const storeRate = (ingest.inThread as IngestResult).docsPerSec;

    // Queries over everything stored.
    const filter = {
      filters: [
        { field: 'process.name', op: 'eq' as const, value: 'curl' },
        { field: 'orchestrator.namespace', op: 'eq' as const, value: 'payments' },
      ],
      limit: 1000,
    };
    const q = await time(5, () => store.query(filter));
    const qCount = await time(5, () =>
      store.aggregate({ filters: filter.filters, groupBy: [], metrics: [{ op: 'count' }] }),
    );
    const qScan = await time(3, () =>
      store.sql(
        `SELECT doc FROM events WHERE json_extract_string(doc, '$.process.name') = 'curl'
           AND json_extract_string(doc, '$.orchestrator.namespace') = 'payments'
         ORDER BY "@timestamp", _seq LIMIT 1000`,
      ),
    );
    const groupBy = {
      groupBy: ['event.action', 'orchestrator.namespace'],
      metrics: [{ op: 'count' as const }, { op: 'count_distinct' as const, field: 'process.entity_id' }],
    };
    const g = await time(5, () => store.aggregate(groupBy));
    const gScan = await time(3, () =>
      store.sql(
        `SELECT json_extract_string(doc, '$.event.action') a, json_extract_string(doc, '$.orchestrator.namespace') n,
           count(*) c, count(DISTINCT json_extract_string(doc, '$.process.entity_id')) e FROM events GROUP BY ALL`,
      ),
    );
    const jsonFilter = await time(3, () =>
      store.query({ filters: [{ field: 'process.working_directory', op: 'eq', value: '/nope' }], limit: 10 }),
    );
    const sample = pool[123]?.doc as {
      process: { entity_id: string; session_leader: { entity_id: string } };
    };
    const tree = await time(3, () => store.processTree(sample.process.entity_id, 1000));
    const session = await time(3, () => store.sessionTree(sample.process.session_leader.entity_id, 1000));
    // The same filter, group-by and tree on the worker store: the cost of the thread hop.
    const qOther = await time(5, () => other.query(filter));
    const gOther = await time(5, () => other.aggregate(groupBy));
    const treeOther = await time(3, () => other.processTree(sample.process.entity_id, 1000));
    await other.close();
    const usage = await store.usage();
    await store.close();
    const wo = (m: Mode) => Math.round(median(writeOnly[m]));
    const iw = ingest.worker as IngestResult;
    const il = ingest.inThread as IngestResult;

    const cpu = cpus()[0]?.model ?? 'unknown';
    return {
      name: 'store',
      machine: { cpu, cores: cpus().length, memGiB: round(totalmem() / 2 ** 30), node: process.version },
      mainThread: {
        writeOnlyOpsPerSec: { worker: wo('worker'), inThread: wo('inThread') },
        writeOnlyRatio: round(wo('worker') / wo('inThread'), 2),
        // Busy time of the caller's thread during sustained ingest, per document, producer included.
        busyUsPerDoc: {
          worker: iw.mainBusyUsPerDoc,
          inThread: il.mainBusyUsPerDoc,
          producer: round(producerUs, 2),
        },
        busyRatio: round(iw.mainBusyUsPerDoc / il.mainBusyUsPerDoc, 2),
      },
      ingest: {
        docs: total,
        docsPerSec: Math.round(storeRate),
        workerDocsPerSec: iw.docsPerSec,
        workerOverInThread: round(iw.docsPerSec / il.docsPerSec, 2),
        workerDropped: iw.dropped,
        baselineDocsPerSec: Math.round(baselineRate),
        ratioToBaseline: round(storeRate / baselineRate, 2),
        batches: st.batches,
        flushMsAvg: round(st.flushMs.total / Math.max(1, st.flushMs.count)),
        flushMsMax: round(st.flushMs.max),
        dropped: st.docsDropped,
        targets: { target: 50_000, goal: 200_000 },
      },
      storage: {
        fileBytes: usage.fileBytes,
        usedBytes: usage.usedBytes,
        bytesPerDoc: round(usage.usedBytes / total),
        rawJsonBytesPerDoc: round(JSON.stringify(pool[0]?.doc).length),
      },
      queries: {
        storedEvents: total,
        filterMs: q.ms,
        filterHits: q.result.length,
        filterCountMs: qCount.ms,
        filterMatches: qCount.result[0]?.count,
        filterJsonScanMs: qScan.ms,
        filterSpeedup: round(qScan.ms / q.ms),
        groupByMs: g.ms,
        groupByBuckets: g.result.length,
        groupByJsonScanMs: gScan.ms,
        groupBySpeedup: round(gScan.ms / g.ms),
        unpromotedFieldFilterMs: jsonFilter.ms,
        processTreeMs: tree.ms,
        worker: { filterMs: qOther.ms, groupByMs: gOther.ms, processTreeMs: treeOther.ms },
        sessionTreeMs: session.ms,
        sessionEvents: session.result.length,
        targets: { targetMs: 1000, goalMs: 100 },
      },
      fileBytesAfterClose: statSync(join(dir, 'inThread', 'events.duckdb')).size,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(JSON.stringify(await storeBench(), null, 2));
}
