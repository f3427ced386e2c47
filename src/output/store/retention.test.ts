import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EventStore } from './index.js';
import { sampleIter } from './sample-docs.fixture.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'd4c-ret-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

describe('event store: retention', () => {
  it('deletes by age exactly the events older than the limit', async () => {
    const store = await EventStore.open({ dir: tmp(), maxAgeMs: 3 * DAY, retentionIntervalMs: 0 });
    // 10 days, one event an hour.
    for (const s of sampleIter(240, { startMs: T0, stepMs: 3_600_000 })) store.write(s.doc, s.stream);
    await store.flush();
    const now = T0 + 10 * DAY;
    const r = await store.runRetention(now);
    expect(r.deletedByAge).toBe(240 - 72);
    const [left] = await store.sql('SELECT count(*) AS n, min("@timestamp") AS t FROM events');
    expect(left).toEqual({ n: 72, t: new Date(now - 3 * DAY).toISOString() });
    expect(store.stats().retention).toMatchObject({ runs: 1, deletedByAge: 168, deletedBySize: 0 });
    await store.close();
  });

  it('runs periodically off the hot path', async () => {
    const store = await EventStore.open({ dir: tmp(), maxAgeMs: DAY, retentionIntervalMs: 100 });
    for (const s of sampleIter(50, { startMs: Date.now() - 2 * DAY })) store.write(s.doc, s.stream);
    for (const s of sampleIter(20, { startMs: Date.now() })) store.write(s.doc, s.stream);
    await store.flush();
    for (let i = 0; i < 100 && store.stats().retention.deletedByAge < 50; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(store.stats().retention.deletedByAge).toBe(50);
    expect(await store.sql('SELECT count(*) AS n FROM events')).toEqual([{ n: 20 }]);
    await store.close();
  });

  it('deletes oldest first until the used bytes are under the cap, and the file stops growing', async () => {
    const cap = 6 * 1024 * 1024;
    const store = await EventStore.open({
      dir: tmp(),
      maxBytes: cap,
      rowGroupSize: 4096,
      retentionIntervalMs: 0,
      batchSize: 10_000,
    });
    let seed = 1;
    const fill = async (n: number) => {
      for (const s of sampleIter(n, { seed: seed++, startMs: T0 + seed * DAY })) store.write(s.doc, s.stream);
      await store.flush();
    };
    await fill(24_000);
    const r = await store.runRetention();
    expect(r.before.usedBytes).toBeGreaterThan(cap);
    expect(r.deletedBySize).toBeGreaterThan(0);
    expect(r.after.usedBytes).toBeLessThanOrEqual(cap);
    // What is left is the newest events: nothing newer than the oldest kept one was deleted.
    const [kept] = await store.sql('SELECT count(*) AS n, min("@timestamp") AS t FROM events');
    expect(kept?.n).toBe(24_000 - r.deletedBySize);
    expect(kept?.n).toBeGreaterThan(0); // a whole row group over the need at most, not everything
    const newer = sampleIterCount(24_000, String(kept?.t));
    expect(kept?.n).toBe(newer);
    // Freed blocks are reused: more rounds of ingest + retention keep the file near its high-water mark.
    const high = r.after.fileBytes;
    for (let i = 0; i < 3; i++) {
      await fill(12_000);
      const ri = await store.runRetention();
      expect(ri.after.usedBytes).toBeLessThanOrEqual(cap);
    }
    const final = await store.usage();
    expect(final.fileBytes).toBeLessThanOrEqual(high * 1.5);
    expect(store.stats().retention.deletedBySize).toBeGreaterThan(24_000);
    await store.close();
  }, 120_000);
});

/** How many of the first fill's events (seed 1, one per ms from T0 + 2 days) are at or after `iso`. */
function sampleIterCount(n: number, iso: string): number {
  const start = T0 + 2 * DAY;
  const t = Date.parse(iso);
  return Math.max(0, n - (t - start));
}
