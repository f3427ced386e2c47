// The process table: every process the agent knows, bootstrapped from /proc and kept by the
// sensor's fork/exec/exit/setsid events. O(1) maps on the hot path; /proc is read again only for
// unknown pids, rate-limited and counted.
import { cgroupIdResolver, readAllProcesses } from './bootstrap.js';
import { EMPTY_ARGS, EntryList, Flag, ListId, ProcessEntry } from './entry.js';
import { basename, evaluateEntryLeader, type Relatives } from './leaders.js';
import { evaluateContainerEntry } from './origin.js';
import {
  findCgroup2Mount,
  newReadCounters,
  nodeProcFs,
  type ProcFs,
  type ProcInfo,
  readBootTimeSeconds,
  readProcess,
} from './procfs.js';
import type {
  BootstrapStats,
  ExecRecord,
  ExitRecord,
  ForkRecord,
  PreviousImage,
  ProcessSnapshot,
  ProcessTableOptions,
  ProcessTableStats,
  SetsidRecord,
  TaskFacts,
  U64,
} from './types.js';
import { buildSnapshot, entityIdOf } from './view.js';

const MAX_INTERNED = 16_384;
/** Ancestors filled lazily in one go at most (each also costs a rate-limit token). */
const MAX_LAZY_DEPTH = 32;
const LAZY_MISS_TTL_NS = 5e9;

type Counters = Omit<ProcessTableStats, 'size' | 'live' | 'exited' | 'bootstrap'>;

function toNum(v: U64): number {
  return typeof v === 'bigint' ? Number(v) : v;
}

export class ProcessTable implements Relatives {
  readonly agentId: string;
  readonly maxEntries: number;
  readonly exitedGraceNs: number;
  readonly maxPrevious: number;
  readonly procRoot: string;
  readonly tickNs: number;
  /** Two start times closer than this are the same process: /proc only knows clock ticks. */
  readonly sameStartToleranceNs: number;
  readonly bootTimeMs: number;
  private readonly nowNs: () => number;
  private readonly cgroup2Root: string | undefined;
  private readonly lazyRate: number;
  private lazyTokens: number;
  private lazyRefillNs: number;
  private lazyDepth = 0;
  private readonly lazyMissed = new Map<number, number>();
  private readonly procFs: ProcFs;

  private readonly map = new Map<number, ProcessEntry>();
  private readonly live = new EntryList(ListId.Live);
  private readonly exitedList = new EntryList(ListId.Exited);
  private readonly strings = new Map<string, string>();
  private readonly capSet: bigint[] = [0n];
  private capNext = 0;
  private readonly c: Counters = {
    forks: 0,
    execs: 0,
    exits: 0,
    setsids: 0,
    unknownPidEvents: 0,
    unknownParentLookups: 0,
    unknownLeaderLookups: 0,
    pidReuse: 0,
    lateEvents: 0,
    duplicateForks: 0,
    duplicateExits: 0,
    threadEventsIgnored: 0,
    execReplays: 0,
    evictedExpired: 0,
    evictedExitedForCap: 0,
    evictedLiveForCap: 0,
    lazyFills: 0,
    lazyFillMisses: 0,
    lazyFillRateLimited: 0,
    internResets: 0,
  };
  private boot: BootstrapStats = {
    processes: 0,
    vanished: 0,
    permissionDenied: 0,
    errors: 0,
    partial: 0,
    durationMs: 0,
  };

  constructor(opts: ProcessTableOptions, procFs: ProcFs = nodeProcFs) {
    this.agentId = opts.agentId;
    this.maxEntries = Math.max(1, opts.maxEntries ?? 65_536);
    this.exitedGraceNs = opts.exitedGraceNs ?? 30e9;
    this.maxPrevious = Math.max(0, opts.maxPrevious ?? 1);
    this.procRoot = opts.procRoot ?? '/proc';
    this.tickNs = 1e9 / (opts.clockTicksPerSecond ?? 100);
    this.sameStartToleranceNs = 2 * this.tickNs;
    this.nowNs = opts.nowNs ?? (() => Number(process.hrtime.bigint()));
    this.procFs = procFs;
    this.lazyRate = opts.lazyFillPerSecond ?? 50;
    this.lazyTokens = this.lazyRate;
    this.lazyRefillNs = this.nowNs();
    const btime = opts.bootTimeMs === undefined ? readBootTimeSeconds(this.procRoot, procFs) : undefined;
    this.bootTimeMs =
      opts.bootTimeMs ?? (btime !== undefined ? btime * 1000 : Date.now() - this.nowNs() / 1e6);
    this.cgroup2Root = opts.cgroup2Root ?? detectCgroup2(this.procRoot, procFs);
  }

