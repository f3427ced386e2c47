// What a test run leaves behind: processes it started, podman containers, mounts and cgroups.
// test/global-setup.ts takes a snapshot before the run and asks after it for what is new and
// still there. The machine may be shared (another run, a user's lab at /var/lib/d4c/lab), so
// what is new counts only when it is this run's: a process that carries the run's mark in its
// environment (every child of a test inherits it); a container labelled with the run
// (test/e2e/containers.ts); a container, mount or cgroup named after one of the run's test
// workers (tests name them `...-${process.pid}`; each worker notes its pid, test/worker-mark.ts).
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The variable whose value marks this run's processes (set by the global setup). */
export const RUN_ENV = 'D4C_TEST_RUN';
/** The podman label test/e2e/containers.ts puts the run's mark in. */
export const RUN_LABEL = 'd4c.test.run';
/** A user's own lab: running before the suite is fine, and the tests never touch it. */
const USER_LAB = '/var/lib/d4c/lab';
/** Parents the runtimes create once and keep (not a test's leftover). */
const RUNTIME_CGROUPS = new Set([
  'libpod_parent',
  'system.slice',
  'user.slice',
  'machine.slice',
  'init.scope',
]);

export interface Snapshot {
  containers: Set<string>;
  mounts: Set<string>;
  cgroups: Set<string>;
}

/** Where the teardown leaves its count for test/summary-reporter.ts (the same process). */
export type LeftoverCount = NodeJS.Process & { d4cLeftovers?: number };

export interface Leftover {
  kind: 'process' | 'container' | 'mount' | 'cgroup';
  what: string;
}

const isRoot = () => process.getuid?.() === 0;

export function snapshot(): Snapshot {
  return { containers: new Set(containers().map((c) => c.id)), mounts: mounts(), cgroups: cgroups() };
}

const workersFile = (run: string) => join(tmpdir(), `d4c-test-run-${run}.pids`);

/** In a test worker: notes its pid for the run's teardown. */
export function noteWorker(): void {
  const run = process.env[RUN_ENV];
  if (run) appendFileSync(workersFile(run), `${process.pid}\n`);
}

/** The pids of the run's test workers (and forgets the list when `done`). */
export function workers(run: string, done = false): Set<string> {
  const f = workersFile(run);
  let text = '';
  try {
    text = readFileSync(f, 'utf8');
  } catch {
    // no worker has started
  }
  if (done) rmSync(f, { force: true });
  return new Set(text.split('\n').filter(Boolean));
}

/** Whether `name` ends a word with `-PID` for one of `pids` (`/tmp/d4c-lab-agent-123/state`). */
function namedAfter(name: string, pids: Set<string>): boolean {
  for (const m of name.matchAll(/-(\d+)(?!\w)/g)) if (pids.has(m[1]!)) return true;
  return false;
}

/** What is new since `before`, still there and this run's (`pids`: its test workers). */
export function leftovers(before: Snapshot, run: string, pids: Set<string>): Leftover[] {
  const out: Leftover[] = [];
  for (const p of marked(run)) out.push({ kind: 'process', what: p });
  for (const c of containers())
    if (!before.containers.has(c.id) && (c.run === run || namedAfter(c.name, pids)))
      out.push({ kind: 'container', what: `${c.name} (${c.id.slice(0, 12)})` });
  for (const m of mounts())
    if (!before.mounts.has(m) && namedAfter(m, pids)) out.push({ kind: 'mount', what: m });
  for (const g of cgroups())
    if (!before.cgroups.has(g) && namedAfter(g, pids)) out.push({ kind: 'cgroup', what: g });
  return out;
}

/** Processes whose environment holds RUN_ENV=run, but not the runner itself nor its workers. */
function marked(run: string): string[] {
  const mark = `${RUN_ENV}=${run}`;
  const out: string[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    try {
      // Unreadable for other users' processes (not root): those are not ours anyway.
      if (!readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(mark)) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (pid === process.pid || ppid === process.pid) continue;
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
      out.push(`pid ${pid}: ${cmd || '(no command line)'}`);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return out;
}

function containers(): Array<{ id: string; name: string; run: string | undefined }> {
  if (!isRoot() || !existsSync('/usr/bin/podman')) return [];
  let text: string;
  try {
    text = execFileSync(
      'podman',
      ['ps', '-a', '--no-trunc', '--format', `{{.ID}} {{.Names}} {{index .Labels "${RUN_LABEL}"}}`],
      { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'ignore'] },
    );
  } catch {
    return [];
  }
  return text
    .split('\n')
    .map((l) => l.trim().split(' '))
    .filter((f) => f[0])
    .map(([id, name, run]) => ({
      id: id!,
      name: name ?? '',
      run: run === undefined || run === '' || run === '<no' ? undefined : run,
    }));
}

/** Mount points under the temporary directory or with d4c in their path (labs, test dirs). */
function mounts(): Set<string> {
  const tmp = tmpdir();
  const out = new Set<string>();
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const point = line.split(' ')[4]?.replace(/\\040/g, ' ');
    if (!point || point === USER_LAB || point.startsWith(`${USER_LAB}/`)) continue;
    if (point.startsWith(`${tmp}/`) || point.includes('/d4c')) out.add(point);
  }
  return out;
}

/** Top-level cgroups in every hierarchy (cgroup v2 alone, or v1 with the unified one). */
function cgroups(): Set<string> {
  const base = '/sys/fs/cgroup';
  const out = new Set<string>();
  const roots = existsSync(join(base, 'cgroup.controllers'))
    ? [base]
    : subdirs(base).map((d) => join(base, d));
  for (const root of roots)
    for (const d of subdirs(root)) if (!RUNTIME_CGROUPS.has(d)) out.add(join(root, d));
  return out;
}

function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir).filter((d) => {
      try {
        return statSync(join(dir, d)).isDirectory();
      } catch {
        return false;
      }
    });
  } catch {
    return [];
  }
}
