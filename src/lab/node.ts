// The lab node: containerd with its CRI plugin in a private directory, images built locally from
// busybox (no registry is reachable). Gotchas this machine needs (see docs/containers.md):
// restrict_oom_score_adj (no CAP_SYS_RESOURCE for the sandbox's -998), a local "pause" image
// that blocks forever, runc + cgroupfs.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CriClient } from '../container/cri.js';
import { normalizeImageRef } from '../container/image-ref.js';
import { pidAlive } from '../util/pid.js';

const pexec = promisify(execFile);

export const BASE_IMAGE = 'localhost/d4c/busybox:latest';
export const PAUSE_IMAGE = 'localhost/d4c/pause:latest';
export const NAMESPACE = 'k8s.io';
const PODMAN_SETUP = fileURLToPath(new URL('../../scripts/podman-setup.sh', import.meta.url));

export class LabError extends Error {
  override name = 'LabError';
}

export interface LabPaths {
  dir: string;
  root: string;
  state: string;
  socket: string;
  config: string;
  pidFile: string;
  log: string;
  logs: string;
  /** The audit log the lab writes for its execs, as an API server's --audit-log-path. */
  audit: string;
}

export function labPaths(dir = process.env.D4C_LAB_DIR ?? '/var/lib/d4c/lab'): LabPaths {
  return {
    dir,
    root: join(dir, 'root'),
    state: join(dir, 'state'),
    socket: join(dir, 'containerd.sock'),
    config: join(dir, 'config.toml'),
    pidFile: join(dir, 'containerd.pid'),
    log: join(dir, 'containerd.log'),
    logs: join(dir, 'pods'),
    audit: join(dir, 'audit', 'audit.log'),
  };
}

export function containerdConfig(p: LabPaths): string {
  return `# Written by \`d4c lab up\`.
version = 2
root = "${p.root}"
state = "${p.state}"
[grpc]
  address = "${p.socket}"
[ttrpc]
  address = "${p.socket}.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${PAUSE_IMAGE}"
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
`;
}

/** Whether the lab's containerd answers CRI calls. */
export async function labRunning(p: LabPaths): Promise<boolean> {
  if (!existsSync(p.socket)) return false;
  const c = new CriClient(p.socket, 1500);
  try {
    await c.call('Version', { version: 'v1' });
    return true;
  } catch {
    return false;
  } finally {
    c.close();
  }
}

