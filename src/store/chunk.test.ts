// The column-wise path (data chunks, the default) against the row-wise Appender path (the
// reference): the same input stores the same rows, with the same counters.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIGINT, DuckDBInstance, VARCHAR } from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { EcsDoc } from '../ecs/index.js';
import { runs } from '../util/runs.fixture.js';
import { buildChunk, columnSources, newChunk, releaseChunks } from './chunk.js';
import { EventStore } from './index.js';
import type { StoreOptions } from './options.js';
import { sampleDocs } from './sample-docs.fixture.js';
import { columnDdl, PROMOTED, TABLE } from './schema.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'd4c-chunk-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const PROC = 'logs-cloud_defend.process-default';

/** Strings around the 12-byte inline limit, non-ASCII, NUL, lone surrogates, empty. */
const STRINGS = [
  '',
  'a',
  'exactly12chr',
  'thirteen-char',
  'é',
  'ééééééé',
  '日本語',
  'a\u0000b',
  '\u0000',
  'x\ud800',
  '🙂🙂🙂',
  'x'.repeat(200),
  "quo'te\\",
];

function input(): { doc: unknown; stream: string }[] {
  const odd: unknown[] = [
    { event: { id: 'no-ts' } },
    { '@timestamp': 'not a date', event: { id: 'bad-ts' } },
    { '@timestamp': 1767225600000, event: { id: 'epoch' }, process: { pid: '42', interactive: 'true' } },
    { '@timestamp': '2026-01-01T00:00:00.123456789Z', event: { id: 'nanos', category: 'process' } },
    { event: { id: 'types', action: { x: 1 }, category: [1, null, 'x'] }, process: { pid: 1e300 } },
    { event: { id: 'many-args' }, process: { args: Array.from({ length: 3000 }, (_, i) => `a${i}`) } },
    { event: { id: 'empty-list', type: [] }, process: { args: [], interactive: false } },
    // Long strings repeated inside one list vector, past its first 2048 elements (the chunk
    // path writes a repeat by copying the first one's string_t).
    {
      event: { id: 'repeated-args' },
      process: {
        args: Array.from({ length: 5000 }, (_, i) => `repeated argument ${i % 3} é${'x'.repeat(i % 2)}`),
      },
    },
    { 'event.id': 'flat', 'process.name': 'flatname', 'process.pid': 9 },
    { event: { id: 'flat-null' }, process: { name: null, pid: null }, 'process.name': 'x', 'process.pid': 3 },
    { event: { id: 'not-obj' }, process: 'str', 'process.name': 'fallback', 'process.args': 'one' },
    {
      event: { id: 'nested-arrays', category: [[['deep']], [], [[]], true, 1.5, { o: 1 }] },
      process: { name: [[['n']]], pid: [['17']], interactive: [['false']], args: [[], 'x'] },
      file: { path: [[], 'p'], name: [[{ a: 1 }]] },
    },
    {
      event: { id: 'numbers', category: [1.5, 1e21, -0, 2 ** 53, 2 ** 53 - 1, -1e-7, 0.1 + 0.2] },
      process: { name: 0.1 + 0.2, pid: 2 ** 53, executable: 1e21, interactive: 1 },
      file: { path: -0, name: 2 ** 64, extension: 123456789.125 },
      source: { port: '123\n' },
      destination: { port: ' 12' },
    },
    { event: { id: 'int-strings' }, process: { pid: '-0' }, source: { port: '999999999999999999' } },
    { event: { id: 'int-edge' }, process: { pid: -(2 ** 53 - 1) }, source: { port: '9999999999999999999' } },
    { event: { id: 'bool-str' }, process: { interactive: 'TRUE' } },
    { event: { id: 'key"quote' }, 'process.user.id': 'k"q\\' },
    { event: { id: 'huge' }, process: { args: ['x'.repeat(300_000)] } },
    { event: { id: 'bigint' }, n: 1n },
    // The later-promoted columns (backfill below): odd shapes too.
    {
      event: { id: 'alert-shapes', kind: 'alert' },
      rule: { name: ['first', 'second'], severity: 7 },
      cloud_defend: { matched_selectors: 'one', operation: ['exec'] },
      container: { security_context: { privileged: 'true' } },
      process: { drift: [true], thread: { capabilities: { effective: ['CAP_SYS_ADMIN', 1, null] } } },
      orchestrator: { cluster: { name: { o: 1 } } },
    },
    {
      event: { id: 'flat-later' },
      'rule.name': 'flat rule',
      'cloud_defend.matched_selectors': ['a', 'b'],
      'process.drift': 'false',
      'orchestrator.cluster.name': 'c1',
    },
    null,
    ...STRINGS.map((s, i) => ({
      event: { id: `s${i}`, category: [s, s], action: s },
      process: { name: s, args: [s, 'b', s], user: { id: s }, pid: i - 5, interactive: i % 2 === 0 },
      destination: { ip: s, port: i },
    })),
  ];
  return [
    ...sampleDocs(5000, { seed: 3, containers: 7 }),
    ...odd.map((doc) => ({ doc, stream: PROC })),
    { doc: { event: { id: 'net' } }, stream: 'logs-cloud_defend.network-default' },
  ];
}

