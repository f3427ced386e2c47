// Real podman containers for integration tests: run (privileged, cap-add, mounts, labels), exec
// (also under a pseudo-terminal), inspect, remove. Every container is labelled `d4c.test=1` and
// tracked so `removeAll()` (call it in afterAll) and process exit clean up even after failures.
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pidAlive } from '../../src/util/index.js';
import { RUN_ENV, RUN_LABEL } from '../leftovers.js';
import { canRun, PODMAN_SETUP } from './needs.js';

const pexec = promisify(execFile);

export const TEST_IMAGE = 'localhost/d4c/busybox:latest';
const LABEL = 'd4c.test=1';
// Test files run in parallel processes: each removes only its own containers and those left by
// processes that are gone.
const PID_LABEL = 'd4c.test.pid';

export interface RunOptions {
  image?: string;
  name?: string;
  privileged?: boolean;
  capAdd?: string[];
  /** `-v` arguments: `named-volume:/data`, `/host/file:/in/container:ro`. */
  volumes?: string[];
  labels?: Record<string, string>;
  /** Command and args; default keeps the container alive. */
  command?: string[];
  /** Extra raw `podman run` flags. */
  extra?: string[];
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface TestContainer {
  id: string;
  name: string;
  /** Host pid of the container's init process. */
  pid: number;
  exec(cmd: string[], opts?: { tty?: boolean; user?: string }): Promise<ExecResult>;
  remove(): Promise<void>;
}

const live = new Set<string>();
let setupDone: Promise<void> | undefined;

/** Whether podman can be used here (test/e2e/gate.ts: root, BTF, podman and its set-up). */
export const podmanAvailable = (): boolean => canRun('podman');

/**
 * Runs scripts/podman-setup.sh once per process (containers.conf, local image). The API service
 * is not started here: tests that need it start their own with startPodmanService().
 */
export function ensurePodman(): Promise<void> {
  setupDone ??= pexec('bash', [PODMAN_SETUP], {
    timeout: 60_000,
    env: { ...process.env, D4C_PODMAN_SERVICE: '0' },
  }).then(() => undefined);
  return setupDone;
}

export interface PodmanService {
  socket: string;
  /** Stops the service (by its pid) and removes its directory; safe to call twice. */
  stop(): Promise<void>;
  /** Starts it again on the same socket. */
  restart(): Promise<void>;
}

/** A private `podman system service` on a temporary socket, owned by the calling test. */
export async function startPodmanService(): Promise<PodmanService> {
  await ensurePodman();
  const dir = mkdtempSync(join(tmpdir(), 'd4c-podman-'));
  const socket = join(dir, 'podman.sock');
  let child: ChildProcess | undefined;
  const start = async () => {
    mkdirSync(dir, { recursive: true });
    child = spawn('podman', ['system', 'service', '--time=0', `unix://${socket}`], { stdio: 'ignore' });
    const end = Date.now() + 15_000;
    while (!existsSync(socket) && Date.now() < end && child.exitCode === null) await sleep(25);
    if (!existsSync(socket)) throw new Error('podman system service did not create its socket');
  };
  const stop = async () => {
    const c = child;
    if (c && c.exitCode === null && c.signalCode === null) {
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await gone;
    }
    rmSync(socket, { force: true });
  };
  services.add(stop);
  await start();
  return {
    socket,
    stop: async () => {
      await stop();
      services.delete(stop);
      rmSync(dir, { recursive: true, force: true });
    },
    restart: start,
  };
}

const services = new Set<() => Promise<void>>();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function podman(args: string[], timeout = 30_000): Promise<ExecResult> {
  try {
    const { stdout, stderr } = await pexec('podman', args, { timeout, maxBuffer: 16 << 20 });
    return { stdout, stderr, code: 0 };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; code?: number | string };
    return {
      stdout: err.stdout ?? '',
      stderr: err.stderr ?? String(e),
      code: typeof err.code === 'number' ? err.code : 1,
    };
  }
}

