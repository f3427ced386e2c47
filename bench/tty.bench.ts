// Cost of terminal-output capture (issue 17). Write storm: a container-like process (new pid and
// mount namespaces) makes N one-byte writes to /dev/null, a character device that is no terminal.
// Twice: without a controlling terminal (a server writing its logs: the common case, the check
// stops at the first load) and with one (under script(1): the worst case, the check reads the
// fd's inode before it says no). Timed with the default sensor without terminal capture
// (--no-tty-output: write's exit program, shared with DNS capture, runs without the tty check;
// writev's is not attached) and with it, in turns (CYCLES times, a fresh sensor each time); the
// storm's own CPU time (user + system, where the eBPF programs are charged) counts. Reported: the
// ratio of the medians and the median of the per-turn ratios (a turn's two runs are close in time,
// so they share the machine's load), with the load average. The bound: within 1.03x.
// Cat: one process writes 10 MiB to its terminal; the real batching (src/agent/tty-output.ts,
// default cap 512 KiB) keeps up to the cap and counts the rest: the figures say how much.
// Root and the built sensor are needed.
// Standalone: `npx tsx bench/tty.bench.ts` (D4C_BENCH_WRITES, D4C_BENCH_CYCLES, D4C_BENCH_REPS).
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { TTY_DEFAULTS, TtyOutput } from '../src/agent/index.js';
import type { ProcessEntry } from '../src/process/index.js';
import { type SensorEvent, startSensor } from '../src/sensor/index.js';
import { type BenchResult, size } from './harness.js';

const SRC = fileURLToPath(new URL('../test/sensor/fsops.c', import.meta.url));
const N = Number(process.env.D4C_BENCH_WRITES ?? size(300_000, 2000));
const CYCLES = Number(process.env.D4C_BENCH_CYCLES ?? size(5, 1));
// Storms per sensor start; a turn's figure is their median (the sensor's start costs more than a storm).
const REPS = Number(process.env.D4C_BENCH_REPS ?? size(3, 1));
const CAT = size(10 << 20, 64 << 10);

const pexec = promisify(execFile);
const secs = (m: string, s: string) => Number(m) * 60 + Number(s);

/** CPU seconds of the storm (bash `times` for its children), under a pty in a pid namespace. */
async function storm(bin: string, args: string, mode: 'no-tty' | 'tty' | 'to-tty'): Promise<number> {
  const redirect = mode === 'to-tty' ? '' : ' >/dev/null';
  const line = `bash -c 'unshare --fork --pid --mount-proc ${bin} ${args}${redirect}; times'`;
  // setsid: a new session without a controlling terminal; script: one with a pty.
  const [cmd, argv] =
    mode === 'no-tty' ? ['setsid', ['-w', 'sh', '-c', line]] : ['script', ['-qec', line, '/dev/null']];
  const { stdout } = await pexec(cmd, argv as string[], { maxBuffer: 64 << 20 });
  const m = /(\d+)m([\d.]+)s (\d+)m([\d.]+)s\s*$/.exec(stdout.trim());
  if (!m) throw new Error(`tty bench: no times in ${JSON.stringify(stdout)}`);
  return secs(m[1]!, m[2]!) + secs(m[3]!, m[4]!);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** The median of the per-turn ratios with[i] / without[i]. */
const turnRatio = (w: number[], wo: number[]) => median(w.map((x, i) => x / wo[i]!));
const load = () => loadavg().map((l) => Math.round(l * 10) / 10);

async function withSensor(ttyOutput: boolean, run: () => Promise<number>, onTty?: (e: SensorEvent) => void) {
  const sensor = startSensor({ ttyOutput });
  let records = 0;
  sensor.on('event', (e: SensorEvent) => {
    if (e.kind !== 'tty') return;
    records++;
    onTty?.(e);
  });
  try {
    await sensor.ready;
    const s = await run();
    const k = (await sensor.stats()).kernel;
    return { s, records, lost: k.ringFull.tty };
  } finally {
    await sensor.stop();
  }
}

/** The median CPU seconds of REPS storms. */
async function reps(run: () => Promise<number>): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < REPS; i++) xs.push(await run());
  return median(xs);
}

