// Production runtime (issue 19): the CLI as compiled JavaScript (what the image runs,
// `node dist/cli/main.js`) against the development launcher `bin/d4c.js`, which compiles the
// TypeScript through tsx at every start. Both run the same command (`d4c policy default`: the CLI,
// the policy module and YAML load, nothing privileged), alternated ROUNDS times; medians of the
// wall time to exit and of the peak RSS (GNU time's %M). The compiled tree is the src/ module
// graph transpiled one file per file by esbuild into node_modules/.cache (inside the repository,
// so that packages resolve as from dist/): the same JavaScript tsc emits, without tsc's
// type-check time, so the bench stays quick.
// Standalone: `npm run bench -- startup` (D4C_BENCH_STARTS).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { type BenchResult, size } from './harness.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ROUNDS = Number(process.env.D4C_BENCH_STARTS ?? size(9, 1));
const COMMAND = ['policy', 'default'];

function sources(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (relative(join(ROOT, 'src'), p) !== join('console', 'ui')) sources(p, out);
    } else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.fixture.ts')) {
      out.push(p);
    }
  }
  return out;
}

/** One start: wall seconds and peak RSS (MiB), or an error naming the run. */
function start(argv: string[]): { s: number; mib: number } {
  const t = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', ...argv, ...COMMAND], { cwd: ROOT, encoding: 'utf8' });
  const s = (performance.now() - t) / 1000;
  const kb = Number(/(\d+)\s*$/.exec(r.stderr)?.[1]);
  if (r.status !== 0 || !r.stdout.includes('selectors') || !Number.isFinite(kb))
    throw new Error(`startup bench: ${argv.join(' ')} failed (${r.status}): ${r.stderr.slice(-300)}`);
  return { s, mib: kb / 1024 };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

export default async function bench(): Promise<BenchResult[]> {
  if (!existsSync('/usr/bin/time')) {
    process.stderr.write('startup bench: needs GNU time (/usr/bin/time; Debian package time) (skipped)\n');
    return [];
  }
  const out = join(ROOT, 'node_modules', '.cache', `d4c-startup-bench-${process.pid}`);
  try {
    await build({
      entryPoints: sources(join(ROOT, 'src')),
      outdir: out,
      outbase: join(ROOT, 'src'),
      format: 'esm',
      platform: 'node',
      target: 'node20',
      logLevel: 'error',
    });
    mkdirSync(join(out, 'container'), { recursive: true });
    cpSync(join(ROOT, 'src', 'container', 'proto'), join(out, 'container', 'proto'), { recursive: true });
    const compiled = ['node', join(out, 'cli', 'main.js')];
    const tsx = ['node', join(ROOT, 'bin', 'd4c.js')];
    start(compiled); // warm-up: page cache, esbuild's service for tsx
    start(tsx);
    const runs = { compiled: [] as { s: number; mib: number }[], tsx: [] as { s: number; mib: number }[] };
    for (let i = 0; i < ROUNDS; i++) {
      runs.tsx.push(start(tsx));
      runs.compiled.push(start(compiled));
    }
    const m = (k: 'compiled' | 'tsx', f: 's' | 'mib') => median(runs[k].map((r) => r[f]));
    process.stderr.write(
      `startup: d4c ${COMMAND.join(' ')}: compiled ${m('compiled', 's').toFixed(3)} s, ${m('compiled', 'mib').toFixed(0)} MiB; ` +
        `tsx ${m('tsx', 's').toFixed(3)} s, ${m('tsx', 'mib').toFixed(0)} MiB (medians of ${ROUNDS})\n`,
    );
    const g = `start-up: d4c ${COMMAND.join(' ')} (starts per second, median of ${ROUNDS})`;
    const gm = `start-up: peak RSS (starts per GiB of RSS, median of ${ROUNDS})`;
    return [
      { group: g, name: 'bin/d4c.js (tsx, development)', opsPerSec: 1 / m('tsx', 's'), baseline: true },
      { group: g, name: 'compiled JavaScript (the image)', opsPerSec: 1 / m('compiled', 's') },
      { group: gm, name: 'bin/d4c.js (tsx, development)', opsPerSec: 1024 / m('tsx', 'mib'), baseline: true },
      { group: gm, name: 'compiled JavaScript (the image)', opsPerSec: 1024 / m('compiled', 'mib') },
    ];
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
