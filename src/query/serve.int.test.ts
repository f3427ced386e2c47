// `d4c query` through the query socket of the process that holds the store: this test process
// holds it (as the agent does) and runs the real CLI as another process, which cannot open the
// store and must go through the socket; same output as the direct path; errors are messages.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../../test/cli.js';
import type { EcsDoc } from '../output/index.js';
import { EventStore } from '../store/index.js';
import { type QueryServer, querySocketPath, serveQueries } from './index.js';
import { readOnly } from './serve.js';

const root = mkdtempSync(join(tmpdir(), 'd4c-serve-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The real CLI, asynchronously (this process must keep serving while it runs). */
function cli(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
    });
    c.stderr.setEncoding('utf8').on('data', (s: string) => {
      err += s;
    });
    c.on('close', (code) => resolve({ code, out, err }));
  });
}

const PROC = 'logs-cloud_defend.process-default';
const docs = Array.from({ length: 3000 }, (_, i) => ({
  '@timestamp': new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
  event: { id: `e${i}`, category: [i % 3 ? 'process' : 'file'], action: i % 3 ? 'exec' : 'open' },
  process: { name: i % 7 === 0 ? 'curl' : 'sh', pid: i, entity_id: `p${i % 50}` },
  data_stream: { type: 'logs', dataset: 'cloud_defend.process', namespace: 'default' },
}));

const QUERIES: string[][] = [
  ['--kql', 'process.name:curl and event.category:process', '--limit', '50'],
  ['--eql', 'process where process.name == "curl"', '--from', '2026-01-01T00:10:00Z', '--limit', '20'],
  [
    '--eql',
    'sequence by process.entity_id [file where true] [process where process.name == "sh"]',
    '--limit',
    '5',
  ],
  [
    '--esql',
    'FROM logs-cloud_defend.* | STATS n = COUNT(*), pids = COUNT_DISTINCT(process.pid) BY process.name | SORT n DESC',
  ],
  // Falls back to the in-memory evaluator (unpromoted field): warnings and all.
  ['--esql', 'FROM logs-* | WHERE data_stream.namespace == "default" | KEEP event.id | LIMIT 3', '--explain'],
];

