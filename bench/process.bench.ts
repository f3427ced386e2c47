// Process table benchmark: event throughput through onFork/onExec/onExit/snapshot against a
// baseline of plain Map set/get doing the same lookups in the same run, and the memory of
// 10,000 live processes. Standalone: `npx tsx bench/process.bench.ts`.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { ExecRecord, ExitRecord, ForkRecord, TaskFacts } from '../src/process/index.js';
import { ProcessTable } from '../src/process/index.js';
import { type BenchResult, size } from './harness.js';

const LIVE = size(10_000, 100);
const POOL = 4096; // churn pids, reused cycle after cycle (pid reuse exercised)
const CYCLES = size(200_000, 2000);
const STEP_NS = 50_000;
const RUNS = size(5, 1); // 20k process lifetimes per second of event time

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function facts(tgid: number, ppid: number, startNs: number, comm: string): TaskFacts {
  // One literal: every task object has the same shape, as a sensor decoder would make them.
  return {
    tgid,
    tid: tgid,
    ppid,
    pgid: ppid,
    sid: ppid,
    vpid: tgid,
    startNs,
    ruid: 1000,
    euid: 1000,
    suid: 1000,
    rgid: 1000,
    egid: 1000,
    sgid: 1000,
    capEff: 0n,
    capPrm: 0n,
    ttyMajor: 0,
    ttyMinor: 0,
    cgroupId: 4242,
    cgroupPath: '/libpod_parent/libpod-e525393bde1cee5eac0a5d5af6aeff0a920683c78f5239360ef69477b011e3b4',
    pidNsInum: 4026532252,
    mntNsInum: 4026532249,
    comm,
  };
}

const EXES = Array.from({ length: 50 }, (_, i) => `/usr/bin/tool${i}`);

function liveExec(i: number): ExecRecord {
  const pid = 1000 + i;
  const task = facts(pid, 1, 1e9 + i * 1000.5, 'app');
  task.sid = pid;
  task.pgid = pid;
  const exe = EXES[i % EXES.length]!;
  return {
    task,
    timeNs: 1.5e9,
    filename: exe,
    argv: [exe, '--worker', String(i), '--config=/etc/app/app.yaml'],
    cwd: '/srv/app',
  };
}

interface Cycle {
  task: TaskFacts;
  fork: ForkRecord;
  exec: ExecRecord;
  exit: ExitRecord;
}

function cyclePool(): Cycle[] {
  const pool: Cycle[] = [];
  for (let k = 0; k < POOL; k++) {
    const pid = 20_000 + k;
    const task = facts(pid, 1000 + ((k * 7) % LIVE), 0.5, 'sh');
    pool.push({
      task,
      fork: { task, timeNs: 0.5 },
      exec: { task, timeNs: 0.5, filename: '/bin/true', argv: ['true', String(k)], cwd: '/srv/app' },
      exit: { task, timeNs: 0.5, exitCode: 0 },
    });
  }
  return pool;
}

function setTimes(c: Cycle, startNs: number): void {
  c.task.startNs = startNs;
  c.fork.timeNs = startNs;
  c.exec.timeNs = startNs + 1000;
  c.exit.timeNs = startNs + 2000;
}

interface BaseEntry {
  pid: number;
  ppid: number;
  startNs: number;
  executable: string;
  args: readonly string[];
  endNs: number;
}

/** The least a process table must do: one Map set per fork, gets for exec, snapshot and exit. */
function runBaseline(pool: Cycle[]): number {
  const map = new Map<number, BaseEntry>();
  for (let i = 0; i < LIVE; i++) {
    const r = liveExec(i);
    map.set(r.task.tgid, {
      pid: r.task.tgid,
      ppid: 1,
      startNs: 0,
      executable: r.filename,
      args: r.argv,
      endNs: -1,
    });
  }
  let sink = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < CYCLES; i++) {
    const c = pool[i % POOL]!;
    const start = 2e9 + i * STEP_NS;
    setTimes(c, start);
    const p = map.get(c.task.ppid);
    map.set(c.task.tgid, {
      pid: c.task.tgid,
      ppid: c.task.ppid,
      startNs: start,
      executable: p ? p.executable : '',
      args: p ? p.args : [],
      endNs: -1,
    });
    const e = map.get(c.task.tgid)!;
    e.executable = c.exec.filename;
    e.args = c.exec.argv;
    sink += map.get(e.ppid)!.pid; // "snapshot": process + parent
    const x = map.get(c.task.tgid)!;
    x.endNs = start + 2000;
    sink += map.get(x.ppid)!.pid;
  }
  const ns = Number(process.hrtime.bigint() - t0);
  if (sink === 42) console.log('');
  return ns;
}

function runTable(pool: Cycle[], snapshots = true): { ns: number; table: ProcessTable } {
  const table = new ProcessTable({
    agentId: 'bench',
    lazyFillPerSecond: 0,
    bootTimeMs: 1.7e12,
    cgroup2Root: '',
  });
  for (let i = 0; i < LIVE; i++) table.onExec(liveExec(i));
  let sink = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < CYCLES; i++) {
    const c = pool[i % POOL]!;
    setTimes(c, 2e9 + i * STEP_NS);
    table.onFork(c.fork);
    const e = table.onExec(c.exec);
    if (snapshots) sink += table.snapshot(e)!.args_count;
    table.onExit(c.exit);
    if (snapshots) sink += table.snapshot(e)!.pid;
  }
  const ns = Number(process.hrtime.bigint() - t0);
  if (sink === 42) console.log('');
  return { ns, table };
}

