// Exec-into-container marking through the table's real event paths: the container's init tree,
// runtime execs (with and without a terminal, parent known or gone), nsenter, reparented
// orphans, host processes.
import { describe, expect, it } from 'vitest';
import { taskFacts } from './facts.fixture.js';
import { ProcessTable } from './table.js';
import type { TaskFacts } from './types.js';

const S = 1e9;
const HOST_NS = 4026531836;
const CT_NS = 4026532777;

function table() {
  return new ProcessTable({
    agentId: 'a',
    bootTimeMs: 1_700_000_000_000,
    lazyFillPerSecond: 0,
    cgroup2Root: '',
    nowNs: () => 1000 * S,
  });
}
const host = (pid: number, start: number, o: Partial<TaskFacts> = {}) =>
  taskFacts(pid, start, { pidNsInum: HOST_NS, ...o });
const ct = (pid: number, vpid: number, start: number, o: Partial<TaskFacts> = {}) =>
  taskFacts(pid, start, { pidNsInum: CT_NS, vpid, ...o });
const exec = (task: TaskFacts, filename: string, argv: string[]) => ({ task, filename, argv, cwd: '/' });

/** conmon (host) → the container's init `sh -c …` (vpid 1) → a child `sleep`. */
function container(t: ProcessTable) {
  t.onExec(exec(host(500, S, { comm: 'conmon' }), '/usr/bin/conmon', ['conmon']));
  t.onExec(exec(ct(510, 1, 2 * S, { ppid: 500, comm: 'sh' }), '/bin/sh', ['sh', '-c', 'sleep 1d']));
  t.onFork({ task: ct(511, 2, 3 * S, { ppid: 510, sid: 510, pgid: 510 }) });
  t.onExec(exec(ct(511, 2, 3 * S, { ppid: 510, sid: 510, pgid: 510 }), '/bin/sleep', ['sleep', '1d']));
}

describe('process.container_entry', () => {
  it("marks the container's init and its tree as init, pid 1 as container_init", () => {
    const t = table();
    container(t);
    expect(t.snapshot(510)).toMatchObject({ container_entry: 'init', container_init: true });
    expect(t.snapshot(511)).toMatchObject({ container_entry: 'init', container_init: false });
    // The init is an entry leader of type container, as an exec is: only the new field tells them apart.
    expect(t.snapshot(510)?.entry_leader?.entry_meta?.type).toBe('container');
  });

  it('marks a runtime exec, with or without a terminal, and everything it starts, as exec', () => {
    const t = table();
    container(t);
    t.onExec(exec(host(600, 10 * S, { ppid: 500, comm: 'runc' }), '/usr/sbin/runc', ['runc', 'exec']));
    // runc's last stage forks the command into the container's namespace (no TTY).
    t.onFork({ task: ct(601, 7, 11 * S, { ppid: 600, comm: 'runc:[2:INIT]' }) });
    t.onExec(
      exec(ct(601, 7, 11 * S, { ppid: 600, sid: 601, pgid: 601 }), '/bin/cat', ['cat', '/etc/passwd']),
    );
    expect(t.snapshot(601)).toMatchObject({
      container_entry: 'exec',
      container_init: false,
      interactive: false,
    });
    // With a terminal, parent already gone (CRI exec): the namespace boundary decides.
    const tty = { ttyMajor: 136, ttyMinor: 3 };
    t.onExec(exec(ct(700, 9, 12 * S, { ppid: 699, sid: 700, pgid: 700, ...tty }), '/bin/sh', ['sh']));
    t.onFork({ task: ct(701, 10, 13 * S, { ppid: 700, sid: 700, pgid: 701, ...tty }) });
    t.onExec(exec(ct(701, 10, 13 * S, { ppid: 700, sid: 700, pgid: 701, ...tty }), '/bin/id', ['id']));
    expect(t.snapshot(700)).toMatchObject({ container_entry: 'exec', interactive: true });
    expect(t.snapshot(701)).toMatchObject({ container_entry: 'exec' });
  });

  it("stays exec when the exec'd shell exits and its child is reparented to the container's pid 1", () => {
    const t = table();
    container(t);
    t.onExec(exec(ct(800, 20, 20 * S, { ppid: 799, sid: 800, pgid: 800 }), '/bin/sh', ['sh']));
    t.onFork({ task: ct(801, 21, 21 * S, { ppid: 800, sid: 800, pgid: 800 }) });
    t.onExit({ task: ct(800, 20, 20 * S, { ppid: 799, sid: 800, pgid: 800 }), exitCode: 0 });
    t.onExec(exec(ct(801, 21, 21 * S, { ppid: 510, sid: 800, pgid: 800 }), '/bin/sleep', ['sleep', '9']));
    expect(t.snapshot(801)).toMatchObject({ container_entry: 'exec', parent: { pid: 510 } });
  });

  it('marks a process forked into the namespace by nsenter as nsenter', () => {
    const t = table();
    container(t);
    t.onExec(
      exec(host(900, 30 * S, { comm: 'nsenter' }), '/usr/bin/nsenter', ['nsenter', '-t', '510', '-a']),
    );
    t.onFork({ task: ct(901, 30, 31 * S, { ppid: 900, comm: 'nsenter' }) });
    t.onExec(exec(ct(901, 30, 31 * S, { ppid: 900 }), '/bin/sh', ['sh']));
    expect(t.snapshot(901)).toMatchObject({ container_entry: 'nsenter', container_init: false });
  });

  it('leaves host processes unmarked', () => {
    const t = table();
    container(t);
    const s = t.snapshot(500)!;
    expect(s.container_entry).toBeUndefined();
    expect(s.container_init).toBeUndefined();
  });
});