describe('d4c query through the query socket of the process holding the store', () => {
  const dir = join(root, 'store');
  let store: EventStore;
  let server: QueryServer;
  const direct: { code: number | null; out: string; err: string }[] = [];

  beforeAll(async () => {
    store = await EventStore.open({ dir });
    for (const d of docs) store.write(d, PROC);
    await store.close();
    // The direct path first (nobody holds the store), as the reference.
    for (const q of QUERIES) direct.push(await cli(['query', ...q, '--store', dir]));
    store = await EventStore.open({ dir });
    server = await serveQueries(store, dir);
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await store?.close();
  });

  it('gives the same output as the direct path, and says so once on stderr', async () => {
    for (const [i, q] of QUERIES.entries()) {
      const r = await cli(['query', ...q, '--store', dir]);
      const ref = direct[i] as { code: number; out: string; err: string };
      expect(ref.code).toBe(0);
      expect(ref.out.length).toBeGreaterThan(0);
      expect(r.code).toBe(0);
      expect(r.out).toBe(ref.out);
      const notes = r.err.split('\n').filter((l) => l.includes('querying through it'));
      expect(notes).toEqual([
        `d4c query: the store is held by a running agent; querying through it (${querySocketPath(dir)})`,
      ]);
      expect(r.err.replace(`${notes[0]}\n`, '')).toBe(ref.err);
    }
    expect(server.stats().served).toBe(QUERIES.length);
  }, 120_000);

  it('reports the errors the direct path reports, positioned', async () => {
    const r = await cli(['query', '--kql', 'process.name:curl', '--from', 'yesterday-ish', '--store', dir]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('error: invalid time for --from: "yesterday-ish"');
    expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
    const e = await cli(['query', '--esql', 'FROM logs-* | WHERE', '--store', dir]);
    expect(e.code).toBe(1);
    expect(e.err).toMatch(/^<query>:1:\d+: error: /m);
  }, 60_000);

  it('refuses bad requests and anything but reads, and bounds a query by its deadline', async () => {
    const ask = (line: string) =>
      new Promise<string>((resolve) => {
        const c = createConnection(querySocketPath(dir));
        let out = '';
        c.setEncoding('utf8').on('data', (s: string) => {
          out += s;
        });
        c.on('connect', () => c.write(line));
        c.on('close', () => resolve(out));
      });
    expect(await ask('nonsense\n')).toContain('"code":"D4C-QUERY-007"');
    expect(await ask('{"v":1,"lang":"sql","text":"DELETE FROM events"}\n')).toContain('lang must be kql');
    // The read-only guard itself: only SELECT/WITH statements reach the store.
    const ro = readOnly(store);
    await expect(ro.sql('DELETE FROM events')).rejects.toMatchObject({ code: 'D4C-QUERY-009' });
    await expect(ro.sql('SELECT 1 AS x; DROP TABLE events')).rejects.toMatchObject({ code: 'D4C-QUERY-009' });
    expect(await ro.sql('SELECT 1 AS x')).toEqual([{ x: 1 }]);
    // A deadline: pages of 5 documents and 30 ms for a scan of 3000.
    mkdirSync(join(root, 'slow'), { recursive: true });
    const slow = await serveQueries(store, join(root, 'slow'), { timeoutMs: 30, pageSize: 5 });
    const t = await new Promise<string>((resolve) => {
      const c = createConnection(slow.path);
      let out = '';
      c.setEncoding('utf8').on('data', (s: string) => {
        out += s;
      });
      c.on('connect', () => c.write('{"v":1,"lang":"kql","text":"process.name:nope"}\n'));
      c.on('close', () => resolve(out));
    });
    expect(t).toContain('"code":"D4C-QUERY-006"');
    expect(slow.stats().timedOut).toBe(1);
    await slow.close();
  }, 60_000);
});

describe('the query socket and ingest', () => {
  it('keeps committing documents while it serves a long query', async () => {
    const dir = join(root, 'busy');
    const store = await EventStore.open({ dir, flushIntervalMs: 50 });
    for (const d of docs) store.write(d, PROC);
    await store.flush();
    // Pages of 5 documents: 600 pages for the 3000 candidates, a yield between each.
    const server = await serveQueries(store, dir, { pageSize: 5 });
    let committedDuringQuery: boolean | undefined;
    const out = await new Promise<string>((resolve) => {
      const c = createConnection(server.path);
      let text = '';
      c.setEncoding('utf8').on('data', (s: string) => {
        const first = text === '';
        text += s;
        if (!first) return;
        // The query is answering: ingest 500 more (file events, which it does not match).
        for (let i = 0; i < 500; i++)
          store.write({ ...docs[i], event: { id: `late${i}`, category: ['file'], action: 'open' } }, PROC);
        void store.flush().then(() => {
          committedDuringQuery = !text.includes('!{"done"');
        });
      });
      c.on('connect', () =>
        c.write('{"v":1,"lang":"kql","text":"event.category:process","limit":1000000}\n'),
      );
      c.on('close', () => resolve(text));
    });
    const lines = out.split('\n').filter((l) => l.length > 0);
    expect(lines.at(-1)).toMatch(/^!\{"done":true/);
    expect(lines.length - 1).toBe(docs.filter((d) => d.event.category[0] === 'process').length);
    expect(committedDuringQuery).toBe(true);
    expect(store.stats().docsWritten).toBe(docs.length + 500);
    await server.close();
    await store.close();
  }, 60_000);
});

describe('d4c query when the holder of the store does not answer', () => {
  it('says so in one line when nothing listens on the socket, or it hangs up mid-query', async () => {
    const dir = join(root, 'held');
    const store = await EventStore.open({ dir });
    store.write(docs[0] as EcsDoc, PROC);
    await store.flush();
    try {
      // Locked, no socket: the store is in use and nobody serves queries.
      let r = await cli(['query', '--kql', 'process.name:curl', '--store', dir]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/D4C-QUERY-005|in use by another process and no agent serves queries/);
      expect(r.err).not.toMatch(/\n\s+at /);
      // A socket file nobody listens on (an agent killed with -9 leaves one).
      writeFileSync(querySocketPath(dir), '');
      r = await cli(['query', '--kql', 'process.name:curl', '--store', dir]);
      expect(r.code).toBe(1);
      expect(r.err).toContain('stopped answering');
      expect(r.err).toContain('nothing listens there');
      expect(r.err).not.toMatch(/\n\s+at /);
      rmSync(querySocketPath(dir));
      // Something that reads the request and hangs up (the agent dying mid-query).
      const rude = createServer((s) => s.once('data', () => s.destroy()));
      await new Promise<void>((res) => rude.listen(querySocketPath(dir), () => res()));
      r = await cli(['query', '--kql', 'process.name:curl', '--store', dir]);
      await new Promise<void>((res) => rude.close(() => res()));
      expect(r.code).toBe(1);
      expect(r.err).toContain('the connection closed before the query finished');
      expect(r.err).not.toMatch(/\n\s+at /);
    } finally {
      await store.close();
    }
  }, 60_000);
});