  // ---------------------------------------------------------------- bootstrap

  /** Loads every process of PROCROOT. Never throws: failures are counted in the returned stats. */
  async bootstrap(procRoot: string = this.procRoot): Promise<BootstrapStats> {
    const t0 = performance.now();
    const counters = newReadCounters();
    const infos = await readAllProcesses(procRoot, counters, this.procFs);
    const cgroupId = cgroupIdResolver(this.cgroup2Root, this.procFs);
    const now = this.nowNs();
    const added: ProcessEntry[] = [];
    for (const info of infos) {
      const e = this.fromProcInfo(info, cgroupId);
      const old = this.map.get(e.pid);
      if (old) {
        // Events seen since the sensor started know the process at least as well as /proc.
        if (this.same(old, e.startNs) || old.startNs > e.startNs) continue;
        this.replaceReused(old, e.startNs);
      }
      if (info.state === 'Z' || info.state === 'X') e.endNs = now;
      this.insert(e);
      added.push(e);
    }
    // Entries made from events while bootstrap ran were judged without their ancestors: again.
    const evaluate = added.slice();
    for (const e of this.map.values()) if (!(e.flags & Flag.FromProc)) evaluate.push(e);
    this.evaluateInDependencyOrder(evaluate);
    this.maintain(now);
    this.boot = {
      processes: added.length,
      vanished: this.boot.vanished + counters.vanished,
      permissionDenied: this.boot.permissionDenied + counters.permissionDenied,
      errors: this.boot.errors + counters.errors,
      partial: this.boot.partial + counters.partial,
      durationMs: performance.now() - t0,
    };
    return { ...this.boot };
  }

  /**
   * Decides entry leaders with each process' parent, session leader and group leader decided
   * first (they are what it inherits from). /proc lists pids in no useful order (Node sorts
   * them as strings), and a daemon's session leader need not be its ancestor.
   */
  private evaluateInDependencyOrder(list: readonly ProcessEntry[]): void {
    const pending = new Set(list);
    const onStack = new Set<ProcessEntry>();
    const stack: ProcessEntry[] = [];
    const waiting = (d: ProcessEntry | undefined): d is ProcessEntry =>
      d !== undefined && pending.has(d) && !onStack.has(d);
    for (const root of list) {
      if (!pending.has(root)) continue;
      stack.push(root);
      onStack.add(root);
      while (stack.length > 0) {
        const e = stack[stack.length - 1]!;
        const parent = this.knownParent(e);
        const dep = waiting(parent)
          ? parent
          : [this.knownLeader(e, e.sid), this.knownLeader(e, e.pgid)].find(waiting);
        if (dep) {
          stack.push(dep);
          onStack.add(dep);
          continue;
        }
        stack.pop();
        onStack.delete(e);
        pending.delete(e);
        evaluateEntryLeader(e, this);
      }
    }
  }

