// Test helper: runs `d4c ARGV...` through main() in this process, capturing what it writes to
// stdout and stderr (faster than spawning the binary; test/cli.ts does that).
import { vi } from 'vitest';
import { main } from '../src/cli/main.js';

export async function runMain(argv: string[]): Promise<{ code: number; out: string; err: string }> {
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
  try {
    const code = await main(argv);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}
