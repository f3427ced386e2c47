import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { taskFacts } from './facts.fixture.js';
import { type FakeProc, writeFakeProc, writeFakeProcess } from './fakeproc.fixture.js';
import { nodeProcFs, type ProcFs } from './procfs.js';
import { ProcessTable } from './table.js';
import type { TaskFacts } from './types.js';

const S = 1e9;
const TICK = 1e7; // ns per clock tick at USER_HZ 100
const BTIME = 1_700_000_000;
const CID = 'e525393bde1cee5eac0a5d5af6aeff0a920683c78f5239360ef69477b011e3b4';

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function fakeRoot(procs: FakeProc[]): string {
  const root = mkdtempSync(join(tmpdir(), 'd4c-fakeproc-'));
  roots.push(root);
  writeFakeProc(root, procs, BTIME);
  return root;
}

// A host with init, kernel threads, an ssh login, a podman container and a docker container.
// Container pids are deliberately LOWER than their runtime's, as after a pid wrap: the order of
// /proc's listing must not decide who is evaluated first.
const HOST: FakeProc[] = [
  {
    pid: 1,
    comm: 'systemd',
    ppid: 0,
    sid: 1,
    start: 1,
    exe: '/usr/lib/systemd/systemd',
    args: ['/sbin/init'],
  },
  { pid: 2, comm: 'kthreadd', ppid: 0, pgid: 0, sid: 0, start: 1, kthread: true },
  { pid: 3, comm: 'kworker/0:0H', ppid: 2, pgid: 0, sid: 0, start: 1, kthread: true },
  { pid: 500, comm: 'sshd', ppid: 1, start: 100, exe: '/usr/sbin/sshd', args: ['sshd', '-D'] },
  { pid: 600, comm: 'sshd', ppid: 500, start: 200, exe: '/usr/sbin/sshd', args: ['sshd: root@pts/0'] },
  { pid: 601, comm: 'bash', ppid: 600, start: 201, tty: [136, 0], exe: '/usr/bin/bash', args: ['-bash'] },
  {
    pid: 602,
    comm: 'vim',
    ppid: 601,
    pgid: 602,
    sid: 601,
    start: 300,
    tty: [136, 0],
    exe: '/usr/bin/vim',
    args: ['vim', 'a file'],
    cwd: '/root',
    uid: [1000, 1000, 1000],
    gid: [1000, 1000, 1000],
  },
  {
    pid: 9000,
    comm: 'conmon',
    ppid: 1,
    start: 400,
    exe: '/usr/bin/conmon',
    args: ['/usr/bin/conmon', '--cid', CID],
  },
  {
    pid: 40,
    comm: 'sh',
    ppid: 9000,
    start: 410,
    exe: '/bin/busybox',
    args: ['sh', '-c', 'sleep 300 & wait'],
    nspid: [40, 1],
    cgroup: `0::/libpod_parent/libpod-${CID}\n`,
    pidNs: 4026532252,
  },
  {
    pid: 41,
    comm: 'sleep',
    ppid: 40,
    pgid: 40,
    sid: 40,
    start: 411,
    exe: '/bin/busybox',
    args: ['sleep', '300'],
    nspid: [41, 2],
    cgroup: `0::/libpod_parent/libpod-${CID}\n`,
    pidNs: 4026532252,
  },
  {
    pid: 8000,
    comm: 'containerd-shim',
    ppid: 1,
    start: 500,
    exe: '/usr/bin/containerd-shim-runc-v2',
    args: ['containerd-shim-runc-v2', '-id', 'x'],
  },
  { pid: 30, comm: 'nginx', ppid: 8000, start: 510, exe: '/usr/sbin/nginx', args: ['nginx: master process'] },
  { pid: 31, comm: 'nginx', ppid: 30, pgid: 30, sid: 30, start: 511, exe: '/usr/sbin/nginx (deleted)' },
  // A daemon that left its shell (parent init) but stayed in the ssh session; "10763" lists
  // before "601" in /proc's (string-sorted) listing.
  {
    pid: 10763,
    comm: 'podman',
    ppid: 1,
    pgid: 10230,
    sid: 601,
    start: 700,
    args: ['podman', 'system', 'service'],
  },
  {
    pid: 700,
    comm: 'defunct',
    ppid: 601,
    pgid: 700,
    sid: 601,
    start: 600,
    state: 'Z',
    exe: null,
    cwd: null,
    args: [],
  },
];

