import { describe, expect, it } from 'vitest';
import { evaluateEntryLeader, Flag, ProcessEntry } from '../process/index.js';
import { classifyEntry, isContainerRuntimeName, isInteractive, ttyKind } from './session.js';

describe('interactive rule (Elastic: pts 136-143, tty major 4 minor 64-255, console major 4 minor <= 63)', () => {
  const cases: [number, number, string | undefined][] = [
    [136, 0, 'pts'],
    [136, 5, 'pts'],
    [143, 1048575, 'pts'],
    [135, 0, undefined],
    [144, 0, undefined],
    [4, 0, 'console'],
    [4, 63, 'console'],
    [4, 64, 'tty'],
    [4, 255, 'tty'],
    [4, 256, undefined],
    [5, 1, undefined], // /dev/console (major 5) is not in Elastic's rule
    [5, 0, undefined], // /dev/tty
    [0, 0, undefined],
  ];
  it.each(cases)('major %i minor %i → %s', (major, minor, kind) => {
    expect(ttyKind({ major, minor })).toBe(kind);
    expect(isInteractive({ major, minor })).toBe(kind !== undefined);
  });
  it('no tty is not interactive', () => {
    expect(isInteractive(undefined)).toBe(false);
  });
});

describe('entry leader classification', () => {
  const pts = { major: 136, minor: 3 };
  const ttyS0 = { major: 4, minor: 64 };
  const tty1 = { major: 4, minor: 1 };
  it('pid 1, kernel threads and kthreadd children have none', () => {
    expect(classifyEntry({ pid: 1, sid: 1 }, undefined)).toEqual({ kind: 'none' });
    expect(classifyEntry({ pid: 2, sid: 0, kthread: true }, { name: 'kthreadd' })).toEqual({ kind: 'none' });
    expect(classifyEntry({ pid: 50, sid: 0, ppid: 2 }, { name: 'kthreadd' })).toEqual({ kind: 'none' });
  });
  it('session leader under a container shim or runtime is a container entry', () => {
    for (const name of ['containerd-shim', 'containerd-shim-runc-v2', 'runc', 'conmon', 'runc:[2:INIT]']) {
      expect(classifyEntry({ pid: 10, sid: 10, ppid: 9, name: 'sh' }, { name }), name).toEqual({
        kind: 'self',
        type: 'container',
      });
    }
    // With a pts too (podman exec -it): still a container entry, not a terminal one.
    expect(classifyEntry({ pid: 10, sid: 10, ppid: 9, name: 'sh', tty: pts }, { name: 'runc' })).toEqual({
      kind: 'self',
      type: 'container',
    });
    // By executable when the name is unknown.
    expect(classifyEntry({ pid: 10, sid: 10, ppid: 9 }, { executable: '/usr/bin/conmon' })).toEqual({
      kind: 'self',
      type: 'container',
    });
    // Runtime internals never lead.
    expect(classifyEntry({ pid: 10, sid: 10, ppid: 9, name: 'runc' }, { name: 'conmon' })).toEqual({
      kind: 'inherit',
    });
  });
  it('terminal only for serial ttys; console only for login', () => {
    expect(classifyEntry({ pid: 10, sid: 10, ppid: 9, name: 'getty', tty: ttyS0 }, undefined)).toEqual({
      kind: 'self',
      type: 'terminal',
    });
    expect(classifyEntry({ pid: 10, sid: 10, ppid: 9, name: 'login', tty: tty1 }, undefined)).toEqual({
      kind: 'self',
      type: 'console',
    });
    expect(classifyEntry({ pid: 10, sid: 10, ppid: 9, name: 'bash', tty: pts }, { name: 'sshd' })).toEqual({
      kind: 'self',
      type: 'sshd',
    });
    expect(classifyEntry({ pid: 10, sid: 10, ppid: 9, name: 'bash', tty: pts }, { name: 'tmux' })).toEqual({
      kind: 'inherit',
    });
  });
  it('everything else inherits', () => {
    expect(classifyEntry({ pid: 10, sid: 10, ppid: 9 }, { name: 'systemd' })).toEqual({ kind: 'inherit' });
    expect(classifyEntry({ pid: 11, sid: 10, tty: pts }, { name: 'runc' })).toEqual({ kind: 'inherit' });
    expect(classifyEntry({ pid: 11 }, undefined)).toEqual({ kind: 'inherit' });
    expect(classifyEntry({ pid: 10, sid: 10 }, undefined)).toEqual({ kind: 'inherit' });
  });
  it("recognises runtime names by Elastic's prefixes", () => {
    expect(isContainerRuntimeName('containerd-shim-runc-v2')).toBe(true);
    expect(isContainerRuntimeName('shim')).toBe(false);
    expect(isContainerRuntimeName('')).toBe(false);
    expect(isContainerRuntimeName(undefined)).toBe(false);
  });
});

