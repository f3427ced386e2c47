import { describe, expect, it } from 'vitest';
import { taskFacts } from './facts.fixture.js';
import { isInteractive, TtyType, ttyType } from './leaders.js';
import { ProcessTable } from './table.js';
import type { ExecRecord, ExitRecord, ForkRecord, ProcessTableOptions, TaskFacts } from './types.js';

const S = 1e9; // ns per second
const BOOT_MS = 1_700_000_000_000;

/** A table on a fake clock, with no /proc behind it. */
function table(opts: Partial<ProcessTableOptions> = {}) {
  const clock = { now: 1000 * S };
  const t = new ProcessTable({
    agentId: 'agent-1',
    bootTimeMs: BOOT_MS,
    lazyFillPerSecond: 0,
    cgroup2Root: '',
    nowNs: () => clock.now,
    ...opts,
  });
  return { t, clock };
}

function facts(tgid: number, startNs: number, o: Partial<TaskFacts> = {}): TaskFacts {
  return taskFacts(tgid, startNs, { cgroupId: 1, pidNsInum: 4026531836, mntNsInum: 4026531841, ...o });
}

/** The child's facts of a fork. */
const fork = (pid: number, ppid: number, startNs: number, o: Partial<TaskFacts> = {}): TaskFacts =>
  facts(pid, startNs, { ppid, pgid: ppid, sid: ppid, ...o });
const F = (task: TaskFacts, o: Omit<ForkRecord, 'task'> = {}): ForkRecord => ({ task, ...o });
const exec = (task: TaskFacts, filename: string, argv: string[], cwd = '/'): ExecRecord => ({
  task,
  filename,
  argv,
  cwd,
});
const exit = (task: TaskFacts, exitCode: number, timeNs?: number): ExitRecord => ({ task, exitCode, timeNs });

function decodeEntity(id: string): string {
  return Buffer.from(id, 'base64').toString();
}

/** init (pid 1) exec'd as systemd, and a session-leader shell under it. */
function withInit(t: ProcessTable) {
  t.onExec(exec(facts(1, 0, { ppid: 0, comm: 'systemd' }), '/usr/lib/systemd/systemd', ['/sbin/init']));
}

