// kill -9 of a process mid-write leaves a store that opens, holds every batch it reported
// committed, and no partial batch (DuckDB's WAL + one transaction per batch).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EventStore } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'd4c-crash-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const BATCH = 4000;

/** Starts the writer, waits for `minBatches` reported commits plus a random delay, SIGKILLs it. */
async function writeAndKill(first: number, minBatches: number, threshold?: string): Promise<number[]> {
  const script = join(import.meta.dirname, 'crash-writer.fixture.ts');
  const args = [
    '--import',
    'tsx',
    script,
    dir,
    String(BATCH),
    String(first),
    ...(threshold ? [threshold] : []),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const committed: number[] = [];
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  let ready = false;
  await new Promise<void>((resolve, reject) => {
    let buf = '';
    child.stdout?.on('data', (d) => {
      buf += d;
      let nl = buf.indexOf('\n');
      while (nl >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line === 'ready') ready = true;
        const m = /^committed (\d+)$/.exec(line);
        if (m) committed.push(Number(m[1]));
        if (committed.length === minBatches) setTimeout(resolve, Math.floor(Math.random() * 400));
        nl = buf.indexOf('\n');
      }
    });
    child.on('exit', (code) => reject(new Error(`writer exited early (${code}): ${stderr}`)));
  });
  expect(ready).toBe(true);
  // While the writer holds the store, another process cannot open it, and says why.
  if (first === 0) await expect(EventStore.open({ dir })).rejects.toMatchObject({ code: 'D4C-STORE-001' });
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
  return [...committed];
}

describe('event store: crash safety', () => {
  it('survives SIGKILL mid-write (including mid-checkpoint) with only whole batches', async () => {
    const reported: number[] = [];
    let next = 0;
    // Round 2 checkpoints every ~1 MB of WAL so the kill often lands inside a checkpoint.
    for (const threshold of [undefined, '1MB', undefined]) {
      const got = await writeAndKill(next, 3, threshold);
      reported.push(...got);
      // Killed uncleanly: the WAL is still there for DuckDB to replay (unless a checkpoint just ran).
      if (threshold === undefined) expect(existsSync(join(dir, 'events.duckdb.wal'))).toBe(true);
      const store = await EventStore.open({ dir });
      const rows = await store.aggregate({
        groupBy: ['labels.batch'],
        metrics: [{ op: 'count' }, { op: 'count_distinct', field: 'event.id' }],
        limit: 100_000,
      });
      const present = rows.map((r) => Number(r['labels.batch'])).sort((a, b) => a - b);
      for (const r of rows) {
        expect(r.count).toBe(BATCH); // never a partial batch
        expect(r['count_distinct(event.id)']).toBe(BATCH); // never a duplicate
      }
      for (const b of reported) expect(present).toContain(b); // nothing reported committed is lost
      // At most the one batch in flight when killed may be there without having been reported.
      const extra = present.filter((b) => !reported.includes(b));
      expect(extra.length).toBeLessThanOrEqual(1);
      // Every stored row reads back whole: valid JSON, every column scannable.
      const [check] = await store.sql(
        `SELECT count(*) AS n, count(*) FILTER (WHERE json_valid(doc)) AS valid,
           count(DISTINCT _seq) AS seqs, sum(length(doc)) > 0 AS scanned FROM events`,
      );
      expect(check).toEqual({
        n: present.length * BATCH,
        valid: present.length * BATCH,
        seqs: present.length * BATCH,
        scanned: true,
      });
      await store.close();
      next = Math.max(...present, ...reported) + 1;
    }
    expect(reported.length).toBeGreaterThanOrEqual(9);
  }, 90_000);
});
