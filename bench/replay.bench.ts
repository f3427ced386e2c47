// What-if replay (`d4c policy test --store`, src/baseline): BENCH_REPLAY_DOCS (default 1,000,000;
// tiny at --smoke) realistic process and file events in a real store, replayed through a
// policy with the compiled evaluator. Baseline in the same run: reading the same events as whole
// documents (the paged scan `d4c query` uses, JSON.parse per document) and judging them the same
// way. Also the per-event reference (the SQL projection of every row, Replay.add per event, as
// through an agent's socket) and `policy test --store` itself (grouped in DuckDB:
// replay-store.ts), whose whole report must equal the reference's. Prints the seconds for the
// whole store (docs/baseline.md quotes the figure).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Replay } from '../src/baseline/replay.js';
import { replaySource } from '../src/baseline/replay-store.js';
import { openEvents } from '../src/baseline/source.js';
import { EventStore } from '../src/output/store/index.js';
import { sampleIter } from '../src/output/store/sample-docs.fixture.js';
import { DEFAULT_POLICY, parsePolicy } from '../src/policy/index.js';
import { scanStore } from '../src/query/index.js';
import { type BenchResult, size } from './harness.js';

export default async function (): Promise<BenchResult[]> {
  const n = size(Number(process.env.BENCH_REPLAY_DOCS ?? 1_000_000), 2_000);
  const dir = mkdtempSync(join(tmpdir(), 'd4c-bench-replay-'));
  try {
    const store = await EventStore.open({ dir, retentionIntervalMs: 0 });
    let i = 0;
    for (const s of sampleIter(n, { startMs: Date.UTC(2026, 0, 1) })) {
      store.write(s.doc, s.stream);
      // Bounded queue: let the store commit now and then.
      if (++i % 20_000 === 0) await store.flush();
    }
    await store.flush();
    const policy = parsePolicy(DEFAULT_POLICY, 'default').policy;
    if (!policy) throw new Error('default policy does not parse');

    // Whole documents, as the query path reads them.
    let t = performance.now();
    const viaDocs = new Replay(policy);
    for await (const d of scanStore(store)) viaDocs.add(d as Record<string, unknown>);
    const docsMs = performance.now() - t;
    await store.close();

    // The per-event reference: the SQL projection of every row, one Replay.add each.
    t = performance.now();
    let src = await openEvents(dir, {});
    const perEvent = new Replay(policy);
    for await (const ev of src.events()) perEvent.add(ev);
    await src.close();
    const perEventMs = performance.now() - t;

    // The replay as `policy test --store` runs it: grouped in DuckDB.
    t = performance.now();
    src = await openEvents(dir, {});
    const replay = new Replay(policy);
    await replaySource(src, replay, policy);
    await src.close();
    const replayMs = performance.now() - t;
    const a = replay.report('', {});
    const ref = perEvent.report('', {});
    const b = viaDocs.report('', {}).totals;
    if (JSON.stringify(a) !== JSON.stringify(ref))
      throw new Error('the grouped replay and the per-event reference disagree');
    if (JSON.stringify(a.totals) !== JSON.stringify(b))
      throw new Error(
        `replay and the document scan disagree: ${JSON.stringify(a.totals)} vs ${JSON.stringify(b)}`,
      );
    process.stderr.write(
      `replay: ${n} stored events in ${(replayMs / 1000).toFixed(2)} s (per event: ${(perEventMs / 1000).toFixed(2)} s; whole documents: ${(docsMs / 1000).toFixed(2)} s); totals ${JSON.stringify(a.totals)}\n`,
    );
    return [
      {
        group: `replay ${n} stored events`,
        name: 'whole documents (scan + JSON.parse)',
        opsPerSec: (n * 1000) / docsMs,
        baseline: true,
      },
      {
        group: `replay ${n} stored events`,
        name: 'per event (SQL projection, Replay.add each)',
        opsPerSec: (n * 1000) / perEventMs,
      },
      {
        group: `replay ${n} stored events`,
        name: 'policy test --store (grouped in DuckDB)',
        opsPerSec: (n * 1000) / replayMs,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
