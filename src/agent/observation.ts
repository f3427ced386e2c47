// The first stage of the event path: a record observed once into one value (its task facts and
// container identity, then the process entry the table made of it), and the held events made
// from that value: the acting process's ProcessInfo (with its drift) captured at the time of the
// event, since an event may wait for metadata while the table moves on.
import type { CgroupIdentity, ContainerResolver } from '../container/index.js';
import type { FileChange, PolicyOutcome, ProcessInfo } from '../ecs/index.js';
import type { DeniedInfo } from '../enforce/index.js';
import type { ProcessEntry, ProcessTable, TaskFacts } from '../process/index.js';
import type { DnsMessageEvent, FileEvent, NetworkEvent, SensorEvent, TtyEvent } from '../sensor/index.js';
import { type ProcessAdapter, taskFacts } from './adapter.js';
import type { Held } from './documents.js';
import type { DriftTracker } from './drift.js';
import type { AgentCounters } from './stats.js';

/** One record as observed on arrival: what every later stage reads. */
export interface Observed {
  task: TaskFacts;
  identity: CgroupIdentity | undefined;
}

type Base = Omit<Extract<Held, { kind: 'file' }>, 'kind' | 'file' | 'hook'>;

export class Observer {
  /** Each process's drift, set at exec (inherited at fork); absent: unknown yet. */
  private readonly drifted = new WeakMap<ProcessEntry, boolean>();

  constructor(
    private readonly table: ProcessTable,
    private readonly resolver: ContainerResolver,
    private readonly drift: DriftTracker,
    private readonly adapter: ProcessAdapter,
    private readonly c: AgentCounters,
  ) {}

  observe(e: SensorProcessRecord): Observed {
    return { task: taskFacts(e), identity: this.resolver.identify(e.cgroupPath) };
  }

  /** A fork: the child runs its parent's image (and drift) until it execs. */
  forked(entry: ProcessEntry): void {
    const parent = this.table.parentOf(entry);
    const pd = parent ? this.drifted.get(parent) : undefined;
    if (pd !== undefined) this.drifted.set(entry, pd);
  }

  /** An exec: the process's drift from now on (undefined: unknown). */
  execed(entry: ProcessEntry, drift: boolean | undefined): void {
    if (drift === undefined) this.drifted.delete(entry);
    else this.drifted.set(entry, drift);
  }

  /** The process that acted, from the table (made from the record when unknown or reused). */
  actor(e: FileEvent | NetworkEvent | DnsMessageEvent | TtyEvent, task: TaskFacts): ProcessEntry {
    const entry = this.table.get(e.tgid);
    if (entry && Math.abs(entry.startNs - e.startTime) <= 20e6) return entry;
    this.c.unknownProcessFileEvents++;
    return this.table.onSetsid({ task, timeNs: e.ts });
  }

  /** The acting process at the time of the event, with its drift. */
  info(
    entry: ProcessEntry,
    e: SensorEvent,
    identity: CgroupIdentity | undefined,
    withEnd = false,
  ): ProcessInfo {
    return this.withDrift(this.adapter.info(entry, e, withEnd), entry, identity);
  }

  /** What every held event carries; `info` when already made for the same record. */
  base(entry: ProcessEntry, e: SensorEvent, o: Observed, info?: ProcessInfo, withEnd = false): Base {
    return {
      info: info ?? this.info(entry, e, o.identity, withEnd),
      timeNs: BigInt(Math.round(e.ts)),
      entry,
      cid: o.identity?.id,
      identity: o.identity,
      held: false,
    };
  }

  /** An attempt the enforcer denied, as a held event carrying the enforcer's decision. */
  denied(info: DeniedInfo, outcome: PolicyOutcome): Held {
    const identity = this.resolver.identify(info.cgroupPath);
    const entry = this.table.get(info.pid);
    let proc: ProcessInfo = entry
      ? this.adapter.info(
          entry,
          { tid: info.tid, capEffective: entry.capEff, capPermitted: entry.capPrm },
          false,
        )
      : { pid: info.pid, entityId: '', tid: info.tid };
    // No timeNs: the decision is now (the build time is @timestamp).
    const base = { timeNs: undefined, entry, cid: identity?.id, identity, held: false, denied: outcome };
    if (info.kind === 'exec') {
      // The image that was refused: the caller keeps running its own.
      const name = info.path.slice(info.path.lastIndexOf('/') + 1);
      proc = { ...proc, executable: info.path, name, args: undefined };
      return { kind: 'process', action: 'exec', hook: 'fanotify__open_exec_perm', info: proc, ...base };
    }
    const file: FileChange = {
      path: info.path,
      operation: info.event.operation as FileChange['operation'],
      action: 'open',
      mode: info.mode & 0o7777,
    };
    return { kind: 'file', file, hook: 'fanotify__open_perm', info: proc, ...base };
  }

  /**
   * process.drift of the acting process: from its exec, or for a process that was running when
   * the agent started, from its container's upper layer (once, then remembered).
   */
  private withDrift(
    info: ProcessInfo,
    entry: ProcessEntry,
    identity: CgroupIdentity | undefined,
  ): ProcessInfo {
    let d = this.drifted.get(entry);
    if (d === undefined && entry.executable !== '' && identity !== undefined) {
      d = this.drift.ofRunning(identity.id, entry.pid, entry.mntNsInum, entry.executable);
      if (d !== undefined) this.drifted.set(entry, d);
    }
    if (d !== undefined) info.drift = d;
    return info;
  }
}

type SensorProcessRecord = Parameters<typeof taskFacts>[0] & { cgroupPath: string };
