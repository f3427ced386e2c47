// The store is root's alone whatever the umask: a 0700 directory, 0600 files (database, WAL,
// batch files), and a warning for an existing directory others can read.
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventStore, storeDirWarning } from './index.js';

const mode = (p: string) => statSync(p).mode & 0o777;
let root: string | undefined;
let umask: number | undefined;

afterEach(() => {
  if (umask !== undefined) process.umask(umask);
  umask = undefined;
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

describe('store file modes', () => {
  it('creates the directory 0700 and its files 0600 under a permissive umask', async () => {
    root = mkdtempSync(join(tmpdir(), 'd4c-store-modes-'));
    chmodSync(root, 0o755);
    umask = process.umask(0o022);
    const dir = join(root, 'a', 'store');
    const store = await EventStore.open({ dir });
    await store.write(
      {
        '@timestamp': new Date().toISOString(),
        event: { id: 'e1', kind: 'event', category: ['process'], action: 'exec' },
        data_stream: { type: 'logs', dataset: 'cloud_defend.process', namespace: 'default' },
      } as never,
      'logs-cloud_defend.process-default',
    );
    await store.flush();
    expect(mode(dir)).toBe(0o700);
    expect(mode(join(root, 'a'))).toBe(0o700);
    const files = readdirSync(dir);
    expect(files).toContain('events.duckdb');
    for (const f of files) expect([f, mode(join(dir, f)) & 0o077]).toEqual([f, 0]);
    await store.close();
  });

  it('warns about an existing directory others can read, not about a private one', () => {
    root = mkdtempSync(join(tmpdir(), 'd4c-store-modes-'));
    const open = join(root, 'open');
    mkdirSync(open);
    chmodSync(open, 0o755);
    expect(storeDirWarning(open)).toBe(
      `store directory ${open} has mode 0755: other users may read the stored events (chmod 700 ${open})`,
    );
    chmodSync(open, 0o700);
    expect(storeDirWarning(open)).toBeUndefined();
    expect(storeDirWarning(join(root, 'missing'))).toBeUndefined();
  });
});