export async function runContainer(opts: RunOptions = {}): Promise<TestContainer> {
  await ensurePodman();
  const name = opts.name ?? `d4c-test-${randomBytes(4).toString('hex')}`;
  // --pull=never: no registry is reachable; a missing image should fail at once.
  const args = [
    'run',
    '-d',
    '--pull=never',
    '--name',
    name,
    '--label',
    LABEL,
    '--label',
    `${PID_LABEL}=${process.pid}`,
    // The run's mark (test/global-setup.ts): its teardown finds the containers a run left.
    ...(process.env[RUN_ENV] ? ['--label', `${RUN_LABEL}=${process.env[RUN_ENV]}`] : []),
  ];
  if (opts.privileged) args.push('--privileged');
  for (const c of opts.capAdd ?? []) args.push('--cap-add', c);
  for (const v of opts.volumes ?? []) args.push('-v', v);
  for (const [k, v] of Object.entries(opts.labels ?? {})) args.push('--label', `${k}=${v}`);
  args.push(...(opts.extra ?? []), opts.image ?? TEST_IMAGE, ...(opts.command ?? ['sleep', '3600']));
  const r = await podman(args);
  const id = r.stdout.trim().split('\n').pop() ?? '';
  if (r.code !== 0 || !/^[0-9a-f]{64}$/.test(id)) {
    await podman(['rm', '-f', '-t', '0', name]);
    throw new Error(`podman run failed (${r.code}): ${r.stderr.trim()}`);
  }
  live.add(id);
  const pidOut = await podman(['inspect', '-f', '{{.State.Pid}}', id]);
  return {
    id,
    name,
    pid: Number(pidOut.stdout.trim()),
    exec: (cmd, o) => execIn(id, cmd, o),
    remove: () => removeContainer(id),
  };
}

/** Runs CMD in the container; `tty` runs `podman exec -it` under a pty made by script(1). */
export async function execIn(
  id: string,
  cmd: string[],
  opts: { tty?: boolean; user?: string } = {},
): Promise<ExecResult> {
  const user = opts.user ? ['--user', opts.user] : [];
  if (!opts.tty) return podman(['exec', ...user, id, ...cmd]);
  const line = ['podman', 'exec', '-it', ...user, id, ...cmd].map(shellQuote).join(' ');
  try {
    const { stdout, stderr } = await pexec('script', ['-qec', line, '/dev/null'], { timeout: 30_000 });
    return { stdout, stderr, code: 0 };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; code?: number };
    return {
      stdout: err.stdout ?? '',
      stderr: err.stderr ?? '',
      code: typeof err.code === 'number' ? err.code : 1,
    };
  }
}

export async function removeContainer(id: string): Promise<void> {
  await podman(['rm', '-f', '-v', '-t', '0', id]);
  live.delete(id);
}

/** Stops this process's API services; removes its containers and leftovers of test processes that are gone. */
export async function removeAll(): Promise<void> {
  await Promise.all([...services].map((stop) => stop()));
  await Promise.all([...live].map((id) => removeContainer(id)));
  const left = await podman([
    'ps',
    '-a',
    '--filter',
    `label=${LABEL}`,
    '--format',
    `{{.ID}} {{index .Labels "${PID_LABEL}"}}`,
  ]);
  const ids: string[] = [];
  for (const line of left.stdout.split('\n')) {
    const [id, pid] = line.trim().split(' ');
    if (id && !pidAlive(Number(pid))) ids.push(id);
  }
  if (ids.length > 0) await podman(['rm', '-f', '-v', '-t', '0', ...ids]);
}

/** Runs fn with a fresh container, always removing it. */
export async function withContainer<T>(opts: RunOptions, fn: (c: TestContainer) => Promise<T>): Promise<T> {
  const c = await runContainer(opts);
  try {
    return await fn(c);
  } finally {
    await c.remove();
  }
}

export async function removeVolume(name: string): Promise<void> {
  await podman(['volume', 'rm', '-f', name]);
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

process.on('exit', () => {
  if (live.size === 0) return;
  try {
    execFileSync('podman', ['rm', '-f', '-t', '0', ...live], { stdio: 'ignore', timeout: 20_000 });
  } catch {
    // best effort at exit
  }
});
