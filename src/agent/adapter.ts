// Adapters between the parts: sensor records → the process table's TaskFacts, and the table's
// ProcessEntry → the ECS builder's ProcessInfo. Entity ids come from the table (one form).
// Leader refs and credentials are cached per entry / per id triple and rebuilt only when the
// entry changed (exec, setsid), so an event allocates one ProcessInfo and little else.
import type { Credentials, EntryMetaType, IdName, ProcessInfo, ProcessRef } from '../ecs/index.js';
import type { ProcessEntry, ProcessTable, TaskFacts } from '../process/index.js';
import type { ProcessInfo as SensorProcess } from '../sensor/index.js';

/** TaskFacts from a sensor record: one object literal (one hidden class), tid always set. */
export function taskFacts(e: SensorProcess): TaskFacts {
  return {
    tgid: e.tgid,
    tid: e.tid,
    ppid: e.ppid,
    pgid: e.pgid,
    sid: e.sid,
    vpid: e.vpid,
    startNs: e.startTime,
    ruid: e.uid,
    euid: e.euid,
    suid: e.suid,
    rgid: e.gid,
    egid: e.egid,
    sgid: e.sgid,
    capEff: e.capEffective,
    capPrm: e.capPermitted,
    ttyMajor: e.ttyMajor,
    ttyMinor: e.ttyMinor,
    cgroupId: e.cgroupId,
    cgroupPath: e.cgroupPath,
    pidNsInum: e.pidns,
    mntNsInum: e.mntns,
    comm: e.comm,
  };
}

const credCache = new Map<string, Credentials>();
const idNames = new Map<number, IdName>();

function idName(id: number): IdName {
  let v = idNames.get(id);
  if (v === undefined) {
    v = Object.freeze({ id }) as IdName;
    if (idNames.size < 4096) idNames.set(id, v);
  }
  return v;
}

/** Shared, frozen credential triples: containers run as a handful of ids. */
export function credentials(r: number, e: number, s: number): Credentials | undefined {
  if (r < 0 || e < 0) return undefined;
  const key = `${r}:${e}:${s}`;
  let c = credCache.get(key);
  if (c === undefined) {
    c = Object.freeze({ real: idName(r), effective: idName(e), saved: idName(s < 0 ? e : s) });
    if (credCache.size < 4096) credCache.set(key, c);
  }
  return c;
}

interface CachedRef {
  ref: ProcessRef;
  executable: string;
  args: readonly string[];
  cwd: string;
  euid: number;
  egid: number;
  ttyMajor: number;
  ttyMinor: number;
}

/** Turns table entries into the builder's input. One per agent (holds the per-entry cache). */
export class ProcessAdapter {
  private readonly refs = new WeakMap<ProcessEntry, CachedRef>();

  constructor(private readonly table: ProcessTable) {}

  /** A leader/parent ref, reused while the entry's image and ids are unchanged. */
  ref(e: ProcessEntry): ProcessRef {
    const c = this.refs.get(e);
    if (
      c !== undefined &&
      c.executable === e.executable &&
      c.args === e.args &&
      c.cwd === e.cwd &&
      c.euid === e.euid &&
      c.egid === e.egid &&
      c.ttyMajor === e.ttyMajor &&
      c.ttyMinor === e.ttyMinor
    ) {
      return c.ref;
    }
    const ref: ProcessRef = {
      pid: e.pid,
      entityId: this.table.entityId(e),
      startNs: BigInt(Math.round(e.startNs)),
      executable: e.executable || undefined,
      name: e.name || undefined,
      args: e.args,
      ...(e.argc !== 0 ? { argsCount: e.argc } : {}),
      ...(e.argsTruncated ? { argsTruncated: true } : {}),
      workingDirectory: e.cwd || undefined,
      tty: e.ttyMajor === 0 && e.ttyMinor === 0 ? undefined : { major: e.ttyMajor, minor: e.ttyMinor },
      user: credentials(e.ruid, e.euid, e.suid),
      group: credentials(e.rgid, e.egid, e.sgid),
    };
    this.refs.set(e, {
      ref,
      executable: e.executable,
      args: e.args,
      cwd: e.cwd,
      euid: e.euid,
      egid: e.egid,
      ttyMajor: e.ttyMajor,
      ttyMinor: e.ttyMinor,
    });
    return ref;
  }

  /**
   * The process at the time of the event. Captured now (not at emit time) because an event may be
   * held for container metadata while the table moves on. `tid`, capabilities and the cgroup come
   * from the event itself (the thread that acted).
   */
  info(
    e: ProcessEntry,
    ev: Pick<SensorProcess, 'tid' | 'capEffective' | 'capPermitted'>,
    withEnd: boolean,
  ): ProcessInfo {
    const self = this.ref(e);
    const parent = this.table.parentOf(e);
    const group = this.table.leaderOf(e, e.pgid);
    const session = this.table.leaderOf(e, e.sid);
    const entry = e.entryLeader;
    const p: ProcessInfo = {
      pid: self.pid,
      entityId: self.entityId,
      startNs: self.startNs,
      executable: self.executable,
      name: self.name,
      args: self.args,
      ...(self.argsCount !== undefined ? { argsCount: self.argsCount } : {}),
      ...(self.argsTruncated ? { argsTruncated: true } : {}),
      workingDirectory: self.workingDirectory,
      tty: self.tty,
      user: self.user,
      group: self.group,
      tid: ev.tid,
      ppid: e.ppid,
      pgid: e.pgid,
      sid: e.sid,
      vpid: e.vpid,
      capEffective: ev.capEffective,
      capPermitted: ev.capPermitted,
      parent: parent ? this.ref(parent) : undefined,
      groupLeader: group ? this.ref(group) : undefined,
      sessionLeader: session ? this.ref(session) : undefined,
      entryLeader: entry ? this.ref(entry) : undefined,
      entryMetaType: entry ? ((entry.entryType ?? 'unknown') as EntryMetaType) : undefined,
      previous: e.previous ?? undefined,
      containerEntry: e.containerEntry ?? undefined,
      exitCode: withEnd ? e.exitCode : undefined,
      endNs: withEnd && e.endNs >= 0 ? BigInt(Math.round(e.endNs)) : undefined,
    };
    return p;
  }
}
