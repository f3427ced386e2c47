// Benchmark of the embedded store (docs/store.md): sustained ingest of realistic ECS process/file
// documents, and a filter and a group-by over 1,000,000 stored events. Every figure is compared
// in the same run: ingest by data chunks (the default) against the row-wise Appender path (the
// old one, kept as reference) and against the store worker, in alternating rounds so that load
// from other jobs hits all alike, as docs/s and as docs per CPU-second of the whole process
// (less sensitive to a busy machine); and JSON.stringify + append to a file. Queries against
// the same question answered by scanning the stored JSON documents.
// `npm run bench -- store` prints the table (and the details as JSON); standalone
// `npx tsx bench/store.bench.ts` prints the details. BENCH_STORE_DOCS (default 1,000,000) is
// the size of the store queried, BENCH_STORE_ROUND (default 200,000) the documents per ingest
// round, BENCH_STORE_ROUNDS (default 3) the rounds per contender.
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Worker } from 'node:worker_threads';
import type { EcsDoc } from '../src/output/index.js';
import { EventStore } from '../src/output/store/index.js';
import type { StoreOptions } from '../src/output/store/options.js';
import { type Sample, sampleDocs } from '../src/output/store/sample-docs.fixture.js';
import { type BenchResult, size } from './harness.js';

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

/** The contenders for ingest: the default, the old row-wise path, and the default in a worker. */
const CONTENDERS: Record<string, Partial<StoreOptions>> = {
  rows: { append: 'rows' },
  chunks: { append: 'chunks' },
  json: { append: 'json' },
  'worker+chunks': { worker: true },
};
type Contender = keyof typeof CONTENDERS;

interface IngestResult {
  docsPerSec: number;
  /** Documents per CPU-second of the whole process (every thread, DuckDB's included). */
  docsPerCpuSec: number;
  /** Busy time of the caller's thread per document (producer included). */
  mainBusyUsPerDoc: number;
  /**
   * CPU time of the caller's thread per document (Linux: its utime + stime, 10 ms ticks; NaN
   * elsewhere). Unlike busy time, not inflated by the thread waiting for a core on a busy machine.
   */
  mainCpuUsPerDoc: number;
  /** Busy time of the store worker's thread per document (0 in-thread). */
  workerBusyUsPerDoc: number;
  dropped: Record<string, number>;
}

/** CPU µs of this (the main) thread so far: /proc/self/task/PID/stat fields 14 and 15 (ticks of 10 ms). */
function mainThreadCpuUs(): number {
  try {
    const f = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(f[11]) + Number(f[12])) * 10_000;
  } catch {
    return Number.NaN;
  }
}

/** Sustained ingest: the producer only pauses when the store's queue is half full. */
async function sustained(
  dir: string,
  opts: Partial<StoreOptions>,
  pool: Sample[],
  total: number,
): Promise<{ store: EventStore; result: IngestResult }> {
  const store = await EventStore.open({ dir, ...opts });
  const worker = (store as unknown as { remote?: { worker: Worker } }).remote?.worker;
  const welu0 = worker?.performance.eventLoopUtilization();
  const elu0 = performance.eventLoopUtilization();
  const main0 = mainThreadCpuUs();
  const cpu0 = process.cpuUsage();
  const t = performance.now();
  for (let i = 0; i < total; i++) {
    const s = docAt(pool, i);
    store.write(s.doc, s.stream);
    if (i % 1000 === 999) while (store.pending > 100_000) await new Promise((r) => setTimeout(r, 1));
  }
  await store.flush();
  const ms = performance.now() - t;
  const cpu = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0);
  const welu = worker?.performance.eventLoopUtilization(welu0);
  return {
    store,
    result: {
      docsPerSec: Math.round(total / (ms / 1000)),
      docsPerCpuSec: Math.round(total / ((cpu.user + cpu.system) / 1e6)),
      mainBusyUsPerDoc: round((elu.active * 1000) / total, 2),
      mainCpuUsPerDoc: round((mainThreadCpuUs() - main0) / total, 2),
      workerBusyUsPerDoc: welu ? round((welu.active * 1000) / total, 2) : 0,
      dropped: store.stats().docsDropped,
    },
  };
}

