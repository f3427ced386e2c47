// Shared helpers for the Elasticsearch output tests.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tmp(prefix = 'd4c-es-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function doc(i: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    '@timestamp': new Date(1_700_000_000_000 + i).toISOString(),
    event: {
      id: `ev-${i}`,
      kind: 'event',
      category: ['process'],
      action: 'exec',
      dataset: 'cloud_defend.process',
    },
    process: { pid: i, name: 'sh', args: ['sh', '-c', `echo ${i}`] },
    ...extra,
  };
}

export async function until(cond: () => boolean, timeoutMs = 20_000, stepMs = 20): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
