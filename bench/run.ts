// `npm run bench [-- FILTER...]`: runs every bench/*.bench.ts (or those whose name contains a
// FILTER) in turn and prints ops/s with the ratio to each group's baseline.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchFn, BenchResult } from './harness.js';

function formatOps(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return n.toFixed(1);
}

export function formatTable(results: BenchResult[]): string {
  const rows: string[][] = [['group', 'name', 'ops/s', 'vs baseline']];
  for (const r of results) {
    const base = results.find((b) => b.group === r.group && b.baseline);
    const ratio =
      base === undefined ? '' : r === base ? 'baseline' : `${(r.opsPerSec / base.opsPerSec).toFixed(2)}x`;
    rows.push([r.group, r.name, formatOps(r.opsPerSec), ratio]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  return rows
    .map((row) =>
      row.map((cell, c) => (c >= 2 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  '),
    )
    .join('\n');
}

async function main(filters: string[]): Promise<number> {
  const dir = dirname(fileURLToPath(import.meta.url));
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
    .sort();
  if (files.length === 0) {
    console.error(`no bench/*.bench.ts matches ${filters.join(' ')}`);
    return 2;
  }
  console.log(`node ${process.version}, ${new Date().toISOString()}`);
  for (const f of files) {
    const mod = (await import(pathToFileURL(join(dir, f)).href)) as { default?: BenchFn };
    if (typeof mod.default !== 'function') {
      console.error(`${f}: no default export function`);
      return 1;
    }
    console.log(`\n# ${f}`);
    console.log(formatTable(await mod.default()));
  }
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main(process.argv.slice(2));
}