  private fromProcInfo(info: ProcInfo, cgroupId: (path: string) => number): ProcessEntry {
    const e = new ProcessEntry(info.pid, info.startTicks * this.tickNs);
    e.ppid = info.ppid;
    e.pgid = info.pgid;
    e.sid = info.sid;
    e.vpid = info.vpid;
    e.comm = this.intern(info.comm);
    e.ruid = info.ruid;
    e.euid = info.euid;
    e.suid = info.suid;
    e.rgid = info.rgid;
    e.egid = info.egid;
    e.sgid = info.sgid;
    e.capEff = this.internBig(info.capEff);
    e.capPrm = this.internBig(info.capPrm);
    e.ttyMajor = info.ttyMajor;
    e.ttyMinor = info.ttyMinor;
    e.cgroupPath = this.intern(info.cgroupPath);
    e.cgroupId = cgroupId(info.cgroupPath);
    e.pidNsInum = info.pidNsInum;
    e.mntNsInum = info.mntNsInum;
    e.flags = Flag.FromProc;
    if (info.kthread) e.flags |= Flag.KThread;
    if (info.exeDeleted) e.flags |= Flag.ExeDeleted;
    if (info.executable !== '') {
      e.flags |= Flag.ImageKnown;
      e.executable = this.intern(info.executable);
      e.name = this.intern(basename(info.executable));
    } else {
      e.name = e.comm;
    }
    e.args = info.args.length === 0 ? EMPTY_ARGS : info.args;
    e.cwd = this.intern(info.cwd);
    return e;
  }

  // ---------------------------------------------------------------- events

  /** When an event happened: its own time, else now (ns since boot). */
  private timeOf(rec: { timeNs?: U64 }): number {
    return rec.timeNs === undefined ? this.nowNs() : toNum(rec.timeNs);
  }

  onFork(rec: ForkRecord): ProcessEntry | undefined {
    this.c.forks++;
    const t = rec.task;
    if (t.tid !== t.tgid) {
      this.c.threadEventsIgnored++;
      return undefined;
    }
    const startNs = toNum(t.startNs);
    const now = this.timeOf(rec);
    let e = this.map.get(t.tgid);
    if (e && this.same(e, startNs)) {
      // Seen already (bootstrap raced the fork, or a later event arrived first).
      this.c.duplicateForks++;
      this.applyFacts(e, t);
      if (!(e.flags & Flag.ImageKnown)) this.inheritImage(e, this.parentFor(e, rec.parentStartNs));
      this.touch(e);
      return e;
    }
    if (e) {
      if (e.startNs > startNs) return this.late(t, startNs);
      this.replaceReused(e, startNs);
    }
    e = new ProcessEntry(t.tgid, startNs);
    this.applyFacts(e, t);
    const parent = this.parentFor(e, rec.parentStartNs);
    this.inheritImage(e, parent);
    if (parent) this.touch(parent); // forking is a sign of life
    this.insert(e);
    if (parent) {
      e.entryLeader = parent.entryLeader;
      evaluateContainerEntry(e, this, parent);
    } else evaluateEntryLeader(e, this, null);
    this.maintain(now);
    return e;
  }

  onExec(rec: ExecRecord): ProcessEntry {
    this.c.execs++;
    const t = rec.task;
    const startNs = toNum(t.startNs);
    let e = this.map.get(t.tgid);
    if (e && !this.same(e, startNs)) {
      if (e.startNs > startNs) return this.execImage(this.late(t, startNs), rec);
      this.replaceReused(e, startNs);
      e = undefined;
    }
    if (!e) {
      e = this.fromEvent(t, startNs);
    } else {
      this.applyFacts(e, t);
      if ((e.flags & (Flag.FromProc | Flag.ExecSeen)) === Flag.FromProc && this.sameImage(e, rec)) {
        // An exec that happened before /proc was read: the table shows its result already.
        this.c.execReplays++;
        e.flags |= Flag.ExecSeen;
        evaluateEntryLeader(e, this);
        this.touch(e);
        return e;
      }
      if (e.flags & Flag.ImageKnown && this.maxPrevious > 0) e.previous = this.pushPrevious(e);
      this.touch(e);
    }
    this.execImage(e, rec);
    evaluateEntryLeader(e, this);
    this.maintain(this.timeOf(rec));
    return e;
  }