function bootTable(root: string, fs?: ProcFs) {
  const clock = { now: 1000 * S };
  const t = new ProcessTable(
    { agentId: 'agent-1', procRoot: root, lazyFillPerSecond: 0, cgroup2Root: '', nowNs: () => clock.now },
    fs,
  );
  return { t, clock };
}

describe('bootstrap from a fake procfs', () => {
  const root = fakeRoot(HOST);

  it('knows every process with its ancestry and leaders', async () => {
    const { t } = bootTable(root);
    const st = await t.bootstrap();
    expect(st).toMatchObject({
      processes: HOST.length,
      vanished: 0,
      permissionDenied: 0,
      errors: 0,
      partial: 0,
    });
    expect(t.bootTimeMs).toBe(BTIME * 1000);

    const vim = t.snapshot(602)!;
    expect(vim).toMatchObject({
      pid: 602,
      name: 'vim',
      executable: '/usr/bin/vim',
      args: ['vim', 'a file'],
      working_directory: '/root',
      interactive: true,
      user: { id: '1000' },
      start: new Date(BTIME * 1000 + 3000).toISOString(),
      parent: { pid: 601, name: 'bash' },
      group_leader: { pid: 602, same_as_process: true },
      session_leader: { pid: 601, same_as_process: false, interactive: true },
      entry_leader: { pid: 601, name: 'bash', entry_meta: { type: 'sshd' }, same_as_process: false },
    });
  });

  it('a daemon inherits from its session leader, whatever the listing order', async () => {
    const { t } = bootTable(root);
    await t.bootstrap();
    expect(t.snapshot(10763)).toMatchObject({
      parent: { pid: 1 },
      session_leader: { pid: 601, same_as_process: false },
      entry_leader: { pid: 601, entry_meta: { type: 'sshd' } },
    });
    expect(t.snapshot(10763)!.group_leader).toBeUndefined();
  });

  it('container processes found running get their container entry leader', async () => {
    const { t } = bootTable(root);
    await t.bootstrap();
    const sleep = t.snapshot(41)!;
    expect(sleep).toMatchObject({
      vpid: 2,
      parent: { pid: 40, args: ['sh', '-c', 'sleep 300 & wait'] },
      session_leader: { pid: 40 },
      entry_leader: { pid: 40, entry_meta: { type: 'container' }, same_as_process: false },
    });
    expect(t.get(41)!.cgroupPath).toBe(`/libpod_parent/libpod-${CID}`);
    expect(t.get(41)!.pidNsInum).toBe(4026532252);
    expect(t.snapshot(40)!.entry_leader).toMatchObject({ pid: 40, same_as_process: true });
    expect(t.snapshot(40)!.parent).toMatchObject({ pid: 9000, name: 'conmon' });
    // docker/containerd: the shim's child leads; a worker with a deleted binary inherits.
    expect(t.snapshot(30)!.entry_leader).toMatchObject({ pid: 30, entry_meta: { type: 'container' } });
    const worker = t.snapshot(31)!;
    expect(worker).toMatchObject({
      executable: '/usr/sbin/nginx',
      args: ['nginx'],
      entry_leader: { pid: 30 },
    });
    expect(t.get(31)!.exeDeleted).toBe(true);
    expect(t.get(30)!.exeDeleted).toBe(false);
    // Snapshots go into JSON documents as they are.
    expect(JSON.parse(JSON.stringify(worker))).toEqual(worker);
  });

  it('kernel threads and init have no entry leader; zombies count as exited', async () => {
    const { t } = bootTable(root);
    await t.bootstrap();
    expect(t.snapshot(1)!.entry_leader).toBeUndefined();
    expect(t.snapshot(3)).toMatchObject({
      name: 'kworker/0:0H',
      executable: '',
      args: [],
      parent: { pid: 2 },
    });
    expect(t.snapshot(3)!.entry_leader).toBeUndefined();
    expect(t.get(3)!.kernelThread).toBe(true);
    expect(t.get(500)!.kernelThread).toBe(false);
    expect(t.snapshot(9000)!.entry_leader).toMatchObject({ pid: 9000, entry_meta: { type: 'init' } });
    expect(t.get(700)!.ended).toBe(true);
    expect(t.stats()).toMatchObject({ size: HOST.length, exited: 1, live: HOST.length - 1 });
  });

  it('entity ids are the same for a second agent run', async () => {
    const a = bootTable(root).t;
    const b = bootTable(root).t;
    await a.bootstrap();
    await b.bootstrap();
    for (const p of HOST) expect(a.snapshot(p.pid)!.entity_id).toBe(b.snapshot(p.pid)!.entity_id);
    expect(Buffer.from(a.snapshot(41)!.entity_id, 'base64').toString()).toBe(`agent-1-41-${BTIME + 4}-411`);
  });

  it('events after bootstrap meet /proc start times in clock ticks', async () => {
    const { t } = bootTable(root);
    await t.bootstrap();
    const facts = (pid: number, startNs: number, o: Partial<TaskFacts> = {}): TaskFacts =>
      taskFacts(pid, startNs, { ppid: 40, pgid: 40, sid: 40, vpid: 3, comm: 'sleep', ...o });
    // The sensor's exact start of pid 41 lies inside /proc's tick 411: same process.
    const exact = 411 * TICK + 4_321_987;
    const idBefore = t.snapshot(41)!.entity_id;
    t.onExec({ task: facts(41, exact), filename: '/bin/busybox', argv: ['sleep', '300'], cwd: '/' });
    expect(t.stats()).toMatchObject({ pidReuse: 0, execReplays: 1 });
    expect(t.snapshot(41)!.previous).toBeUndefined();
    expect(t.snapshot(41)!.entity_id).toBe(idBefore);
    // A fork seen by the sensor and by /proc both.
    t.onFork({ task: facts(41, exact) });
    expect(t.stats().duplicateForks).toBe(1);
    // A genuinely new exec afterwards does record the previous image.
    t.onExec({ task: facts(41, exact), filename: '/bin/cat', argv: ['cat'], cwd: '/' });
    expect(t.snapshot(41)!.previous).toEqual([{ executable: '/bin/busybox', args: ['sleep', '300'] }]);
    // A child forked by the container init inherits its container entry leader.
    t.onFork({ task: facts(42, 1000 * S) });
    expect(t.snapshot(42)!.entry_leader).toMatchObject({ pid: 40, entry_meta: { type: 'container' } });
  });

  it('events handled while bootstrap runs win over its older /proc view', async () => {
    const { t } = bootTable(root);
    const task = taskFacts(41, 411 * TICK + 5, { ppid: 40, pgid: 40, sid: 40, vpid: 2, comm: 'cat' });
    const running = t.bootstrap();
    const fromEvent = t.onExec({ task, filename: '/bin/cat', argv: ['cat', '/etc/passwd'], cwd: '/' });
    // A pid reused after /proc was read: the event's process is the newer one.
    const reused = t.onFork({
      task: { ...task, tgid: 31, tid: 31, ppid: 30, startNs: 900 * S, comm: 'nginx' },
    })!;
    await running;
    expect(t.get(41)).toBe(fromEvent);
    expect(t.snapshot(41)).toMatchObject({ executable: '/bin/cat', args: ['cat', '/etc/passwd'] });
    expect(t.get(31)).toBe(reused);
    expect(t.stats().pidReuse).toBe(0);
    // The container leader found by bootstrap is still the entry leader of the exec'd process.
    expect(t.snapshot(41)!.entry_leader).toMatchObject({ pid: 40 });
  });

  it('tolerates unreadable files and processes vanishing mid-read', async () => {
    const r = fakeRoot(HOST);
    mkdirSync(join(r, '77777')); // a pid directory without files: vanished
    writeFileSync(join(r, 'self'), ''); // non-numeric entries are skipped
    const fs: ProcFs = {
      ...nodeProcFs,
      readText: (p) => {
        if (p.endsWith('/602/status')) throw Object.assign(new Error('denied'), { code: 'EACCES' });
        return nodeProcFs.readText(p);
      },
    };
    const { t } = bootTable(r, fs);
    const st = await t.bootstrap();
    expect(st).toMatchObject({ processes: HOST.length, vanished: 1, permissionDenied: 1, partial: 1 });
    expect(t.snapshot(602)!.user).toBeUndefined();
    expect(t.snapshot(602)!.parent!.pid).toBe(601);
  });

  it('a missing procfs root is counted, not thrown', async () => {
    const { t } = bootTable('/nonexistent/proc');
    const st = await t.bootstrap();
    expect(st).toMatchObject({ processes: 0, errors: 1 });
  });
});