describe('classifyEntry agrees with the process table (evaluateEntryLeader)', () => {
  // self: [pid, ppid, sid, name, tty major, tty minor, kthread]; parent name ('' = no parent)
  const table: [number, number, number, string, number, number, boolean, string][] = [
    [1, 0, 1, 'systemd', 0, 0, false, ''],
    [2, 0, 0, 'kthreadd', 0, 0, true, ''],
    [30, 2, 0, 'kworker/0:1', 0, 0, true, 'kthreadd'],
    [10, 9, 10, 'sh', 0, 0, false, 'containerd-shim-runc-v2'],
    [10, 9, 10, 'sh', 136, 0, false, 'runc'],
    [10, 9, 10, 'sh', 136, 0, false, 'conmon'],
    [10, 9, 10, 'runc:[2:INIT]', 0, 0, false, 'runc'],
    [10, 9, 10, 'bash', 136, 2, false, 'sshd'],
    [10, 9, 10, 'sshd', 0, 0, false, 'sshd'],
    [10, 9, 10, 'bash', 136, 2, false, 'ssm-session-worker'],
    [10, 9, 10, 'bash', 0, 0, false, 'ssm-session-worker'],
    [10, 9, 10, 'agetty', 4, 64, false, 'systemd'],
    [10, 9, 10, 'agetty', 4, 255, false, 'systemd'],
    [10, 9, 10, 'login', 4, 1, false, 'systemd'],
    [10, 9, 10, 'bash', 4, 1, false, 'login'],
    [10, 1, 10, 'sshd', 0, 0, false, 'systemd'],
    [10, 9, 10, 'bash', 136, 0, false, 'tmux: server'],
    [11, 10, 10, 'ls', 136, 0, false, 'bash'],
    [10, 9, 10, 'sh', 0, 0, false, ''],
  ];
  it.each(table)(
    'pid %i ppid %i sid %i %s tty %i:%i kthread %s under %j',
    (pid, ppid, sid, name, major, minor, kthread, parentName) => {
      const e = new ProcessEntry(pid, 0);
      Object.assign(e, { ppid, sid, pgid: sid, name, ttyMajor: major, ttyMinor: minor });
      if (kthread) e.flags |= Flag.KThread;
      let parent: ProcessEntry | undefined;
      if (parentName !== '') {
        parent = new ProcessEntry(ppid, 0);
        parent.name = parentName;
      }
      evaluateEntryLeader(e, { parentOf: () => parent, leaderOf: () => undefined });
      const d = classifyEntry(
        { pid, ppid, sid, name, kthread, tty: major === 0 ? undefined : { major, minor } },
        parent ? { name: parentName } : undefined,
      );
      if (d.kind === 'none') expect(e.entryLeader).toBeNull();
      else if (d.kind === 'self') {
        expect(e.entryLeader).toBe(e);
        expect(e.entryType).toBe(d.type);
      } else {
        // Inherits: nothing to inherit here, so the table makes a session leader `unknown`.
        expect(e.entryLeader === null || e.entryType === 'unknown').toBe(true);
      }
    },
  );
});
