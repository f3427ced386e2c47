// Paged scan of the store: every candidate once, in (@timestamp, ingest) order, across page
// boundaries that fall inside runs of identical timestamps.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventStore } from '../store/index.js';
import { scanStore } from './store-scan.js';

const dir = mkdtempSync(join(tmpdir(), 'd4c-scan-'));
let store: EventStore;
// 40 documents, 4 distinct timestamps written out of order, two categories.
const DOCS = Array.from({ length: 40 }, (_, i) => ({
  '@timestamp': new Date(Date.UTC(2026, 0, 1, 0, 0, (i * 7) % 4)).toISOString(),
  event: { id: `e${i}`, category: [i % 3 === 0 ? 'file' : 'process'] },
}));

beforeAll(async () => {
  store = await EventStore.open({ dir });
  for (const d of DOCS) store.write(d, 'logs-cloud_defend.process-default');
  await store.flush();
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const collect = async (it: AsyncIterable<unknown>) => {
  const out: string[] = [];
  for await (const d of it) out.push((d as { event: { id: string } }).event.id);
  return out;
};
const expected = (keep: (d: (typeof DOCS)[number]) => boolean) =>
  DOCS.map((d, i) => ({ d, i }))
    .filter(({ d }) => keep(d))
    .sort((a, b) => a.d['@timestamp'].localeCompare(b.d['@timestamp']) || a.i - b.i)
    .map(({ d }) => d.event.id);

describe('scanStore', () => {
  for (const pageSize of [1, 3, 7, 10, 40, 1000]) {
    it(`pages of ${pageSize}`, async () => {
      expect(await collect(scanStore(store, { pageSize }))).toEqual(expected(() => true));
    });
  }
  it('filters by category and time range', async () => {
    const from = '2026-01-01T00:00:01Z';
    const to = '2026-01-01T00:00:03Z';
    const got = await collect(scanStore(store, { pageSize: 4, categories: ['file'], from, to }));
    expect(got).toEqual(
      expected(
        (d) =>
          d.event.category[0] === 'file' &&
          d['@timestamp'] >= '2026-01-01T00:00:01' &&
          d['@timestamp'] < '2026-01-01T00:00:03',
      ),
    );
    expect(got.length).toBeGreaterThan(0);
    expect(await collect(scanStore(store, { categories: [] }))).toEqual([]);
  });
  it('stops reading when the consumer stops', async () => {
    const it = scanStore(store, { pageSize: 5 });
    const first = await it.next();
    await it.return(undefined);
    expect(first.done).toBe(false);
  });
});
