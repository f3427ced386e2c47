// Against the machine's real /proc: this test process, a child with awkward arguments, and (as
// root with podman) a real container whose processes are found with their container entry leader.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskFacts } from './facts.fixture.js';
import { ProcessTable } from './table.js';

const CHILD_ARGS = ['-e', 'setTimeout(() => {}, 60000)', 'arg with space', 'line\nbreak', 'ünïcode', '(x) y'];

function cmdlineOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return undefined;
  }
}

async function waitFor(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('bootstrap from the real /proc', () => {
  let child: ChildProcess;
  const t0 = Date.now();

  beforeAll(async () => {
    child = spawn(process.execPath, CHILD_ARGS, { stdio: 'ignore' });
    // Until its execve the child still shows our cmdline.
    await waitFor(() => cmdlineOf(child.pid!)?.includes('arg with space') === true);
  });
  afterAll(() => {
    child.kill('SIGKILL');
  });

  it('finds this test process and a child with its exact args', async () => {
    const t = new ProcessTable({ agentId: 'real', lazyFillPerSecond: 0 });
    const st = await t.bootstrap();
    expect(st.processes).toBeGreaterThan(5);
    expect(st.errors).toBe(0);

    const self = t.snapshot(process.pid)!;
    expect(self).toBeDefined();
    expect(t.get(process.pid)!.ppid).toBe(process.ppid);
    expect(self.parent?.pid).toBe(process.ppid);
    // Vitest retitles its workers (process.title), which rewrites /proc/PID/cmdline.
    expect(self.args).toEqual([process.title]);
    expect(self.executable).toBe(realpathSync(process.execPath));
    expect(self.working_directory).toBe(process.cwd());
    expect(self.user?.id).toBe(String(process.geteuid!()));
    expect(self.vpid).toBe(process.pid);

    const c = t.snapshot(child.pid!)!;
    expect(c.args).toEqual([process.argv0, ...CHILD_ARGS]);
    expect(c.parent).toMatchObject({ pid: process.pid, entity_id: self.entity_id });
    expect(c.name).toBe('node');
    const start = Date.parse(c.start);
    expect(start).toBeGreaterThanOrEqual(t0 - 1500);
    expect(start).toBeLessThanOrEqual(Date.now() + 1500);
    // The session leader, if known, started no later than us.
    if (self.session_leader)
      expect(Date.parse(self.session_leader.start)).toBeLessThanOrEqual(Date.parse(self.start));
    expect(t.snapshot(1)!.entry_leader).toBeUndefined();
    expect(t.snapshot(1)!.parent).toBeUndefined();
  });

  it('an unknown parent is read lazily from /proc', () => {
    const t = new ProcessTable({ agentId: 'real', lazyFillPerSecond: 10 });
    const me = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
    const startTicks = Number(me.slice(me.lastIndexOf(')') + 2).split(' ')[19]);
    t.onExec({
      task: taskFacts(child.pid!, startTicks * 1e7 + 1234, {
        ppid: process.pid,
        pgid: process.pid,
        sid: process.pid,
        comm: 'node',
      }),
      filename: process.execPath,
      argv: [process.argv0, ...CHILD_ARGS],
      cwd: process.cwd(),
    });
    expect(t.snapshot(child.pid!)!.parent).toMatchObject({ pid: process.pid, args: [process.title] });
    expect(t.stats().lazyFills).toBeGreaterThanOrEqual(1);
  });
});

// ---------------------------------------------------------------- a real container

function podmanUsable(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('podman', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const PODMAN = podmanUsable();
const SHARED_IMAGE = 'localhost/d4c/busybox:latest';
const OWN_IMAGE = 'localhost/d4c-process-test:latest';
const NAME = `d4c-process-test-${process.pid}`;

function podman(...args: string[]): string {
  return execFileSync('podman', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** The lab's busybox image, or a minimal one imported from busybox-static. */
function ensureImage(): string {
  try {
    podman('image', 'exists', SHARED_IMAGE);
    return SHARED_IMAGE;
  } catch {
    const dir = mkdtempSync(join(tmpdir(), 'd4c-rootfs-'));
    try {
      mkdirSync(join(dir, 'bin'));
      copyFileSync('/bin/busybox', join(dir, 'bin', 'busybox'));
      for (const a of ['sh', 'sleep']) symlinkSync('busybox', join(dir, 'bin', a));
      execFileSync('sh', ['-c', `tar -C '${dir}' -c . | podman import - ${OWN_IMAGE}`], { stdio: 'ignore' });
      return OWN_IMAGE;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

describe.skipIf(!PODMAN)('bootstrap with a running podman container', () => {
  let initPid = 0;
  let cid = '';
  let image = '';

  beforeAll(() => {
    image = ensureImage();
    cid = podman('run', '-d', '--name', NAME, image, 'sh', '-c', 'sleep 120 & wait');
    initPid = Number(podman('inspect', '-f', '{{.State.Pid}}', NAME));
  }, 60_000);
  afterAll(() => {
    try {
      podman('rm', '-f', '-t', '0', NAME);
      if (image === OWN_IMAGE) podman('rmi', '-f', OWN_IMAGE);
    } catch {
      // already gone
    }
  }, 60_000);

  it('knows the container processes with their ancestry and container entry leader', async () => {
    let sleepPid = 0;
    await waitFor(() => {
      const kids = readFileSync(`/proc/${initPid}/task/${initPid}/children`, 'utf8').trim();
      sleepPid = Number(kids.split(' ')[0]);
      return sleepPid > 0 && cmdlineOf(sleepPid)?.startsWith('sleep') === true;
    });
    const t = new ProcessTable({ agentId: 'real', lazyFillPerSecond: 0 });
    await t.bootstrap();

    const init = t.snapshot(initPid)!;
    expect(init).toMatchObject({
      vpid: 1,
      args: ['sh', '-c', 'sleep 120 & wait'],
      parent: { name: 'conmon' },
      entry_leader: { pid: initPid, same_as_process: true, entry_meta: { type: 'container' } },
    });
    const sleep = t.snapshot(sleepPid)!;
    expect(sleep).toMatchObject({
      args: ['sleep', '120'],
      parent: { pid: initPid, entity_id: init.entity_id },
      session_leader: { pid: initPid },
      entry_leader: { pid: initPid, same_as_process: false, entry_meta: { type: 'container' } },
    });
    expect(sleep.vpid).toBeGreaterThan(1);
    const e = t.get(sleepPid)!;
    expect(e.cgroupPath).toContain(cid);
    expect(e.pidNsInum).not.toBe(t.get(1)!.pidNsInum);
    expect(e.cgroupId).toBeGreaterThan(0);
  });
});
