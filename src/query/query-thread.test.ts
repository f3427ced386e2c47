// Served queries run where they cannot hurt the agent (issue 22, finding 3): their JavaScript
// runs in a worker with a heap limit and a deadline that terminates it. A query that exhausts
// the worker's heap, or one stuck in its own computation, gets a bounded error line with a
// D4C-QUERY code; this thread keeps running meanwhile, and the next query is served.
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EventStore } from '../store/index.js';
import { gatedStore } from './gated-store.fixture.js';
import { serveQueries } from './index.js';

const root = mkdtempSync(join(tmpdir(), 'd4c-query-thread-'));
const PROC = 'logs-cloud_defend.process-default';
// 150 distinct arguments: grouping by three copies of them puts each document in 150³ groups.
const args = Array.from({ length: 150 }, (_, i) => `a${i}`);
const docs = Array.from({ length: 20 }, (_, i) => ({
  '@timestamp': new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
  event: { id: `e${i}`, category: ['process'], action: 'exec' },
  process: { name: i % 2 ? 'sh' : 'curl', pid: i, args },
  data_stream: { type: 'logs', dataset: 'cloud_defend.process', namespace: 'default' },
}));
const EXPLODE =
  'FROM logs-* | EVAL a = process.args, b = process.args, c = process.args | STATS n = COUNT(*) BY a, b, c';

let store: EventStore;
beforeAll(async () => {
  store = await EventStore.open({ dir: join(root, 'store') });
  for (const d of docs) store.write(d, PROC);
  await store.flush();
});
afterAll(async () => {
  await store.close();
  rmSync(root, { recursive: true, force: true });
});

function ask(path: string, req: object): Promise<string[]> {
  return new Promise((resolve) => {
    const c = createConnection(path);
    let out = '';
    c.setEncoding('utf8').on('data', (s: string) => {
      out += s;
    });
    c.on('connect', () => c.write(`${JSON.stringify({ v: 1, ...req })}\n`));
    c.on('close', () => resolve(out.split('\n').filter((l) => l.length > 0)));
  });
}

/** Counts this thread's turns while `p` runs: a blocked event loop would count none. */
async function ticksDuring<T>(p: Promise<T>): Promise<{ value: T; ticks: number }> {
  let ticks = 0;
  const t = setInterval(() => ticks++, 5);
  try {
    return { value: await p, ticks };
  } finally {
    clearInterval(t);
  }
}

describe('served queries in a worker', () => {
  it('stops a query that exhausts the worker heap with a bounded error, then serves the next', async () => {
    const server = await serveQueries(store, mkdtempSync(join(root, 'heap-')), {
      maxHeapMb: 32,
      fallbackMaxDocs: 100,
    });
    try {
      const { value: out, ticks } = await ticksDuring(ask(server.path, { lang: 'esql', text: EXPLODE }));
      expect(out).toHaveLength(1);
      expect(JSON.parse((out[0] as string).slice(1))).toEqual({
        error: {
          code: 'D4C-QUERY-012',
          message: 'the query needed more than the 32 MB of memory a served query may use; it was stopped',
        },
      });
      expect(ticks).toBeGreaterThan(0);
      const next = await ask(server.path, { lang: 'kql', text: 'process.name:sh', limit: 2 });
      expect(next).toHaveLength(3);
      expect(next.at(-1)).toMatch(/^!\{"done":true/);
      expect(server.stats()).toMatchObject({ outOfMemory: 1, served: 1, failed: 0, workers: 2 });
    } finally {
      await server.close();
    }
  });

  it('terminates a query stuck past its deadline in its own computation, then serves the next', async () => {
    // testSpin (test-only): the first worker spins without yielding after its first store read,
    // which no yield between pages could interrupt; only terminating the worker stops it.
    const server = await serveQueries(store, mkdtempSync(join(root, 'spin-')), {
      testSpin: true,
      timeoutMs: 300,
    });
    try {
      const { value: out, ticks } = await ticksDuring(
        ask(server.path, { lang: 'kql', text: 'process.name:sh' }),
      );
      expect(out).toEqual(['!{"error":{"code":"D4C-QUERY-006","message":"query timed out after 300 ms"}}']);
      expect(ticks).toBeGreaterThan(0);
      const next = await ask(server.path, { lang: 'kql', text: 'process.name:curl', limit: 2 });
      expect(next.map((l) => (l.startsWith('!') ? l.slice(0, 14) : JSON.parse(l).process.name))).toEqual([
        'curl',
        'curl',
        '!{"done":true,',
      ]);
      expect(server.stats()).toMatchObject({ timedOut: 1, served: 1, workers: 2 });
    } finally {
      await server.close();
    }
  });

  it('stops the query of a client that went away at its next read, keeping its worker', async () => {
    const gated = gatedStore(store);
    const server = await serveQueries(gated, mkdtempSync(join(root, 'gone-')), { pageSize: 2 });
    try {
      const c = createConnection(server.path);
      c.on('connect', () => c.write('{"v":1,"lang":"kql","text":"process.name:sh"}\n'));
      await vi.waitFor(() => expect(gated.reads).toBe(1), { timeout: 30_000 });
      c.destroy();
      await vi.waitFor(() => expect(server.stats().waiting).toBe(0));
      gated.open();
      await vi.waitFor(() => expect(server.stats().failed).toBe(1), { timeout: 30_000 });
      // Its first read came back after the client left; the next one was refused, not made.
      expect(gated.reads).toBe(1);
      const next = await ask(server.path, { lang: 'kql', text: 'process.name:curl', limit: 1 });
      expect(next.at(-1)).toMatch(/^!\{"done":true/);
      expect(server.stats()).toMatchObject({ served: 1, failed: 1, timedOut: 0, workers: 1 });
    } finally {
      await server.close();
    }
  });
});