function memoryOf10k(): { heapBytes: number; rssBytes: number; rssAfter: number } {
  gc();
  gc();
  const before = process.memoryUsage();
  const table = new ProcessTable({
    agentId: 'bench',
    lazyFillPerSecond: 0,
    bootTimeMs: 1.7e12,
    cgroup2Root: '',
  });
  for (let i = 0; i < LIVE; i++) {
    // Exec'd services with their own args, each with a forked child sharing its image.
    const r = liveExec(i);
    table.onExec(r);
    if (i % 2 === 0) table.onFork({ task: facts(50_000 + i, r.task.tgid, 1.6e9 + i, 'app'), timeNs: 2e9 });
    table.snapshot(r.task.tgid); // entity id and start string cached as in real use
  }
  gc();
  gc();
  const after = process.memoryUsage();
  if (table.stats().live !== LIVE * 1.5) throw new Error('bench: table lost processes');
  const heapBytes = after.heapUsed - before.heapUsed;
  return {
    heapBytes,
    rssBytes: after.rss - before.rss,
    rssAfter: after.rss,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

export interface ProcessBenchResult {
  name: string;
  cycles: number;
  eventsPerCycle: string;
  baselineOpsPerSec: number;
  tableCyclesPerSec: number;
  tableEventsPerSec: number;
  /** How many times slower than plain Map set/get: table time / baseline time. */
  ratioVsMap: number;
  /** The same events without building snapshots. */
  eventsOnlyPerSec: number;
  eventsOnlyRatioVsMap: number;
  nsPerCycle: number;
  memory10k: {
    processes: number;
    heapUsedDeltaMB: number;
    rssDeltaMB: number;
    rssTotalMB: number;
    heapBytesPerProcess: number;
  };
  tableStats: Record<string, number>;
}

/** The figures in detail (standalone: printed as JSON). */
export async function processDetails(): Promise<ProcessBenchResult> {
  const mem = memoryOf10k();
  const pool = cyclePool();
  // Warm both paths, then alternate runs and keep the medians: the machine may be busy.
  runBaseline(pool);
  runTable(pool);
  const baseRuns: number[] = [];
  const tableRuns: number[] = [];
  const eventRuns: number[] = [];
  let last: ProcessTable | undefined;
  for (let r = 0; r < RUNS; r++) {
    gc();
    baseRuns.push(runBaseline(pool));
    gc();
    const t = runTable(pool);
    tableRuns.push(t.ns);
    last = t.table;
    gc();
    eventRuns.push(runTable(pool, false).ns);
  }
  const base = median(baseRuns);
  const tableNs = median(tableRuns);
  const eventsNs = median(eventRuns);
  const b = { table: last! };
  const st = b.table.stats();
  return {
    name: 'process-table',
    cycles: CYCLES,
    eventsPerCycle: 'fork + exec + exit (3 events) + 2 snapshots',
    baselineOpsPerSec: Math.round((CYCLES * 3) / (base / 1e9)),
    tableCyclesPerSec: Math.round(CYCLES / (tableNs / 1e9)),
    tableEventsPerSec: Math.round((CYCLES * 3) / (tableNs / 1e9)),
    ratioVsMap: Number((tableNs / base).toFixed(2)),
    eventsOnlyPerSec: Math.round((CYCLES * 3) / (eventsNs / 1e9)),
    eventsOnlyRatioVsMap: Number((eventsNs / base).toFixed(2)),
    nsPerCycle: Math.round(tableNs / CYCLES),
    memory10k: {
      processes: LIVE + LIVE / 2,
      heapUsedDeltaMB: Number((mem.heapBytes / 2 ** 20).toFixed(2)),
      rssDeltaMB: Number((mem.rssBytes / 2 ** 20).toFixed(2)),
      rssTotalMB: Number((mem.rssAfter / 2 ** 20).toFixed(1)),
      heapBytesPerProcess: Math.round(mem.heapBytes / (LIVE + LIVE / 2)),
    },
    tableStats: {
      size: st.size,
      live: st.live,
      exited: st.exited,
      pidReuse: st.pidReuse,
      evictedExpired: st.evictedExpired,
      evictedExitedForCap: st.evictedExitedForCap,
      evictedLiveForCap: st.evictedLiveForCap,
      unknownParentLookups: st.unknownParentLookups,
    },
  };
}

/** For bench/run.ts: events/s through the table against plain Map set/get (the baseline). */
export default async function bench(): Promise<BenchResult[]> {
  const d = await processDetails();
  console.log(JSON.stringify({ memory10k: d.memory10k, ratioVsMap: d.ratioVsMap, nsPerCycle: d.nsPerCycle }));
  const group = 'process table: events/s (fork + exec + exit)';
  return [
    { group, name: 'plain Map set/get', opsPerSec: d.baselineOpsPerSec, baseline: true },
    { group, name: 'table with 2 snapshots a cycle', opsPerSec: d.tableEventsPerSec },
    { group, name: 'table, events only', opsPerSec: d.eventsOnlyPerSec },
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  processDetails().then((r) => console.log(JSON.stringify(r, null, 2)));
}