describe('fork, exec, exit', () => {
  it('tracks a process through its life', () => {
    const { t } = table();
    withInit(t);
    const sh = facts(100, 5 * S, { ppid: 1, comm: 'sh' });
    t.onExec(exec(sh, '/bin/sh', ['sh', '-c', 'ls'], '/root'));
    const child = fork(101, 100, 6 * S, { pgid: 100, sid: 100, comm: 'sh' });
    t.onFork(F(child));
    let s = t.snapshot(101)!;
    // A forked child runs its parent's image until it execs.
    expect(s).toMatchObject({ pid: 101, name: 'sh', executable: '/bin/sh', args: ['sh', '-c', 'ls'] });
    expect(s.working_directory).toBe('/root');
    expect(s.parent).toMatchObject({ pid: 100, name: 'sh' });
    expect(s.previous).toBeUndefined();
    const forkedId = s.entity_id;
    expect(forkedId).not.toBe(s.parent!.entity_id);

    t.onExec(exec({ ...child, comm: 'ls' }, '/bin/ls', ['ls', '-l'], '/root'));
    s = t.snapshot(101)!;
    expect(s).toMatchObject({ name: 'ls', executable: '/bin/ls', args: ['ls', '-l'], args_count: 2 });
    // Same process (pid + start): same entity id; the image before is in previous.
    expect(s.entity_id).toBe(forkedId);
    expect(s.previous).toEqual([{ executable: '/bin/sh', args: ['sh', '-c', 'ls'] }]);
    expect(s.end).toBeUndefined();

    t.onExit(exit({ ...child, comm: 'ls' }, 2, 7 * S));
    s = t.snapshot(101)!;
    expect(s.exit_code).toBe(2);
    expect(s.end).toBe(new Date(BOOT_MS + 7000).toISOString());
    expect(s.start).toBe(new Date(BOOT_MS + 6000).toISOString());
    expect(s.entity_id).toBe(forkedId);
    expect(t.stats()).toMatchObject({ forks: 1, execs: 3, exits: 1, live: 2, exited: 1, size: 3 });
  });

  it('keeps several earlier images when asked', () => {
    const { t } = table({ maxPrevious: 2 });
    const p = facts(10, S);
    t.onExec(exec(p, '/a', ['a']));
    t.onExec(exec(p, '/b', ['b']));
    t.onExec(exec(p, '/c', ['c']));
    t.onExec(exec(p, '/d', ['d']));
    expect(t.snapshot(10)!.previous).toEqual([
      { executable: '/b', args: ['b'] },
      { executable: '/c', args: ['c'] },
    ]);
  });

  it('credentials, tty and ids come from the latest event', () => {
    const { t } = table();
    const p = facts(10, S, { ruid: 1000, euid: 1000, suid: 1000, rgid: 50, egid: 50, sgid: 50 });
    t.onExec(exec(p, '/bin/bash', ['bash']));
    t.onExec(
      exec({ ...p, euid: 0, suid: 0, ttyMajor: 136, ttyMinor: 4, vpid: 3 }, '/usr/bin/sudo', ['sudo']),
    );
    expect(t.snapshot(10)).toMatchObject({
      user: { id: '0' },
      real_user: { id: '1000' },
      saved_user: { id: '0' },
      group: { id: '50' },
      interactive: true,
      tty: { char_device: { major: 136, minor: 4 } },
      vpid: 3,
    });
  });

  it('accepts u64 fields as bigints', () => {
    const { t } = table();
    const e = t.onExec(
      exec(facts(10, 0, { startNs: 5n * BigInt(S), capEff: 0x1ffffffffffn, cgroupId: 77n }), '/x', []),
    );
    expect(e.startNs).toBe(5 * S);
    expect(e.cgroupId).toBe(77);
    expect(e.capEff).toBe(0x1ffffffffffn);
  });

  it('ignores thread clones and thread exits', () => {
    const { t } = table();
    t.onExec(exec(facts(10, S), '/x', ['x']));
    expect(t.onFork(F({ ...fork(10, 1, S), tid: 11 }))).toBeUndefined();
    expect(t.onExit(exit({ ...facts(10, S), tid: 11 }, 0))).toBeUndefined();
    expect(t.get(10)!.ended).toBe(false);
    expect(t.stats().threadEventsIgnored).toBe(2);
  });

  it('a second exit changes nothing', () => {
    const { t } = table();
    const p = facts(10, S);
    t.onExec(exec(p, '/x', ['x']));
    t.onExit(exit(p, 1, 2 * S));
    t.onExit(exit(p, 9, 3 * S));
    expect(t.get(10)).toMatchObject({ exitCode: 1, endNs: 2 * S });
    expect(t.stats().duplicateExits).toBe(1);
  });
});

describe('entity ids', () => {
  it("are Elastic's form with the start in clock ticks appended", () => {
    const { t } = table();
    const e = t.onExec(exec(facts(4242, 12.345 * S), '/x', ['x']));
    expect(decodeEntity(t.entityId(e))).toBe(`agent-1-4242-${1_700_000_012}-1234`);
  });

  it('differ for the same pid reused within one second', () => {
    const { t } = table();
    const a = facts(300, 50.1 * S);
    t.onExec(exec(a, '/a', ['a']));
    const idA = t.snapshot(300)!.entity_id;
    t.onExit(exit(a, 0, 50.2 * S));
    t.onFork(F(fork(300, 1, 50.7 * S)));
    const idB = t.snapshot(300)!.entity_id;
    expect(idB).not.toBe(idA);
    expect(decodeEntity(idA).split('-').slice(0, 4)).toEqual(decodeEntity(idB).split('-').slice(0, 4));
  });

  it('are computed once', () => {
    const { t } = table();
    const e = t.onExec(exec(facts(10, S), '/x', ['x']));
    expect(t.entityId(e)).toBe(t.entityId(e));
    expect(e.entityId).toBe(t.entityId(e));
  });
});