  onExit(rec: ExitRecord): ProcessEntry | undefined {
    this.c.exits++;
    const t = rec.task;
    if (t.tid !== t.tgid) {
      this.c.threadEventsIgnored++;
      return undefined;
    }
    const startNs = toNum(t.startNs);
    const now = this.timeOf(rec);
    let e = this.map.get(t.tgid);
    if (e && !this.same(e, startNs)) {
      if (e.startNs > startNs) {
        const old = this.late(t, startNs);
        old.endNs = now;
        old.exitCode = rec.exitCode;
        return old;
      }
      this.replaceReused(e, startNs);
      e = undefined;
    }
    if (!e) {
      e = this.fromEvent(t, startNs);
      evaluateEntryLeader(e, this);
    } else if (e.endNs >= 0) {
      this.c.duplicateExits++;
      return e;
    } else {
      this.applyFacts(e, t);
    }
    e.endNs = now;
    e.exitCode = rec.exitCode;
    if (e.list === ListId.Live) this.live.remove(e);
    this.exitedList.push(e);
    this.maintain(now);
    return e;
  }

  onSetsid(rec: SetsidRecord): ProcessEntry {
    this.c.setsids++;
    const t = rec.task;
    const startNs = toNum(t.startNs);
    let e = this.map.get(t.tgid);
    if (e && !this.same(e, startNs)) {
      if (e.startNs > startNs) return this.late(t, startNs);
      this.replaceReused(e, startNs);
      e = undefined;
    }
    if (!e) {
      // Unknown: /proc may still show its image (same start), else the event's facts alone.
      e = this.lazyFill(t.tgid, startNs, true);
      if (e) this.c.unknownPidEvents++;
      else e = this.fromEvent(t, startNs);
    }
    // Elastic re-decides the entry leader at the next exec, when the session's program is known.
    this.applyFacts(e, t);
    this.touch(e);
    this.maintain(this.timeOf(rec));
    return e;
  }

  // ---------------------------------------------------------------- queries

  get(pid: number): ProcessEntry | undefined {
    return this.map.get(pid);
  }

  /** `process.*` of an event about this pid (or entry): the process with its relatives. */
  snapshot(target: number | ProcessEntry): ProcessSnapshot | undefined {
    const e = typeof target === 'number' ? this.map.get(target) : target;
    return e ? buildSnapshot(this, e) : undefined;
  }

  entityId(e: ProcessEntry): string {
    if (e.entityId === null) e.entityId = entityIdOf(this.agentId, e, this.bootTimeMs, this.tickNs);
    return e.entityId;
  }

  stats(): ProcessTableStats {
    return {
      size: this.map.size,
      live: this.live.length,
      exited: this.exitedList.length,
      ...this.c,
      bootstrap: { ...this.boot },
    };
  }

  /** Evicts exited processes past their grace period and entries above the cap. */
  sweep(nowNs: number = this.nowNs()): void {
    this.maintain(nowNs);
  }

  /** The parent: the entry at ppid, unless it started after this process (a reused pid). */
  parentOf(e: ProcessEntry): ProcessEntry | undefined {
    return this.parentFor(e, undefined);
  }

  /** The group or session leader `pid` of `e`; it cannot have started after `e`. */
  leaderOf(e: ProcessEntry, pid: number): ProcessEntry | undefined {
    if (pid <= 0) return undefined;
    if (pid === e.pid) return e;
    const l = this.map.get(pid);
    if (l && l.startNs <= e.startNs + this.sameStartToleranceNs) return l;
    const filled = this.lazyFill(pid, e.startNs, false);
    if (filled) return filled;
    this.c.unknownLeaderLookups++;
    return undefined;
  }

  // ---------------------------------------------------------------- internals

  private parentFor(e: ProcessEntry, parentStart: U64 | undefined): ProcessEntry | undefined {
    if (e.ppid <= 0 || e.ppid === e.pid) return undefined;
    const p = this.map.get(e.ppid);
    if (
      p &&
      p.startNs <= e.startNs + this.sameStartToleranceNs &&
      (parentStart === undefined || this.same(p, toNum(parentStart)))
    ) {
      return p;
    }
    const filled = this.lazyFill(e.ppid, e.startNs, false);
    if (filled) return filled;
    this.c.unknownParentLookups++;
    return undefined;
  }

  /** Parent lookup without side effects (no lazy fill, no counting). */
  private knownParent(e: ProcessEntry): ProcessEntry | undefined {
    return e.ppid === e.pid ? undefined : this.knownLeader(e, e.ppid);
  }

