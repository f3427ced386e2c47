// Test helper: runs `d4c ARGV...` through main() in this process, capturing what it writes to
// stdout and stderr (faster than spawning the binary; test/cli.ts does that).
import { vi } from 'vitest';
import { main } from '../src/cli/index.js';

export interface RunMainOptions {
  /** Make stdout look like a terminal this many columns wide (as `process.stdout` tells it). */
  terminal?: { columns: number };
}

export async function runMain(
  argv: string[],
  opts: RunMainOptions = {},
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out += String(s);
    return true;
  });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    err += String(s);
    return true;
  });
  const tty = Object.getOwnPropertyDescriptor(process.stdout, 'isTTY');
  const cols = Object.getOwnPropertyDescriptor(process.stdout, 'columns');
  if (opts.terminal) {
    Object.defineProperty(process.stdout, 'isTTY', { value: true, configurable: true });
    Object.defineProperty(process.stdout, 'columns', { value: opts.terminal.columns, configurable: true });
  }
  try {
    const code = await main(argv);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
    if (opts.terminal) {
      for (const [k, d] of [
        ['isTTY', tty],
        ['columns', cols],
      ] as const) {
        if (d) Object.defineProperty(process.stdout, k, d);
        else delete (process.stdout as unknown as Record<string, unknown>)[k];
      }
    }
  }
}
