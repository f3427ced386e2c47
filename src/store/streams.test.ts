// Data streams are names, not a fixed list: a stream d4c has never heard of (a new dataset such as
// logs-cloud_defend.network-*, or another integration's) is stored, selected by name and by
// pattern, aggregated, and read by KQL and ES|QL like the known ones.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EcsDoc } from '../ecs/index.js';
import { runQuery } from '../query/index.js';
import { EventStore } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'd4c-streams-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NET = 'logs-cloud_defend.network-default';
const NEW = 'logs-acme.never_seen_before-prod';

const doc = (id: string, action: string): EcsDoc => ({
  '@timestamp': '2026-01-01T00:00:00Z',
  event: { id, action, category: ['network'] },
  destination: { ip: '10.0.0.1', port: 443 },
});

describe('event store: any valid data stream name', () => {
  it('stores, selects, aggregates and queries unknown-but-valid streams', async () => {
    const store = await EventStore.open({ dir });
    store.write(doc('n1', 'connection_attempted'), NET);
    store.write(doc('n2', 'bind'), NET);
    store.write(doc('x1', 'whatever'), NEW);
    store.write(doc('p1', 'exec'), 'logs-cloud_defend.process-default');
    store.write(doc('bad', 'x'), 'Not-A-Stream!');
    await store.flush();
    expect(store.stats().docsDropped).toEqual({ bad_stream: 1 });
    const ids = async (streams: string[]) =>
      (await store.query({ streams })).map((d) => (d.event as { id: string }).id).sort();
    expect(await ids([NET])).toEqual(['n1', 'n2']);
    expect(await ids(['logs-cloud_defend.network-*'])).toEqual(['n1', 'n2']);
    expect(await ids([NEW])).toEqual(['x1']);
    expect(await ids(['logs-acme.*'])).toEqual(['x1']);
    expect(await ids(['logs-*'])).toEqual(['n1', 'n2', 'p1', 'x1']);
    expect(
      await store.aggregate({
        streams: ['logs-cloud_defend.network-*'],
        groupBy: ['destination.port'],
        metrics: [{ op: 'count' }],
      }),
    ).toEqual([{ 'destination.port': 443, count: 2 }]);
    const rows: unknown[] = [];
    const sink = { emit: (x: unknown) => rows.push(x), warn: () => {} };
    await runQuery({ lang: 'esql', text: 'FROM logs-acme.never_seen_before-* | KEEP event.id', store }, sink);
    expect(rows).toEqual([{ 'event.id': 'x1' }]);
    rows.length = 0;
    await runQuery({ lang: 'kql', text: 'event.action:bind', store }, sink);
    expect(rows.map((r) => (r as { event: { id: string } }).event.id)).toEqual(['n2']);
    await store.close();
  });
});
