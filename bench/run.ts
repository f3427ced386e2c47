// `npm run bench [-- [--smoke] FILTER...]`: runs every bench/*.bench.ts (or those whose name
// contains a FILTER) in turn and prints ops/s with the ratio to each group's baseline. --smoke
// runs each at a tiny size (bench/harness.ts `size`) and fails unless every one ran to the end
// with finite, positive figures: `npm run check` runs it so that a broken bench fails CI.
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

/** Why a bench's answer is not a table of results, or undefined when it is one. */
export function notResults(r: unknown): string | undefined {
  if (!Array.isArray(r)) return `returned ${r === null ? 'null' : typeof r}, not a list of results`;
  const bad = r.find(
    (x: Partial<BenchResult>) =>
      typeof x?.group !== 'string' ||
      typeof x.name !== 'string' ||
      typeof x.opsPerSec !== 'number' ||
      !Number.isFinite(x.opsPerSec) ||
      x.opsPerSec <= 0,
  );
  return bad === undefined ? undefined : `a result that is not finite and positive: ${JSON.stringify(bad)}`;
}

async function main(args: string[]): Promise<number> {
  const smoke = args.includes('--smoke');
  const filters = args.filter((a) => a !== '--smoke');
  // Before any bench is loaded: their sizes are read at load time.
  if (smoke) process.env.D4C_BENCH_SMOKE = '1';
  const dir = dirname(fileURLToPath(import.meta.url));
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
    .sort();
  if (files.length === 0) {
    console.error(`no bench/*.bench.ts matches ${filters.join(' ')}`);
    return 2;
  }
  console.log(`node ${process.version}, ${new Date().toISOString()}${smoke ? ', smoke (tiny sizes)' : ''}`);
  const t0 = performance.now();
  for (const f of files) {
    const mod = (await import(pathToFileURL(join(dir, f)).href)) as { default?: BenchFn };
    if (typeof mod.default !== 'function') {
      console.error(`${f}: no default export function`);
      return 1;
    }
    console.log(`\n# ${f}`);
    const t = performance.now();
    const results: unknown = await mod.default();
    const why = notResults(results);
    if (why !== undefined) {
      console.error(`${f}: ${why}`);
      return 1;
    }
    console.log(formatTable(results as BenchResult[]));
    if (smoke) console.log(`(${((performance.now() - t) / 1000).toFixed(1)} s)`);
  }
  if (smoke)
    console.log(
      `\nbench smoke: ${files.length} benches ran to the end in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main(process.argv.slice(2));
}