/** Every stored column as text, in ingest order (`doc` as stored). */
async function dump(store: EventStore): Promise<unknown[]> {
  return store.sql(`SELECT * REPLACE (doc::VARCHAR AS doc) FROM ${TABLE} ORDER BY _seq`);
}

/** The paths compared with the row-wise reference. */
const PATHS: Record<string, Partial<StoreOptions>> = {
  chunks: { append: 'chunks' },
  json: { append: 'json' },
  'json via a parameter': { append: 'json', jsonVia: 'param' },
  // Encoded on the caller's thread, data chunks filled from the bytes in the worker (columnar.ts).
  worker: { worker: true },
};
const OTHERS = Object.keys(PATHS);

async function storeWith(path: string, docs: { doc: unknown; stream: string }[], dir = tmp()) {
  // Batches of 4500: more than two chunks each, and a partial last chunk.
  const store = await EventStore.open({
    dir,
    ...(PATHS[path] ?? { append: 'rows' }),
    batchSize: 4500,
    maxDocChars: 200_000,
    maxStringChars: 1000,
  });
  for (const { doc, stream } of docs) store.write(doc as EcsDoc, stream);
  await store.flush();
  return store;
}

/**
 * The row-wise reference over `input()`, stored and dumped once for the file: every path is
 * compared with it, and nothing writes to it after (stores are kept open until the file ends).
 */
let reference:
  | Promise<{ docs: { doc: unknown; stream: string }[]; rows: EventStore; a: unknown[] }>
  | undefined;
function rowsReference() {
  reference ??= (async () => {
    const docs = input();
    const rows = await storeWith('rows', docs);
    return { docs, rows, a: await dump(rows) };
  })();
  return reference;
}
afterAll(async () => {
  if (reference) await (await reference).rows.close();
});