export default async function bench(): Promise<BenchResult[]> {
  if (process.getuid?.() !== 0) {
    process.stderr.write('tty bench: needs root (skipped)\n');
    return [];
  }
  execFileSync(fileURLToPath(new URL('../scripts/build-bpf.sh', import.meta.url)), { stdio: 'pipe' });
  const dir = mkdtempSync(join(tmpdir(), 'd4c-tty-bench-'));
  const bin = join(dir, 'fsops');
  try {
    execFileSync('cc', ['-O2', '-o', bin, SRC]);
    const args = `writestorm ${N}`;
    await storm(bin, args, 'no-tty'); // warm-up
    const loadStart = load();
    const off: number[] = [];
    const on: number[] = [];
    const offTty: number[] = [];
    const onTty: number[] = [];
    let stormRecords = 0;
    for (let c = 0; c < CYCLES; c++) {
      off.push((await withSensor(false, () => reps(() => storm(bin, args, 'no-tty')))).s);
      const w = await withSensor(true, () => reps(() => storm(bin, args, 'no-tty')));
      on.push(w.s);
      offTty.push((await withSensor(false, () => reps(() => storm(bin, args, 'tty')))).s);
      const wt = await withSensor(true, () => reps(() => storm(bin, args, 'tty')));
      onTty.push(wt.s);
      stormRecords += w.records + wt.records;
    }
    // The cat: what the agent's batching keeps of it, with its default cap.
    const batches: { captured: number; skipped: number; exceeded: boolean }[] = [];
    const out = new TtyOutput(TTY_DEFAULTS, (b) => batches.push(b));
    const entries = new Map<number, ProcessEntry>();
    const t0 = process.hrtime.bigint();
    const cat = await withSensor(
      true,
      () => storm(bin, `ttybig ${CAT}`, 'to-tty'),
      (e) => {
        if (e.kind !== 'tty') return;
        let en = entries.get(e.tgid);
        if (!en) {
          en = { pid: e.tgid } as unknown as ProcessEntry;
          entries.set(e.tgid, en);
        }
        out.onWrite(en, e, Date.now());
      },
    );
    out.flushAll();
    const catS = Number(process.hrtime.bigint() - t0) / 1e9;
    const captured = batches.reduce((n, b) => n + b.captured, 0);
    const skipped = batches.reduce((n, b) => n + b.skipped, 0);
    const rows = {
      writes: N,
      cycles: CYCLES,
      stormsPerTurn: REPS,
      sensorNoTtyCpuS: off,
      sensorTtyCpuS: on,
      ratioTtyVsNoTty: median(on) / median(off),
      turnRatioTtyVsNoTty: turnRatio(on, off),
      withTerminalNoTtyCpuS: offTty,
      withTerminalTtyCpuS: onTty,
      withTerminalRatio: median(onTty) / median(offTty),
      withTerminalTurnRatio: turnRatio(onTty, offTty),
      load1m5m15mStartEnd: [loadStart, load()],
      stormTtyRecords: stormRecords,
      catBytes: CAT,
      catCaptured: captured,
      catSkipped: skipped,
      catAccounted: captured + skipped,
      catCapped: batches.some((b) => b.exceeded),
      catRecords: cat.records,
      catRecordsLost: cat.lost,
      catWallS: catS,
    };
    process.stderr.write(`tty bench: ${JSON.stringify(rows)}\n`);
    const g = `write storm: ${N} one-byte writes to /dev/null in a pid namespace, no controlling terminal (per CPU second)`;
    const gt = `write storm: ${N} one-byte writes to /dev/null in a pid namespace, with a controlling terminal (per CPU second)`;
    const gc = `cat of ${CAT} bytes to a terminal (bytes per wall second, sensor + batching)`;
    return [
      {
        group: g,
        name: 'sensor without terminal capture (--no-tty-output)',
        opsPerSec: N / median(off),
        baseline: true,
      },
      { group: g, name: 'sensor with terminal capture', opsPerSec: N / median(on) },
      {
        group: gt,
        name: 'sensor without terminal capture (--no-tty-output)',
        opsPerSec: N / median(offTty),
        baseline: true,
      },
      { group: gt, name: 'sensor with terminal capture', opsPerSec: N / median(onTty) },
      { group: gc, name: 'captured up to the cap, rest counted', opsPerSec: CAT / catS, baseline: true },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await bench()) process.stdout.write(`${JSON.stringify(r)}\n`);
}