  private knownLeader(e: ProcessEntry, pid: number): ProcessEntry | undefined {
    const p = pid > 0 ? this.map.get(pid) : undefined;
    return p && p.startNs <= e.startNs + this.sameStartToleranceNs ? p : undefined;
  }

  private same(e: ProcessEntry, startNs: number): boolean {
    return Math.abs(e.startNs - startNs) < this.sameStartToleranceNs;
  }

  private sameImage(e: ProcessEntry, rec: ExecRecord): boolean {
    if (e.executable !== rec.filename || e.args.length !== rec.argv.length) return false;
    for (let i = 0; i < e.args.length; i++) if (e.args[i] !== rec.argv[i]) return false;
    return true;
  }

  private pushPrevious(e: ProcessEntry): readonly PreviousImage[] {
    const img: PreviousImage = { args: e.args, executable: e.executable };
    if (this.maxPrevious === 1 || e.previous === null) return [img];
    const list = [...e.previous, img];
    return list.length > this.maxPrevious ? list.slice(list.length - this.maxPrevious) : list;
  }

  private execImage(e: ProcessEntry, rec: ExecRecord): ProcessEntry {
    e.executable = this.intern(rec.filename);
    e.name = this.intern(basename(rec.filename));
    e.args = rec.argv;
    e.argsTruncated = rec.argsTruncated === true;
    e.argc = rec.argc !== undefined && rec.argc !== rec.argv.length ? rec.argc : 0;
    e.cwd = this.intern(rec.cwd);
    e.flags = (e.flags | Flag.ImageKnown | Flag.ExecSeen) & ~Flag.ExeDeleted;
    return e;
  }

  private inheritImage(e: ProcessEntry, parent: ProcessEntry | undefined): void {
    if (parent && parent.flags & Flag.ImageKnown) {
      e.executable = parent.executable;
      e.name = parent.name;
      e.args = parent.args;
      e.argc = parent.argc;
      e.argsTruncated = parent.argsTruncated;
      e.cwd = parent.cwd;
      e.flags |= parent.flags & (Flag.ImageKnown | Flag.ExeDeleted);
    } else if (e.name === '') {
      e.name = e.comm;
    }
  }

  private applyFacts(e: ProcessEntry, r: TaskFacts): void {
    e.ppid = r.ppid;
    e.pgid = r.pgid;
    e.sid = r.sid;
    e.vpid = r.vpid;
    e.ruid = r.ruid;
    e.euid = r.euid;
    e.suid = r.suid;
    e.rgid = r.rgid;
    e.egid = r.egid;
    e.sgid = r.sgid;
    e.capEff = this.internBig(r.capEff);
    e.capPrm = this.internBig(r.capPrm);
    e.ttyMajor = r.ttyMajor;
    e.ttyMinor = r.ttyMinor;
    e.cgroupId = toNum(r.cgroupId);
    if (e.cgroupPath !== r.cgroupPath) e.cgroupPath = this.intern(r.cgroupPath);
    e.pidNsInum = r.pidNsInum;
    e.mntNsInum = r.mntNsInum;
    if (e.comm !== r.comm) e.comm = this.intern(r.comm);
    if (!(e.flags & Flag.ImageKnown)) e.name = e.comm;
  }

  /** An event for a pid the table does not know: the entry starts from the event's own facts. */
  private fromEvent(rec: TaskFacts, startNs: number): ProcessEntry {
    this.c.unknownPidEvents++;
    const e = new ProcessEntry(rec.tgid, startNs);
    e.flags = Flag.FromEvent;
    this.applyFacts(e, rec);
    this.insert(e);
    return e;
  }

  /** An event about an older process than the one now holding its pid: a detached entry. */
  private late(rec: TaskFacts, startNs: number): ProcessEntry {
    this.c.lateEvents++;
    const e = new ProcessEntry(rec.tgid, startNs);
    e.flags = Flag.FromEvent | Flag.Detached;
    this.applyFacts(e, rec);
    return e;
  }

  private replaceReused(old: ProcessEntry, newStartNs: number): void {
    this.c.pidReuse++;
    if (old.endNs < 0) old.endNs = newStartNs;
    this.detach(old);
  }

