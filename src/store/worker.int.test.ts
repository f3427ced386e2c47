// The store worker (`worker: true`) as seen from another process: SIGKILL of a writer mid-commit
// leaves only whole, reported batches, and a process that forgets close() still exits. The
// in-process tests of the worker are in worker.test.ts.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EventStore } from './index.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'd4c-worker-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('event store worker', () => {
  it('survives SIGKILL mid-commit with only whole, reported batches', async () => {
    const dir = tmp();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'crash-writer.fixture.ts'), dir, '3000', '0'],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, D4C_STORE_WORKER: '1' } },
    );
    const committed: number[] = [];
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        for (const m of String(d).matchAll(/committed (\d+)/g)) committed.push(Number(m[1]));
        if (committed.length >= 3) resolve();
      });
      child.on('exit', (c) => reject(new Error(`writer exited early (${c})`)));
    });
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    const store = await EventStore.open({ dir, worker: true });
    const rows = await store.aggregate({ groupBy: ['labels.batch'], metrics: [{ op: 'count' }] });
    const present = rows.map((r) => Number(r['labels.batch']));
    for (const r of rows) expect(r.count).toBe(3000);
    for (const b of committed) expect(present).toContain(b);
    expect(present.filter((b) => !committed.includes(b)).length).toBeLessThanOrEqual(1);
    await store.close();
  }, 60_000);

  it('does not keep a process alive that forgets close()', async () => {
    const dir = tmp();
    const code = `
      import { EventStore } from ${JSON.stringify(join(import.meta.dirname, 'index.ts'))};
      const store = await EventStore.open({ dir: ${JSON.stringify(dir)}, worker: true });
      store.write({ event: { id: 'x' } }, 'logs-cloud_defend.process-default');
      await store.flush();
      console.log('flushed', store.stats().docsWritten);
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const exit = await new Promise<number | null>((r) => child.on('exit', r));
    clearTimeout(timer);
    expect(stdout.trim()).toBe('flushed 1');
    expect(exit).toBe(0);
    // The store it left open (unclosed, as after a crash) reopens with the document.
    const store = await EventStore.open({ dir });
    expect(await store.sql('SELECT count(*) AS n FROM events')).toEqual([{ n: 1 }]);
    await store.close();
  });
});
