// The Alerts answer is counted and read from promoted columns; the reference is alertRow over
// the alert documents themselves (what the view showed when it read every document).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertRow, alerts } from '../../src/console/index.js';
import { EventStore } from '../../src/output/store/index.js';
import { fillStore } from './fill.js';

describe('console: the Alerts answer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'd4c-console-alerts-'));
  let store: EventStore;
  beforeAll(async () => {
    await fillStore(dir);
    store = await EventStore.open({ dir, retentionIntervalMs: 0 });
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const reference = async () =>
    (
      await store.query({
        filters: [{ field: 'event.kind', op: 'eq', value: 'alert' }],
        order: 'desc',
        limit: 10_000,
      })
    ).map(alertRow);
  // The document's @timestamp to the millisecond, as the columns give it.
  const ms = (ts: string) => new Date(Date.parse(ts)).toISOString();

  it('gives the rows alertRow reads from the documents, the newest first', async () => {
    const want = await reference();
    const got = await alerts(store, new URLSearchParams());
    expect(want.length).toBeGreaterThan(2);
    expect(got.total).toBe(want.length);
    expect(got.truncated).toBe(false);
    expect(got.rows).toEqual(want.map((r) => ({ ...r, ts: ms(r.ts) })));
    expect(got.rows.some((r) => r.technique !== '')).toBe(true);
    expect(got.rows.some((r) => r.kind === 'policy')).toBe(true);
  });

  it('counts groups, facets and the histogram over every alert, and filters as the rows do', async () => {
    const want = await reference();
    const got = await alerts(store, new URLSearchParams());
    expect(got.facets.rule).toEqual([...new Set(want.map((r) => r.rule))].sort());
    expect(got.facets.severity).toEqual([...new Set(want.map((r) => r.severity))].sort());
    expect(got.facets.namespace).toEqual([...new Set(want.map((r) => r.namespace).filter((x) => x))].sort());
    expect(got.groups.reduce((s, g) => s + g.count, 0)).toBe(want.length);
    const inBuckets = got.histogram.buckets.reduce(
      (s, b) => s + Object.values(b.counts).reduce((a, c) => a + c, 0),
      0,
    );
    expect(inBuckets).toBe(want.length);
    const rule = want[want.length - 1]?.rule ?? '';
    const ns = want[0]?.namespace ?? '';
    const one = await alerts(
      store,
      new URLSearchParams([
        ['rule', rule],
        ['namespace', ns],
      ]),
    );
    const kept = want.filter((r) => r.rule === rule && r.namespace === ns);
    expect(one.total).toBe(kept.length);
    expect(one.rows.map((r) => r.entity)).toEqual(kept.map((r) => r.entity));
    expect(one.facets).toEqual(got.facets); // facets list the whole window, not the filtered rows
  });

  it('bounds the window by from/to and refuses a time it cannot read', async () => {
    const want = await reference();
    const times = want.map((r) => Date.parse(r.ts)).sort((a, b) => a - b);
    const mid = times[Math.floor(times.length / 2)] as number;
    const late = await alerts(store, new URLSearchParams({ from: String(mid) }));
    expect(late.total).toBe(times.filter((t) => t >= mid).length);
    const early = await alerts(store, new URLSearchParams({ to: new Date(mid).toISOString() }));
    expect(early.total).toBe(times.filter((t) => t < mid).length);
    await expect(alerts(store, new URLSearchParams({ from: 'yesterday' }))).rejects.toMatchObject({
      code: 'D4C-CONSOLE-002',
    });
  });
});