export async function storeDetails() {
  const total = Number(process.env.BENCH_STORE_DOCS ?? size(1_000_000, 2000));
  const roundDocs = Number(process.env.BENCH_STORE_ROUND ?? Math.min(total, 200_000));
  const rounds = Number(process.env.BENCH_STORE_ROUNDS ?? size(3, 1));
  const dir = mkdtempSync(join(tmpdir(), 'd4c-bench-store-'));
  const pool = sampleDocs(POOL, { seed: 42, containers: 50 });
  try {
    // Baseline ingest: serialise and append to a file, batch by batch.
    const file = join(dir, 'baseline.ndjson');
    let t = performance.now();
    let lines: string[] = [];
    for (let i = 0; i < roundDocs; i++) {
      lines.push(JSON.stringify(docAt(pool, i).doc));
      if (lines.length === 5000) {
        appendFileSync(file, `${lines.join('\n')}\n`);
        lines = [];
      }
    }
    if (lines.length) appendFileSync(file, `${lines.join('\n')}\n`);
    const baselineRate = roundDocs / ((performance.now() - t) / 1000);
    rmSync(file);
    // The producer alone (making the documents), to separate its share of the caller's thread.
    t = performance.now();
    for (let i = 0; i < roundDocs; i++) docAt(pool, i);
    const producerUs = ((performance.now() - t) * 1000) / roundDocs;

    // Ingest rounds, contenders in turn (A B C A B C …), each into a fresh store.
    const runs: Record<string, IngestResult[]> = { rows: [], chunks: [], json: [], 'worker+chunks': [] };
    for (let r = 0; r < rounds; r++)
      for (const [name, opts] of Object.entries(CONTENDERS)) {
        const d = join(dir, `round-${name}-${r}`);
        const { store, result } = await sustained(d, opts, pool, roundDocs);
        (runs[name] as IngestResult[]).push(result);
        await store.close();
        rmSync(d, { recursive: true, force: true });
      }
    const med = (
      c: Contender,
      k: 'docsPerSec' | 'docsPerCpuSec' | 'mainBusyUsPerDoc' | 'mainCpuUsPerDoc' | 'workerBusyUsPerDoc',
    ) => median((runs[c] as IngestResult[]).map((x) => x[k]));

    // The store queried: BENCH_STORE_DOCS documents by the default path.
    const big = await sustained(join(dir, 'big'), {}, pool, total);
    const store = big.store;
    const st = store.stats();

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
    const usage = await store.usage();
    await store.close();
    // The same filter, group-by and tree through a store worker on the same data: the thread hop.
    const other = await EventStore.open({ dir: join(dir, 'big'), worker: true, retentionIntervalMs: 0 });
    const qOther = await time(5, () => other.query(filter));
    const gOther = await time(5, () => other.aggregate(groupBy));
    const treeOther = await time(3, () => other.processTree(sample.process.entity_id, 1000));
    await other.close();

    const cpu = cpus()[0]?.model ?? 'unknown';
    const ingest = (c: Contender) => ({
      docsPerSec: med(c, 'docsPerSec'),
      docsPerCpuSec: med(c, 'docsPerCpuSec'),
      mainBusyUsPerDoc: med(c, 'mainBusyUsPerDoc'),
      mainCpuUsPerDoc: med(c, 'mainCpuUsPerDoc'),
      workerBusyUsPerDoc: med(c, 'workerBusyUsPerDoc'),
      rounds: (runs[c] as IngestResult[]).map((x) => x.docsPerSec),
      dropped: (runs[c] as IngestResult[]).map((x) => x.dropped),
    });
    return {
      name: 'store',
      machine: { cpu, cores: cpus().length, memGiB: round(totalmem() / 2 ** 30), node: process.version },
      ingest: {
        docsPerRound: roundDocs,
        rounds,
        chunks: ingest('chunks'),
        rows: ingest('rows'),
        workerChunks: ingest('worker+chunks'),
        chunksOverRows: round(med('chunks', 'docsPerSec') / med('rows', 'docsPerSec'), 2),
        chunksOverRowsCpu: round(med('chunks', 'docsPerCpuSec') / med('rows', 'docsPerCpuSec'), 2),
        json: ingest('json'),
        jsonOverChunks: round(med('json', 'docsPerSec') / med('chunks', 'docsPerSec'), 2),
        jsonOverChunksCpu: round(med('json', 'docsPerCpuSec') / med('chunks', 'docsPerCpuSec'), 2),
        workerOverInThread: round(med('worker+chunks', 'docsPerSec') / med('chunks', 'docsPerSec'), 2),
        workerOverInThreadCpu: round(
          med('worker+chunks', 'docsPerCpuSec') / med('chunks', 'docsPerCpuSec'),
          2,
        ),
        workerOverInThreadMainCpu: round(
          med('worker+chunks', 'mainCpuUsPerDoc') / med('chunks', 'mainCpuUsPerDoc'),
          2,
        ),
        workerOverInThreadMainBusy: round(
          med('worker+chunks', 'mainBusyUsPerDoc') / med('chunks', 'mainBusyUsPerDoc'),
          2,
        ),
        producerUsPerDoc: round(producerUs, 2),
        baselineDocsPerSec: Math.round(baselineRate),
        targets: { target: 50_000, goal: 200_000 },
      },
      bigStore: {
        docs: total,
        docsPerSec: big.result.docsPerSec,
        docsPerCpuSec: big.result.docsPerCpuSec,
        batches: st.batches,
        flushMsAvg: round(st.flushMs.total / Math.max(1, st.flushMs.count)),
        flushMsMax: round(st.flushMs.max),
        dropped: st.docsDropped,
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
      fileBytesAfterClose: statSync(join(dir, 'big', 'events.duckdb')).size,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** For bench/run.ts: ingest by path (baseline: the old row-wise path) and the two queries. */
export default async function storeBench(): Promise<BenchResult[]> {
  const d = await storeDetails();
  console.log(JSON.stringify(d));
  const i = d.ingest;
  const q = d.queries;
  return [
    { group: 'store ingest docs/s', name: 'rows (old path)', opsPerSec: i.rows.docsPerSec, baseline: true },
    { group: 'store ingest docs/s', name: 'chunks (default)', opsPerSec: i.chunks.docsPerSec },
    { group: 'store ingest docs/s', name: 'json (SQL)', opsPerSec: i.json.docsPerSec },
    { group: 'store ingest docs/s', name: 'worker + chunks', opsPerSec: i.workerChunks.docsPerSec },
    { group: 'store ingest docs/s', name: 'JSON.stringify + file', opsPerSec: i.baselineDocsPerSec },
    {
      group: 'store ingest docs/CPU-s',
      name: 'rows (old path)',
      opsPerSec: i.rows.docsPerCpuSec,
      baseline: true,
    },
    { group: 'store ingest docs/CPU-s', name: 'chunks (default)', opsPerSec: i.chunks.docsPerCpuSec },
    { group: 'store ingest docs/CPU-s', name: 'json (SQL)', opsPerSec: i.json.docsPerCpuSec },
    { group: 'store ingest docs/CPU-s', name: 'worker + chunks', opsPerSec: i.workerChunks.docsPerCpuSec },
    {
      group: "store ingest docs per caller's-thread CPU-s",
      name: 'chunks (default)',
      opsPerSec: 1e6 / i.chunks.mainCpuUsPerDoc,
      baseline: true,
    },
    {
      group: "store ingest docs per caller's-thread CPU-s",
      name: 'worker + chunks',
      opsPerSec: 1e6 / i.workerChunks.mainCpuUsPerDoc,
    },
    { group: 'store filter /s', name: 'JSON scan', opsPerSec: 1000 / q.filterJsonScanMs, baseline: true },
    { group: 'store filter /s', name: 'promoted columns', opsPerSec: 1000 / q.filterMs },
    { group: 'store group-by /s', name: 'JSON scan', opsPerSec: 1000 / q.groupByJsonScanMs, baseline: true },
    { group: 'store group-by /s', name: 'promoted columns', opsPerSec: 1000 / q.groupByMs },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(JSON.stringify(await storeDetails(), null, 2));
}