describe('event store: data chunks against the row-wise Appender', () => {
  it.each(OTHERS)('%s: store identical rows and counters for the same input', async (append) => {
    const { docs, rows, a } = await rowsReference();
    const chunks = await storeWith(append, docs);
    const b = await dump(chunks);
    expect(a.length).toBe(docs.length - 2); // the BigInt and the null are dropped
    // Timestamps of documents without one are the ingest time: compare them apart.
    const noTs = (r: unknown) => {
      const { '@timestamp': _, ...rest } = r as Record<string, unknown>;
      return rest;
    };
    // The differing fields first (a readable failure), then the whole.
    const diffs: unknown[] = [];
    a.forEach((ra, i) => {
      const x = ra as Record<string, unknown>;
      const y = (b[i] ?? {}) as Record<string, unknown>;
      for (const k of Object.keys(x))
        if (k !== '@timestamp' && JSON.stringify(x[k]) !== JSON.stringify(y[k]))
          diffs.push({ id: x['event.id'], k, rows: x[k], other: y[k] });
    });
    expect(diffs.slice(0, 10)).toEqual([]);
    expect(b.map(noTs)).toEqual(a.map(noTs));
    const ts = (r: unknown[]) => r.map((x) => (x as Record<string, unknown>)['@timestamp']);
    expect(ts(b).slice(0, 5000)).toEqual(ts(a).slice(0, 5000));
    const sa = rows.stats();
    const sb = chunks.stats();
    expect(sb.docsDropped).toEqual(sa.docsDropped);
    expect(sb.docsFixed).toEqual(sa.docsFixed);
    expect(sb.docsWritten).toBe(sa.docsWritten);
    expect(sb.batches).toBe(sa.batches);
    // Not by the fallback: every batch went in by its own path.
    expect(sb.batchesFailed).toBe(0);
    expect(sa.batchesFailed).toBe(0);
    // Spot checks that the comparison is not vacuous.
    const byId = new Map(
      b.map((r) => [(r as Record<string, unknown>)['event.id'], r as Record<string, unknown>]),
    );
    expect(byId.get('s7')?.['process.name']).toBe('a\u0000b');
    expect(byId.get('s5')?.['process.args']).toEqual(['ééééééé', 'b', 'ééééééé']);
    expect(byId.get('s9')?.['process.name']).toBe('x\ufffd');
    expect((byId.get('many-args')?.['process.args'] as string[] | undefined)?.length).toBe(3000);
    expect(byId.get('empty-list')?.['process.args']).toEqual([]);
    expect(byId.get('epoch')?.['process.pid']).toBe(42);
    await chunks.close();
  });

  it.each(OTHERS)('%s: agree on random string, number and boolean values', async (path) => {
    const rows = await EventStore.open({ dir: tmp(), append: 'rows', flushIntervalMs: 60_000 });
    const chunks = await EventStore.open({ dir: tmp(), ...PATHS[path], flushIntervalMs: 60_000 });
    const value = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 16 }),
      fc.string({ unit: 'grapheme-ascii', maxLength: 13 }),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
    );
    const doc = fc.record({
      process: fc.record({
        name: value,
        pid: value,
        interactive: value,
        args: fc.array(value, { maxLength: 3 }),
      }),
      file: fc.record({ path: value, extension: value }),
      event: fc.record({ category: fc.oneof(value, fc.array(value, { maxLength: 3 })) }),
    });
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(doc, { minLength: 1, maxLength: 40 }), async (ds) => {
        for (const d of ds) {
          const full = { '@timestamp': 1767225600000 + n++, ...d };
          rows.write(full, PROC);
          chunks.write(full, PROC);
        }
        await rows.flush();
        await chunks.flush();
      }),
      { numRuns: runs(40) },
    );
    expect(await dump(chunks)).toEqual(await dump(rows));
    expect(chunks.stats().docsWritten).toBe(n);
    expect(chunks.stats().batchesFailed).toBe(0);
    await rows.close();
    await chunks.close();
  });

  it('writes each value to its column when the table order differs (a column added later)', async () => {
    // An older store: no "process.pid" yet; open() adds it at the end, after `doc`.
    const dir = tmp();
    const inst = await DuckDBInstance.create(join(dir, 'events.duckdb'));
    const c = await inst.connect();
    const cols = PROMOTED.filter((f) => f.name !== 'process.pid').map(columnDdl);
    await c.run(
      `CREATE TABLE ${TABLE} (_seq BIGINT NOT NULL, _stream VARCHAR NOT NULL, "@timestamp" TIMESTAMP NOT NULL, ${cols.join(', ')}, doc JSON NOT NULL)`,
    );
    c.closeSync();
    inst.closeSync();
    for (const append of ['rows', ...OTHERS]) {
      const store = await EventStore.open({ dir, ...(PATHS[append] ?? { append: 'rows' }) });
      store.write({ '@timestamp': 1, event: { id: append }, process: { pid: 7, name: 'n' } }, PROC);
      await store.flush();
      expect(
        await store.sql(
          `SELECT "process.pid" AS pid, "process.name" AS name, doc->>'$.event.id' AS id FROM ${TABLE} WHERE "event.id" = $1`,
          [append],
        ),
      ).toEqual([{ pid: 7, name: 'n', id: append }]);
      await store.close();
    }
  });

  it('json: removes its batch files, and those a crash left behind at the next open', async () => {
    const dir = tmp();
    const store = await EventStore.open({ dir, append: 'json', batchSize: 100 });
    for (const s of sampleDocs(250, { seed: 1 })) store.write(s.doc, s.stream);
    await store.flush();
    expect(store.stats().docsWritten).toBe(250);
    expect(store.stats().batches).toBe(3);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    await store.close();
    // A batch file of a process killed before its commit: never committed, so only removed.
    writeFileSync(join(dir, 'ingest-4242-7.tmp'), '0\x01logs-x\x011\x01{}\n');
    const again = await EventStore.open({ dir, append: 'json' });
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(await again.sql(`SELECT count(*)::INT AS n FROM ${TABLE}`)).toEqual([{ n: 250 }]);
    await again.close();
  });
});