function readPid(p: LabPaths): number | undefined {
  try {
    const n = Number(readFileSync(p.pidFile, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The steps labUp announces (`step`), in order: a progress display can show `n/LAB_UP_STEPS`. */
export const LAB_UP_STEPS = 3;

/**
 * Starts the node (idempotent) and imports the base, pause and any extra images. `step` is told
 * each of the LAB_UP_STEPS stages as it begins (the first build of the images takes a while).
 */
export async function labUp(
  p: LabPaths,
  images: string[] = [],
  log: (s: string) => void = () => {},
  step: (label: string) => void = () => {},
): Promise<void> {
  if (process.getuid?.() !== 0) throw new LabError('d4c lab needs root (containerd and runc run as root)');
  for (const bin of ['containerd', 'ctr', 'runc', 'podman']) {
    if (!(await which(bin)))
      throw new LabError(`${bin} is missing: run scripts/install.sh (Debian: podman runc containerd)`);
  }
  step('building the local images (podman)');
  await buildLocalImages();
  step('starting containerd');
  if (!(await labRunning(p))) {
    const old = readPid(p);
    if (old && pidAlive(old))
      throw new LabError(`containerd (pid ${old}) holds ${p.dir} but does not answer; run \`d4c lab down\``);
    // Keep state/: a restarted containerd recovers the pods whose shims outlived it.
    rmSync(p.socket, { force: true });
    mkdirSync(p.dir, { recursive: true });
    mkdirSync(p.logs, { recursive: true });
    mkdirSync(dirname(p.audit), { recursive: true, mode: 0o700 });
    writeFileSync(p.config, containerdConfig(p));
    const out = openSync(p.log, 'a');
    const child: ChildProcess = spawn('containerd', ['--config', p.config], {
      detached: true,
      stdio: ['ignore', out, out],
    });
    child.unref();
    writeFileSync(p.pidFile, `${child.pid}\n`);
    const until = Date.now() + 20_000;
    while (!(await labRunning(p))) {
      if (Date.now() > until || child.exitCode !== null) {
        throw new LabError(`containerd did not start; see ${p.log}`);
      }
      await sleep(100);
    }
    log(`lab: containerd ${child.pid} on ${p.socket}`);
  }
  step('importing images into containerd');
  await importImage(p, BASE_IMAGE);
  await importImage(p, PAUSE_IMAGE);
  for (const ref of images) await ensureImage(p, ref);
}

/** Local images through podman: busybox (scripts/podman-setup.sh) and a pause image from it. */
async function buildLocalImages(): Promise<void> {
  await pexec('bash', [PODMAN_SETUP], { env: { ...process.env, D4C_PODMAN_SERVICE: '0' }, timeout: 120_000 });
  const has = await pexec('podman', ['image', 'exists', PAUSE_IMAGE]).then(
    () => true,
    () => false,
  );
  if (has) return;
  const { stdout } = await pexec('podman', ['create', BASE_IMAGE, 'true']);
  const id = stdout.trim();
  try {
    // The sandbox's process: PID 1 ignores SIGTERM unless it traps it.
    const cmd = `CMD ["/bin/sh","-c","trap 'exit 0' TERM INT; while :; do sleep 3600 & wait; done"]`;
    await sh(
      `podman export ${id} | podman import -q --change '${cmd.replaceAll("'", `'\\''`)}' - ${PAUSE_IMAGE}`,
    );
  } finally {
    await pexec('podman', ['rm', '-f', id]).catch(() => {});
  }
}

async function ctrImages(p: LabPaths): Promise<Set<string>> {
  const { stdout } = await pexec('ctr', ['-a', p.socket, '-n', NAMESPACE, 'images', 'ls', '-q']);
  return new Set(stdout.split('\n').filter(Boolean));
}

async function importImage(p: LabPaths, ref: string): Promise<void> {
  if ((await ctrImages(p)).has(ref)) return;
  await sh(
    `podman save -q --format docker-archive ${ref} | ctr -a ${p.socket} -n ${NAMESPACE} images import -`,
  );
}

/**
 * Makes REF available in the lab: any name the user asks for (`nginx:1.27`) becomes a tag of the
 * local busybox image, since no registry is reachable. Returns the normalised reference.
 */
export async function ensureImage(p: LabPaths, ref: string): Promise<string> {
  const norm = normalizeImageRef(ref);
  if (!norm) throw new LabError(`not an image reference: ${JSON.stringify(ref)}`);
  const full = norm.digest ? `${norm.name}:${norm.tag ?? 'latest'}` : norm.full;
  const have = await ctrImages(p);
  if (!have.has(full)) {
    if (!have.has(BASE_IMAGE)) await importImage(p, BASE_IMAGE);
    await pexec('ctr', ['-a', p.socket, '-n', NAMESPACE, 'images', 'tag', BASE_IMAGE, full]);
  }
  return full;
}

/** Stops every pod, stops containerd, unmounts what it left and removes the lab directory. */
export async function labDown(p: LabPaths, log: (s: string) => void = () => {}): Promise<void> {
  if (await labRunning(p)) {
    const c = new CriClient(p.socket, 15_000);
    try {
      const r = await c.call<{ items?: Array<{ id: string }> }>('ListPodSandbox', {});
      for (const s of r.items ?? []) {
        await c.call('StopPodSandbox', { podSandboxId: s.id }).catch(() => {});
        await c.call('RemovePodSandbox', { podSandboxId: s.id }).catch(() => {});
      }
      if ((r.items ?? []).length > 0) log(`lab: removed ${(r.items ?? []).length} pod(s)`);
    } finally {
      c.close();
    }
  }
  const pid = readPid(p);
  if (pid && pidAlive(pid)) {
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 100 && pidAlive(pid); i++) await sleep(100);
    if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
    log(`lab: stopped containerd ${pid}`);
  }
  await removeOrphans(p);
  await unmountUnder(p.dir);
  rmSync(p.dir, { recursive: true, force: true });
  removeEmptyCgroups();
}

/**
 * What a containerd that died without stopping its pods leaves: runc containers whose bundle is
 * in our state directory, and the shims serving our socket. Both were started by this lab.
 */
async function removeOrphans(p: LabPaths): Promise<void> {
  const runcRoot = `/run/containerd/runc/${NAMESPACE}`;
  try {
    const { stdout } = await pexec('runc', ['--root', runcRoot, 'list', '-f', 'json']);
    const list = (JSON.parse(stdout || 'null') as Array<{ id: string; bundle: string }> | null) ?? [];
    for (const c of list) {
      if (c.bundle.startsWith(`${p.state}/`)) {
        await pexec('runc', ['--root', runcRoot, 'delete', '--force', c.id]).catch(() => {});
      }
    }
  } catch {}
  for (const pid of await shimPids(p.socket)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
}

async function shimPids(socket: string): Promise<number[]> {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (!argv[0]?.includes('containerd-shim')) continue;
    const i = argv.indexOf('-address');
    if (i >= 0 && argv[i + 1] === socket) out.push(Number(name));
  }
  return out;
}

async function unmountUnder(dir: string): Promise<void> {
  let mounts: string[];
  try {
    mounts = readFileSync('/proc/self/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[1] ?? '')
      .map((m) => m.replace(/\\040/g, ' '))
      .filter((m) => m === dir || m.startsWith(`${dir}/`));
  } catch {
    return;
  }
  // Deepest first.
  for (const m of mounts.sort((a, b) => b.length - a.length)) {
    await pexec('umount', ['-l', m]).catch(() => {});
  }
}

/** The pods' cgroups (/kubepods/...) stay behind runc; remove the empty ones so the host stays clean. */
function removeEmptyCgroups(): void {
  const roots = [
    'unified',
    'cpu',
    'cpuacct',
    'cpuset',
    'memory',
    'devices',
    'freezer',
    'blkio',
    'pids',
    'systemd',
  ];
  for (const r of roots) rmdirTree(join('/sys/fs/cgroup', r, 'kubepods'));
}

function rmdirTree(dir: string): void {
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) if (e.isDirectory()) rmdirTree(join(dir, e.name));
  try {
    rmdirSync(dir); // cgroup directories go with rmdir once they hold no process and no child
  } catch {}
}

async function which(bin: string): Promise<boolean> {
  return pexec('sh', ['-c', `command -v ${bin}`]).then(
    () => true,
    () => false,
  );
}

async function sh(cmd: string): Promise<void> {
  try {
    await pexec('bash', ['-o', 'pipefail', '-c', cmd], { timeout: 120_000, maxBuffer: 16 << 20 });
  } catch (e) {
    throw new LabError(`${cmd}: ${(e as { stderr?: string }).stderr?.trim() || String(e)}`);
  }
}