describe('pid reuse and out-of-order events', () => {
  it('a fork on a pid held by another process replaces it', () => {
    const { t } = table();
    withInit(t);
    const old = t.onExec(exec(facts(50, 2 * S), '/old', ['old']));
    const oldId = t.entityId(old);
    const fresh = t.onFork(F(fork(50, 1, 90 * S)))!;
    expect(fresh).not.toBe(old);
    expect(t.get(50)).toBe(fresh);
    expect(t.entityId(fresh)).not.toBe(oldId);
    // The old one was never seen exiting: it is considered ended when its pid was taken.
    expect(old.ended).toBe(true);
    expect(old.endNs).toBe(90 * S);
    expect(t.snapshot(50)!.executable).toBe('/usr/lib/systemd/systemd');
    expect(t.stats().pidReuse).toBe(1);
  });

  it('a parent pid reused after the child started is not the parent', () => {
    const { t } = table();
    t.onExec(exec(facts(10, 1 * S), '/parent', ['p']));
    t.onFork(F(fork(11, 10, 2 * S)));
    t.onExit(exit(facts(10, 1 * S), 0, 3 * S));
    t.onFork(F(fork(10, 1, 4 * S))); // pid 10 reused
    t.onExec(exec(facts(10, 4 * S), '/impostor', ['i']));
    const s = t.snapshot(11)!;
    expect(s.parent).toBeUndefined();
    expect(t.stats().unknownParentLookups).toBeGreaterThan(0);
  });

  it('a fork naming the parent start rejects a stale parent entry', () => {
    const { t } = table();
    t.onExec(exec(facts(10, 1 * S), '/stale', ['s']));
    const before = t.stats().unknownParentLookups;
    const c = t.onFork(F(fork(11, 10, 5 * S), { parentStartNs: 3 * S }))!;
    expect(c.executable).toBe('');
    expect(c.name).toBe('x');
    expect(t.stats().unknownParentLookups).toBe(before + 1);
  });

  it('events for unknown pids create the entry from their own facts', () => {
    const { t } = table();
    const p = facts(77, 3 * S, { comm: 'curl', ppid: 1 });
    t.onExec(exec(p, '/usr/bin/curl', ['curl', 'x']));
    t.onExit(exit(facts(78, 4 * S, { comm: 'ghost' }), 1));
    t.onSetsid(F(facts(79, 4 * S, { comm: 'daemon' })));
    expect(t.snapshot(77)).toMatchObject({ name: 'curl', args: ['curl', 'x'] });
    expect(t.snapshot(78)).toMatchObject({ name: 'ghost', exit_code: 1, executable: '' });
    expect(t.snapshot(79)).toMatchObject({ name: 'daemon' });
    expect(t.stats().unknownPidEvents).toBe(3);
  });

  it('an event about an older process than the pid holder leaves the table alone', () => {
    const { t } = table();
    const young = t.onExec(exec(facts(60, 10 * S), '/young', ['y']));
    const late = t.onExit(exit(facts(60, 5 * S, { comm: 'old' }), 3, 9 * S))!;
    expect(late).not.toBe(young);
    expect(late).toMatchObject({ exitCode: 3, comm: 'old' });
    expect(t.get(60)).toBe(young);
    expect(young.ended).toBe(false);
    expect(t.stats()).toMatchObject({ lateEvents: 1, pidReuse: 0 });
  });

  it('a late exec or setsid of the previous pid holder is answered from its own facts', () => {
    const { t } = table();
    const young = t.onExec(exec(facts(60, 10 * S), '/young', ['y']));
    const lateExec = t.onExec(exec(facts(60, 5 * S), '/old', ['o']));
    expect(lateExec).toMatchObject({ executable: '/old', args: ['o'] });
    expect(t.snapshot(lateExec)).toMatchObject({ pid: 60, executable: '/old' });
    expect(t.snapshot(lateExec)!.entity_id).not.toBe(t.snapshot(60)!.entity_id);
    expect(t.onSetsid(F(facts(60, 5 * S)))).not.toBe(young);
    expect(t.get(60)).toBe(young);
    expect(t.get(60)!.executable).toBe('/young');
    expect(t.stats()).toMatchObject({ lateEvents: 2, pidReuse: 0 });
  });

  it('a duplicate fork (already known) keeps what is known', () => {
    const { t } = table();
    t.onExec(exec(facts(10, S), '/bin/bash', ['bash']));
    const c = fork(11, 10, 2 * S);
    t.onExec(exec(c, '/bin/ls', ['ls'])); // exec delivered before its fork
    t.onFork(F(c));
    expect(t.snapshot(11)).toMatchObject({ executable: '/bin/ls', args: ['ls'] });
    expect(t.stats()).toMatchObject({ duplicateForks: 1, pidReuse: 0 });
  });
});