describe('event store: columns promoted by a later version', () => {
  it('are added to an older store and filled from each row, as ingest fills them', async () => {
    const later = PROMOTED.slice(PROMOTED.findIndex((f) => f.name === 'orchestrator.cluster.name'));
    expect(later.length).toBeGreaterThan(5);
    const { docs, rows: ref } = await rowsReference();
    // The same rows in a store of the older schema: written, then the later columns dropped.
    const dir = tmp();
    await (await storeWith('rows', docs, dir)).close();
    const inst = await DuckDBInstance.create(join(dir, 'events.duckdb'));
    const c = await inst.connect();
    for (const f of later) await c.run(`ALTER TABLE ${TABLE} DROP COLUMN "${f.name}"`);
    const left = (
      await c.runAndReadAll(`SELECT count(*) FROM information_schema.columns WHERE table_name = '${TABLE}'`)
    ).getRows();
    c.closeSync();
    inst.closeSync();
    expect(Number(left[0]?.[0])).toBe(3 + PROMOTED.length - later.length + 1);
    const reopened = await EventStore.open({ dir });
    try {
      const cols = ['event.id', ...later.map((f) => f.name)].map((n) => `"${n}"`).join(', ');
      const q = `SELECT ${cols} FROM ${TABLE} ORDER BY _seq`;
      const want = await ref.sql(q);
      const got = await reopened.sql(q);
      // Each later column holds values (the comparison below could not pass on NULLs alone).
      for (const f of later)
        expect(
          want.some((r) => r[f.name] !== null),
          f.name,
        ).toBe(true);
      const diffs: unknown[] = [];
      want.forEach((w, i) => {
        for (const f of later)
          if (JSON.stringify(w[f.name]) !== JSON.stringify(got[i]?.[f.name]))
            diffs.push({ id: w['event.id'], f: f.name, ingest: w[f.name], backfill: got[i]?.[f.name] });
      });
      expect(diffs.slice(0, 10)).toEqual([]);
      expect(got.length).toBe(want.length);
    } finally {
      await reopened.close();
    }
  });
});

describe('data chunks are reset and reused after their batch', () => {
  it('a released chunk is empty and is the next one handed out; a full pool lets chunks go', () => {
    const types = [VARCHAR, BIGINT];
    const cols = columnSources(['_stream', '_seq']);
    const a = buildChunk(types, cols, [['logs-a', 1n, 'x'.repeat(100)]]);
    expect(duckdb.data_chunk_get_size(a.chunk.chunk)).toBe(1);
    releaseChunks(types, [a]);
    expect(duckdb.data_chunk_get_size(a.chunk.chunk)).toBe(0);
    const b = newChunk(types);
    expect(b).toBe(a.chunk);
    expect(newChunk(types)).not.toBe(a.chunk); // the pool is empty again
    // Another table's types never get this table's chunks.
    releaseChunks(types, [{ chunk: b, rows: 0 }]);
    expect(newChunk([VARCHAR])).not.toBe(b);
  });
});