  private insert(e: ProcessEntry): void {
    this.map.set(e.pid, e);
    if (e.endNs >= 0) this.exitedList.push(e);
    else this.live.push(e);
  }

  private detach(e: ProcessEntry): void {
    if (e.list === ListId.Live) this.live.remove(e);
    else if (e.list === ListId.Exited) this.exitedList.remove(e);
    if (this.map.get(e.pid) === e) this.map.delete(e.pid);
    e.flags |= Flag.Detached;
  }

  private touch(e: ProcessEntry): void {
    if (e.list === ListId.Live) this.live.touch(e);
  }

  private maintain(now: number): void {
    let h = this.exitedList.head;
    while (h !== null && now - h.endNs > this.exitedGraceNs) {
      this.detach(h);
      this.c.evictedExpired++;
      h = this.exitedList.head;
    }
    while (this.map.size > this.maxEntries) {
      const x = this.exitedList.head;
      if (x) {
        this.detach(x);
        this.c.evictedExitedForCap++;
        continue;
      }
      const l = this.live.head;
      if (!l) break;
      // Only when exits were lost: the least recently active live process goes.
      this.detach(l);
      this.c.evictedLiveForCap++;
    }
  }

  /**
   * Reads an unknown pid from /proc, within the rate limit. With `exact` the process must have
   * started at `startNs`, else no later than it (a parent or leader of a process started then).
   */
  private lazyFill(pid: number, startNs: number, exact: boolean): ProcessEntry | undefined {
    if (this.lazyRate <= 0 || this.lazyDepth >= MAX_LAZY_DEPTH) return undefined;
    const now = this.nowNs();
    // A pid that just failed is not read again at once (every snapshot of its orphans would ask).
    const missedAt = this.lazyMissed.get(pid);
    if (missedAt !== undefined && now - missedAt < LAZY_MISS_TTL_NS) return undefined;
    this.lazyTokens = Math.min(
      this.lazyRate,
      this.lazyTokens + ((now - this.lazyRefillNs) / 1e9) * this.lazyRate,
    );
    this.lazyRefillNs = now;
    if (this.lazyTokens < 1) {
      this.c.lazyFillRateLimited++;
      return undefined;
    }
    this.lazyTokens -= 1;
    const info = readProcess(this.procRoot, pid, newReadCounters(), this.procFs);
    const ok = (s: number) => (exact ? Math.abs(s - startNs) : s - startNs) < this.sameStartToleranceNs;
    if (!info || !ok(info.startTicks * this.tickNs)) {
      this.c.lazyFillMisses++;
      if (this.lazyMissed.size >= 1024) this.lazyMissed.clear();
      this.lazyMissed.set(pid, now);
      return undefined;
    }
    const e = this.fromProcInfo(info, cgroupIdResolver(this.cgroup2Root, this.procFs));
    e.flags |= Flag.Lazy;
    const old = this.map.get(pid);
    if (old) {
      if (old.startNs >= e.startNs - this.sameStartToleranceNs) return undefined;
      this.replaceReused(old, e.startNs);
    }
    this.c.lazyFills++;
    this.insert(e);
    this.lazyDepth++;
    try {
      evaluateEntryLeader(e, this);
    } finally {
      this.lazyDepth--;
    }
    return e;
  }

  private intern(s: string): string {
    const v = this.strings.get(s);
    if (v !== undefined) return v;
    if (this.strings.size >= MAX_INTERNED) {
      this.strings.clear();
      this.c.internResets++;
    }
    this.strings.set(s, s);
    return s;
  }

  private internBig(v: U64): bigint {
    // Few distinct capability sets exist on a host; a short scan with === beats a Map here.
    const caps = this.capSet;
    const b = typeof v === 'bigint' ? v : BigInt(v);
    for (let i = 0; i < caps.length; i++) if (caps[i] === b) return caps[i]!;
    if (caps.length < 16) caps.push(b);
    else caps[this.capNext++ & 15] = b;
    return b;
  }
}

function detectCgroup2(procRoot: string, fs: ProcFs): string | undefined {
  try {
    return findCgroup2Mount(fs.readText(`${procRoot}/self/mounts`));
  } catch {
    return undefined;
  }
}