describe('leaders', () => {
  it('setsid makes the process its own session and group leader', () => {
    const { t } = table();
    withInit(t);
    t.onExec(exec(facts(100, S, { comm: 'bash' }), '/bin/bash', ['bash']));
    const d = fork(101, 100, 2 * S, { pgid: 100, sid: 100 });
    t.onFork(F(d));
    let s = t.snapshot(101)!;
    expect(s.session_leader).toMatchObject({ pid: 100, same_as_process: false });
    expect(s.group_leader).toMatchObject({ pid: 100, same_as_process: false });
    t.onSetsid(F({ ...d, sid: 101, pgid: 101 }));
    s = t.snapshot(101)!;
    expect(s.session_leader).toMatchObject({ pid: 101, same_as_process: true, entity_id: s.entity_id });
    expect(s.group_leader).toMatchObject({ pid: 101, same_as_process: true });
    expect(t.stats().setsids).toBe(1);
  });

  it('container: a session leader whose parent is conmon leads, its children inherit', () => {
    const { t } = table();
    withInit(t);
    t.onExec(exec(facts(700, S, { comm: 'conmon' }), '/usr/bin/conmon', ['/usr/bin/conmon', '--cid', 'abc']));
    // runc init: forked under conmon, setsid, then execs the container's command.
    const init = fork(710, 700, 2 * S, { comm: 'runc:[2:INIT]' });
    t.onFork(F(init));
    t.onSetsid(F({ ...init, sid: 710, pgid: 710 }));
    const initNs = { ...init, sid: 710, pgid: 710, vpid: 1, comm: 'sh' };
    t.onExec(exec(initNs, '/bin/sh', ['sh', '-c', 'sleep 1; id']));
    const child = fork(711, 710, 3 * S, { sid: 710, pgid: 710, vpid: 2 });
    t.onFork(F(child));
    t.onExec(exec(child, '/bin/sleep', ['sleep', '1']));

    const lead = t.snapshot(710)!;
    expect(lead.entry_leader).toMatchObject({
      pid: 710,
      same_as_process: true,
      entry_meta: { type: 'container' },
    });
    expect(lead.parent).toMatchObject({ pid: 700, name: 'conmon' });
    const s = t.snapshot(711)!;
    expect(s.entry_leader).toMatchObject({
      pid: 710,
      name: 'sh',
      same_as_process: false,
      entry_meta: { type: 'container' },
      entity_id: lead.entity_id,
    });
    expect(s).toMatchObject({ vpid: 2, parent: { pid: 710 }, session_leader: { pid: 710 } });
    // conmon itself is a session leader under init.
    expect(t.snapshot(700)!.entry_leader).toMatchObject({ pid: 700, entry_meta: { type: 'init' } });
  });

  it('container: an exec into a running container (parent runc) with a pts', () => {
    const { t } = table();
    t.onExec(
      exec(facts(800, S, { ppid: 1, comm: 'containerd-shim' }), '/usr/bin/containerd-shim-runc-v2', ['shim']),
    );
    t.onExec(exec(facts(850, 2 * S, { ppid: 800 }), '/usr/sbin/runc', ['runc', 'exec']));
    const sh = facts(860, 3 * S, { ppid: 850, ttyMajor: 136, ttyMinor: 0 });
    t.onExec(exec(sh, '/bin/sh', ['sh', '-i']));
    expect(t.snapshot(860)).toMatchObject({
      interactive: true,
      entry_leader: { pid: 860, same_as_process: true, entry_meta: { type: 'container' } },
    });
  });

  it('container: an exec whose runc parent is already gone leads by the pid-namespace boundary', () => {
    // CRI exec: `runc init` forks the command into the container's pid namespace and exits
    // before its name can be read; the session leader's parent is unknown to the table.
    const { t } = table();
    const CONTAINER_NS = 4026532999;
    const sh = facts(870, 3 * S, { ppid: 869, vpid: 7, pidNsInum: CONTAINER_NS, ttyMajor: 136, ttyMinor: 1 });
    t.onExec(exec(sh, '/bin/sh', ['sh', '-i']));
    expect(t.snapshot(870)).toMatchObject({
      interactive: true,
      entry_leader: { pid: 870, same_as_process: true, entry_meta: { type: 'container' } },
    });
    // A parent on the host side of the boundary, whatever its name, gives the same answer.
    t.onExec(exec(facts(880, S, { ppid: 1, comm: 'youki' }), '/usr/bin/youki', ['youki', 'exec']));
    t.onExec(exec(facts(881, 2 * S, { ppid: 880, vpid: 9, pidNsInum: CONTAINER_NS }), '/bin/sh', ['sh']));
    expect(t.snapshot(881)!.entry_leader).toMatchObject({ pid: 881, entry_meta: { type: 'container' } });
    // A setsid inside the container (parent in the same namespace) inherits instead.
    t.onExec(exec(facts(882, 4 * S, { ppid: 881, vpid: 10, pidNsInum: CONTAINER_NS }), '/bin/sh', ['sh']));
    expect(t.snapshot(882)!.entry_leader).toMatchObject({ pid: 881, same_as_process: false });
    // A host process (vpid == pid) with an unknown parent is not a container entry.
    t.onExec(exec(facts(890, 5 * S, { ppid: 889 }), '/bin/bash', ['bash']));
    expect(t.snapshot(890)!.entry_leader?.entry_meta?.type).not.toBe('container');
  });

  it('runtime internals never lead', () => {
    const { t } = table();
    t.onExec(exec(facts(700, S, { ppid: 1 }), '/usr/bin/conmon', ['conmon']));
    t.onExec(exec(facts(710, 2 * S, { ppid: 700 }), '/usr/sbin/runc', ['runc', 'init']));
    expect(t.snapshot(710)!.entry_leader).toMatchObject({ pid: 700, entry_meta: { type: 'init' } });
  });

  it('sshd: the session program under sshd leads', () => {
    const { t } = table();
    withInit(t);
    t.onExec(exec(facts(500, S), '/usr/sbin/sshd', ['sshd', '-D']));
    t.onExec(exec(facts(600, 2 * S, { ppid: 500 }), '/usr/sbin/sshd', ['sshd: root@pts/0']));
    t.onExec(exec(facts(601, 3 * S, { ppid: 600, ttyMajor: 136, ttyMinor: 0 }), '/bin/bash', ['-bash']));
    t.onFork(F(fork(602, 601, 4 * S, { ttyMajor: 136 })));
    expect(t.snapshot(601)!.entry_leader).toMatchObject({ pid: 601, entry_meta: { type: 'sshd' } });
    expect(t.snapshot(602)!.entry_leader).toMatchObject({ pid: 601, same_as_process: false });
    // sshd's own per-connection child is a session leader under sshd but named sshd: not an sshd entry.
    expect(t.snapshot(600)!.entry_leader).toMatchObject({ pid: 500, entry_meta: { type: 'init' } });
  });

  it.each([
    ['serial tty', 4, 64, '/bin/bash', 'terminal'],
    ['virtual console with login', 4, 1, '/bin/login', 'console'],
    ['ssm session on a pts', 136, 1, '/bin/bash', 'ssm'],
  ] as const)('%s', (_l, major, minor, exe, type) => {
    const { t } = table();
    t.onExec(exec(facts(20, S, { ppid: 1 }), '/usr/bin/ssm-session-worker', ['ssm-session-worker']));
    t.onExec(exec(facts(30, 2 * S, { ppid: 20, ttyMajor: major, ttyMinor: minor }), exe, ['x']));
    expect(t.snapshot(30)!.entry_leader).toMatchObject({ pid: 30, entry_meta: { type } });
  });

  it('no entry leader for pid 1 and kernel threads; unknown for an orphan session', () => {
    const { t } = table();
    withInit(t);
    t.onFork(F(fork(2, 0, 0, { sid: 0, pgid: 0, comm: 'kthreadd' })));
    t.onFork(F(fork(40, 2, S, { sid: 0, pgid: 0, comm: 'kworker/0:0' })));
    t.onExec(exec(facts(90, S, { ppid: 89 }), '/bin/tmux', ['tmux'])); // parent unknown
    expect(t.snapshot(1)!.entry_leader).toBeUndefined();
    expect(t.snapshot(1)!.parent).toBeUndefined();
    expect(t.snapshot(40)!.entry_leader).toBeUndefined();
    expect(t.snapshot(90)!.entry_leader).toMatchObject({ pid: 90, entry_meta: { type: 'unknown' } });
  });

  it('a session leader with no own type inherits from its parent', () => {
    const { t } = table();
    withInit(t);
    t.onExec(exec(facts(500, S), '/usr/sbin/sshd', ['sshd']));
    t.onExec(exec(facts(601, 3 * S, { ppid: 500, ttyMajor: 136 }), '/bin/bash', ['bash']));
    // tmux server: its own session, parent is the ssh shell.
    t.onExec(exec(facts(700, 4 * S, { ppid: 601 }), '/usr/bin/tmux', ['tmux']));
    expect(t.snapshot(700)!.entry_leader).toMatchObject({ pid: 601, entry_meta: { type: 'sshd' } });
  });
});

