// Test helper: the facts of one task as the sensor reports them, with neutral defaults
// (a root session leader under init, no TTY, no capabilities) that each test overrides.
import type { TaskFacts } from './types.js';

export function taskFacts(tgid: number, startNs: number, o: Partial<TaskFacts> = {}): TaskFacts {
  return {
    tgid,
    tid: tgid,
    ppid: 1,
    pgid: tgid,
    sid: tgid,
    vpid: tgid,
    startNs,
    ruid: 0,
    euid: 0,
    suid: 0,
    rgid: 0,
    egid: 0,
    sgid: 0,
    capEff: 0n,
    capPrm: 0n,
    ttyMajor: 0,
    ttyMinor: 0,
    cgroupId: 0,
    cgroupPath: '/',
    pidNsInum: 0,
    mntNsInum: 0,
    comm: 'x',
    ...o,
  };
}
