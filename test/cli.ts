// Runs the real `d4c` entry (bin/d4c.js) from the repository root, as users do.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
export const BIN = join(ROOT, 'bin/d4c.js');

export function runCli(args: string[], input?: string): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', input, cwd: ROOT });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
