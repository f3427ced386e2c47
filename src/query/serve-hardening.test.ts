// The query socket cannot be used to hurt the agent (issue 22, finding 3): the socket exists only
// with mode 0600, a client's short timeoutMs does not start a second query while the first still
// runs, idle connections are closed, the in-memory fallback is capped and says so, and no SQL
// reaches a file outside the store.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EventStore } from '../store/index.js';
import { gatedStore } from './gated-store.fixture.js';
import { querySocketPath, serveQueries } from './index.js';

const root = mkdtempSync(join(tmpdir(), 'd4c-serve-hard-'));
const PROC = 'logs-cloud_defend.process-default';
const docs = Array.from({ length: 300 }, (_, i) => ({
  '@timestamp': new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
  event: { id: `e${i}`, category: ['process'], action: 'exec' },
  process: { name: i % 2 ? 'sh' : 'curl', pid: i },
  data_stream: { type: 'logs', dataset: 'cloud_defend.process', namespace: `ns${i % 3}` },
}));

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

/** One request on a connection (or none: `line` undefined); everything the server answered. */
function ask(path: string, line?: string): Promise<string> {
  return new Promise((resolve) => {
    const c = createConnection(path);
    let out = '';
    c.setEncoding('utf8').on('data', (s: string) => {
      out += s;
    });
    c.on('connect', () => {
      if (line !== undefined) c.write(line);
    });
    c.on('close', () => resolve(out));
  });
}

describe('the query socket', () => {
  it('is created with mode 0600 whatever the umask (no chmod window after listen)', async () => {
    const dir = mkdtempSync(join(root, 'mode-'));
    const old = process.umask(0);
    let atCreation: number;
    let p: ReturnType<typeof serveQueries>;
    try {
      p = serveQueries(store, dir);
      // listen() binds synchronously: the socket exists now, before anything could chmod it.
      atCreation = statSync(querySocketPath(dir)).mode & 0o777;
    } finally {
      process.umask(old);
    }
    const server = await p;
    expect(atCreation.toString(8)).toBe('600');
    expect((statSync(server.path).mode & 0o777).toString(8)).toBe('600');
    await server.close();
  });

  it("holds a query's slot until it stops, whatever timeoutMs the client asks for", async () => {
    // A store whose reads wait at a gate the test opens: the first query is stuck in its first page.
    const gated = gatedStore(store);
    const server = await serveQueries(gated, mkdtempSync(join(root, 'slots-')), {
      maxWaiting: 1,
      pageSize: 5,
    });
    const first = await ask(server.path, '{"v":1,"lang":"kql","text":"process.name:sh","timeoutMs":1000}\n');
    expect(first).toContain('"code":"D4C-QUERY-006"');
    expect(gated.reads).toBe(1);
    // The first query still runs (it waits at the gate): the next one waits, the one after is refused.
    const second = ask(server.path, '{"v":1,"lang":"kql","text":"process.name:curl","limit":3}\n');
    await vi.waitFor(() => expect(server.stats().waiting).toBe(1), { timeout: 5000 });
    const third = await ask(server.path, '{"v":1,"lang":"kql","text":"process.name:curl"}\n');
    expect(third).toContain('"code":"D4C-QUERY-011"');
    expect(gated.reads).toBe(1);
    gated.open();
    const out = (await second).split('\n').filter((l) => l.length > 0);
    expect(out.length).toBe(4);
    expect(out.at(-1)).toMatch(/^!\{"done":true/);
    expect(server.stats()).toMatchObject({ timedOut: 1, refused: 1, served: 1, waiting: 0 });
    await server.close();
  });

  it('closes a connection that sends no request in time', async () => {
    const server = await serveQueries(store, mkdtempSync(join(root, 'idle-')), { idleMs: 100 });
    const silent = await ask(server.path);
    expect(silent).toContain('"code":"D4C-QUERY-007"');
    expect(silent).toContain('none within 100 ms');
    const partial = await ask(server.path, '{"v":1,');
    expect(partial).toContain('none within 100 ms');
    expect(server.stats().idleClosed).toBe(2);
    await server.close();
  });

  it('caps the in-memory ES|QL fallback for served queries, and says so', async () => {
    const server = await serveQueries(store, mkdtempSync(join(root, 'cap-')), { fallbackMaxDocs: 100 });
    // data_stream.namespace is not a promoted column: STATS over it runs in memory.
    const out = await ask(
      server.path,
      '{"v":1,"lang":"esql","text":"FROM logs-* | STATS c = COUNT(*) BY data_stream.namespace | SORT data_stream.namespace"}\n',
    );
    const lines = out.split('\n').filter((l) => l.length > 0);
    const rows = lines.filter((l) => !l.startsWith('!')).map((l) => JSON.parse(l) as { c: number });
    expect(rows.reduce((n, r) => n + r.c, 0)).toBe(100);
    expect(out).toContain('only the first 100 matching documents were read');
    expect(lines.at(-1)).toContain('"fetched":100');
    await server.close();
  });
});

describe("the store's DuckDB", () => {
  it('reaches no file outside the store directory (external access off)', async () => {
    for (const q of [
      "SELECT * FROM read_text('/etc/hostname')",
      "SELECT * FROM read_csv('/etc/passwd')",
      `COPY (SELECT 1) TO '${join(root, 'out.csv')}'`,
      `ATTACH '${join(root, 'other.duckdb')}' AS other`,
    ])
      await expect(store.sql(q)).rejects.toThrow(/file system operations are disabled/);
    expect(await store.sql('SELECT count(*) AS n FROM events')).toEqual([{ n: 300 }]);
  });
});