describe('lazy fill of unknown pids', () => {
  it('reads an unknown parent from /proc, within the rate limit', async () => {
    const root = fakeRoot([
      { pid: 1, comm: 'systemd', ppid: 0, start: 1 },
      { pid: 9000, comm: 'conmon', ppid: 1, start: 400 },
      { pid: 40, comm: 'sh', ppid: 9000, start: 410, exe: '/bin/busybox' },
    ]);
    const clock = { now: 1000 * S };
    const t = new ProcessTable({
      agentId: 'a',
      procRoot: root,
      lazyFillPerSecond: 2,
      cgroup2Root: '',
      nowNs: () => clock.now,
    });
    const child = taskFacts(41, 500 * TICK, { ppid: 40, pgid: 40, sid: 40, vpid: 2, comm: 'sh' });
    t.onFork({ task: child });
    // Parent 40 and its parent 9000 came from /proc; the entry leader was decided on the way.
    expect(t.snapshot(41)).toMatchObject({
      executable: '/bin/busybox',
      parent: { pid: 40 },
      entry_leader: { pid: 40, entry_meta: { type: 'container' } },
    });
    expect(t.stats()).toMatchObject({ lazyFills: 2, unknownParentLookups: 0 });
    // Tokens spent: pid 1 was not read; the next unknown is refused until time passes.
    t.onFork({ task: { ...child, tgid: 99, tid: 99, ppid: 1, pgid: 99, sid: 99 } });
    expect(t.stats()).toMatchObject({ lazyFillRateLimited: 1, unknownParentLookups: 1 });
    clock.now += 1 * S;
    t.onFork({ task: { ...child, tgid: 98, tid: 98, ppid: 1, pgid: 98, sid: 98 } });
    expect(t.stats()).toMatchObject({ lazyFills: 3 });
    expect(t.snapshot(98)!.parent).toMatchObject({ pid: 1, name: 'systemd' });
    // A /proc process that started after the child is not its parent.
    writeFakeProcess(root, { pid: 50, comm: 'late', ppid: 1, start: 900 });
    clock.now += 1 * S;
    t.onFork({ task: { ...child, tgid: 51, tid: 51, ppid: 50 } });
    expect(t.stats()).toMatchObject({ lazyFillMisses: 1 });
    expect(t.snapshot(51)!.parent).toBeUndefined();
    // The miss is remembered for a while: no /proc read per snapshot of the orphan.
    clock.now += 1 * S;
    t.snapshot(51);
    expect(t.stats()).toMatchObject({ lazyFillMisses: 1, lazyFillRateLimited: 1 });
  });
});
