// Benchmark of the embedded store (docs/store.md): sustained ingest of realistic ECS process/file
// documents, and a filter and a group-by over 1,000,000 stored events. Each figure comes with a
// baseline measured in the same run: ingest against JSON.stringify + append to a file, queries
// against the same question answered by scanning the stored JSON documents.
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

    // Store ingest, sustained: the producer only pauses when the store's queue is half full.
    const store = await EventStore.open({ dir: join(dir, 'store') });
    t = performance.now();
    for (let i = 0; i < total; i++) {
      const s = docAt(pool, i);
      store.write(s.doc, s.stream);
      if (i % 1000 === 999) while (store.pending > 100_000) await new Promise((r) => setTimeout(r, 1));
    }
    await store.flush();
    const ingestMs = performance.now() - t;
    const storeRate = total / (ingestMs / 1000);
    const st = store.stats();

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
    const usage = await store.usage();
    await store.close();

    const cpu = cpus()[0]?.model ?? 'unknown';
    return {
      name: 'store',
      machine: { cpu, cores: cpus().length, memGiB: round(totalmem() / 2 ** 30), node: process.version },
      ingest: {
        docs: total,
        docsPerSec: Math.round(storeRate),
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
        sessionTreeMs: session.ms,
        sessionEvents: session.result.length,
        targets: { targetMs: 1000, goalMs: 100 },
      },
      fileBytesAfterClose: statSync(join(dir, 'store', 'events.duckdb')).size,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(JSON.stringify(await storeBench(), null, 2));
}