describe('interactive', () => {
  it.each([
    [136, 0, TtyType.Pts],
    [143, 1000, TtyType.Pts],
    [135, 0, TtyType.None],
    [144, 0, TtyType.None],
    [4, 0, TtyType.Console],
    [4, 63, TtyType.Console],
    [4, 64, TtyType.Tty],
    [4, 255, TtyType.Tty],
    [4, 256, TtyType.None],
    [5, 1, TtyType.None], // /dev/console
    [0, 0, TtyType.None],
  ])('major %i minor %i', (major, minor, type) => {
    expect(ttyType(major, minor)).toBe(type);
    expect(isInteractive(major, minor)).toBe(type !== TtyType.None);
  });
});

describe('bounds', () => {
  it('evicts exited processes first, oldest exit first, then live ones least recently active', () => {
    const { t } = table({ maxEntries: 4, exitedGraceNs: 1e6 * S });
    const p = (pid: number) => facts(pid, pid * S);
    for (const pid of [10, 11, 12, 13]) t.onExec(exec(p(pid), `/p${pid}`, []));
    t.onExit(exit(p(12), 0, 20 * S));
    t.onExit(exit(p(10), 0, 21 * S));
    t.onExec(exec(p(14), '/p14', [])); // over the cap: 12 exited first
    expect(t.get(12)).toBeUndefined();
    expect(t.get(10)).toBeDefined();
    t.onExec(exec(p(15), '/p15', [])); // then 10
    expect(t.get(10)).toBeUndefined();
    expect(t.stats()).toMatchObject({ size: 4, evictedExitedForCap: 2, evictedLiveForCap: 0 });
    t.onSetsid(F(p(11))); // 11 active again: 13 is now the least recently active
    t.onExec(exec(p(16), '/p16', []));
    expect(t.get(13)).toBeUndefined();
    expect(t.get(11)).toBeDefined();
    expect(t.stats()).toMatchObject({ size: 4, live: 4, exited: 0, evictedLiveForCap: 1 });
  });

  it('exited processes stay resolvable for the grace period, then go', () => {
    const { t, clock } = table({ exitedGraceNs: 30 * S });
    t.onExec(exec(facts(10, S), '/bin/sh', ['sh']));
    t.onExit(exit(facts(10, S), 0, clock.now));
    clock.now += 10 * S;
    // A late child event still finds its parent.
    t.onFork(F(fork(11, 10, 2 * S)));
    expect(t.snapshot(11)!.parent).toMatchObject({ pid: 10, executable: '/bin/sh' });
    clock.now += 25 * S;
    t.sweep();
    expect(t.get(10)).toBeUndefined();
    expect(t.snapshot(11)!.parent).toBeUndefined();
    expect(t.stats()).toMatchObject({ evictedExpired: 1, size: 1 });
  });

  it('size never exceeds the cap under churn', () => {
    const { t, clock } = table({ maxEntries: 100 });
    for (let i = 0; i < 5000; i++) {
      const pid = 1000 + (i % 3000);
      const f = facts(pid, (i + 1) * S);
      t.onFork(F({ ...f, ppid: 1000 + ((i * 7) % 3000) }));
      if (i % 3 !== 0) t.onExit(exit(f, 0, clock.now));
      expect(t.stats().size).toBeLessThanOrEqual(100);
    }
    const st = t.stats();
    expect(st.live + st.exited).toBe(st.size);
  });
});
