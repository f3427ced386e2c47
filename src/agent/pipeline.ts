// The event path: sensor record ▶ one observation (task facts, process entry, container
// identity, the acting process's ProcessInfo) ▶ policy filter ▶ metadata hold ▶ decide-and-build
// (documents.ts) ▶ outputs and rules (sink.ts). Every stage reads the observation made once at
// the start and hands forward; nothing calls back into an earlier stage. Built from injected
// parts, so it runs without root or a kernel (pipeline.test.ts). See docs/agent.md.

import type { CgroupIdentity, ContainerResolver } from '../container/index.js';
import { DnsStage, type DomainList } from '../dns/index.js';
import type { EcsBuilder, FileChange, NetworkActivity, PolicyOutcome, ProcessInfo } from '../ecs/index.js';
import type { DeniedInfo } from '../enforce/index.js';
import type { Output } from '../output/index.js';
import type { CompiledPolicy } from '../policy/compile.js';
import type { Operation } from '../policy/model.js';
import type { ProcessEntry, ProcessTable, TaskFacts } from '../process/index.js';
import type { RuleEngine } from '../rules/index.js';
import {
  type DnsMessageEvent,
  d4cOperations,
  type FileEvent,
  fileHookPoint,
  type NetworkEvent,
  type SensorEvent,
  type TtyEvent,
} from '../sensor/index.js';
import { ProcessAdapter, taskFacts } from './adapter.js';
import type { ConnectEnforcement } from './connect-enforcement.js';
import type { ContainerContexts } from './context.js';
import { type Held, HOOK } from './documents.js';
import type { DriftTracker } from './drift.js';
import type { BlockOutcome } from './enforcement.js';
import { fileChange } from './file-change.js';
import { MetadataHold } from './hold.js';
import { networkActivity, networkHook } from './network.js';
import type { ReadWatch } from './read-access.js';
import { DocumentSink } from './sink.js';
import { type AgentCounters, newCounters } from './stats.js';
import { TTY_DEFAULTS, type TtyBatch, TtyOutput, type TtyOutputOptions } from './tty-output.js';

const TTY_HOOK = 'tracepoint__syscalls__sys_enter_write';

/** What the fanotify enforcer offers the event path (file-enforcement.ts; an interface for tests). */
export interface FileBlocks {
  /** A container's exec: its mounts are marked, its metadata fetched for the decisions. */
  onExec(identity: CgroupIdentity | undefined, tgid: number): void;
  readonly monitoring: boolean;
  failure(pid: number, path: string | undefined): NonNullable<BlockOutcome['failure']>;
}

export interface PipelineParts {
  policy: CompiledPolicy;
  table: ProcessTable;
  resolver: ContainerResolver;
  builder: EcsBuilder;
  contexts: ContainerContexts;
  drift: DriftTracker;
  /** The kernel's read prefixes (readFile selectors' targetFilePath). */
  reads: ReadWatch;
  outputs: Record<string, Output>;
  engine?: RuleEngine;
  /** The counters (shared with the drift tracker); default fresh ones. */
  counters?: AgentCounters;
  /** Operations this kernel can prevent; a block on the others is an alert. */
  blockable: ReadonlySet<string>;
  holdMs?: number;
  maxHeld?: number;
  logAllNetwork?: boolean;
  iocDomains?: DomainList;
  /** false: no text_output documents (the sensor's program is not attached either). */
  ttyOutput?: false | Partial<TtyOutputOptions>;
  warn: (message: string) => void;
}

/** One record as observed on arrival: what every later stage reads. */
interface Observed {
  task: TaskFacts;
  identity: CgroupIdentity | undefined;
}

export class Pipeline {
  readonly c: AgentCounters;
  /** DNS transactions, answers cache and IoC list (src/dns; the agent's one DNS stage). */
  readonly dns: DnsStage;
  readonly sink: DocumentSink;
  readonly holds: MetadataHold<Held>;
  readonly adapter: ProcessAdapter;
  readonly tty: TtyOutput | undefined;
  readonly ttyQuietMs: number;
  private readonly p: PipelineParts;
  /** Outcome of the logged fork/exec of a process: its exit is logged too, with it. */
  private readonly logged = new WeakMap<ProcessEntry, PolicyOutcome>();
  /** Each process's drift, set at exec (inherited at fork); absent: unknown yet. */
  private readonly drifted = new WeakMap<ProcessEntry, boolean>();
  private warnedErrors = 0;
  private files: FileBlocks | undefined;
  private connects: ConnectEnforcement | undefined;

  constructor(p: PipelineParts) {
    this.p = p;
    this.c = p.counters ?? newCounters();
    this.adapter = new ProcessAdapter(p.table);
    this.dns = new DnsStage({ onTransaction: (tx, n) => this.dnsTransaction(tx.query, n) });
    if (p.iocDomains !== undefined) this.dns.setIoc(p.iocDomains);
    this.sink = new DocumentSink({
      policy: p.policy,
      builder: p.builder,
      c: this.c,
      logged: this.logged,
      logAllNetwork: p.logAllNetwork === true,
      connects: () => this.connects,
      passedBlock: (outcome, op, pid, path) => this.passedBlock(outcome, op, pid, path),
      contexts: p.contexts,
      outputs: p.outputs,
      ...(p.engine ? { engine: p.engine } : {}),
    });
    this.holds = new MetadataHold<Held>(
      p.resolver,
      this.c,
      p.maxHeld ?? 50_000,
      (h) => this.sink.finish(h, this.holds.meta(h.cid ?? '', h.identity)),
      (err) => this.handleError('', err),
    );
    const t = p.ttyOutput === false ? undefined : { ...TTY_DEFAULTS, ...(p.ttyOutput ?? {}) };
    this.tty = t ? new TtyOutput(t, (b) => this.textOutput(b)) : undefined;
    this.ttyQuietMs = t?.quietMs ?? 0;
  }

  /** The enforcers, once started (the event path marks containers and explains passed blocks). */
  attach(files: FileBlocks | undefined, connects: ConnectEnforcement | undefined): void {
    this.files = files;
    this.connects = connects;
  }

  /** One record: counted, handled, and never allowed to take the agent down. */
  handle(e: SensorEvent): void {
    try {
      this.c.eventsSeen[e.kind]++;
      this.dispatch(e, { task: taskFacts(e), identity: this.p.resolver.identify(e.cgroupPath) });
    } catch (err) {
      this.handleError(` (${e?.kind})`, err);
    }
  }

  /**
   * An attempt the fanotify enforcer denied: one document (event.type `denied`; the alerts copy
   * has event.kind `alert`) through the same decide-and-build step as every other. In
   * monitoring mode the operation went through and the sensor reports it: that document is
   * marked instead (passedBlock), so an attempt is never reported twice.
   */
  denied(info: DeniedInfo): void {
    if (!info.enforced) {
      this.c.enforceMonitored++;
      return;
    }
    this.c.enforceDenied++;
    const identity = this.p.resolver.identify(info.cgroupPath);
    const entry = this.p.table.get(info.pid);
    let proc: ProcessInfo = entry
      ? this.adapter.info(
          entry,
          { tid: info.tid, capEffective: entry.capEff, capPermitted: entry.capPrm },
          false,
        )
      : { pid: info.pid, entityId: '', tid: info.tid };
    const outcome: PolicyOutcome = {
      matchedSelectors: info.decision.matchedSelectors,
      actions: info.decision.actions,
      blocked: true,
    };
    // No timeNs: the decision is now (the build time is @timestamp).
    const base = { timeNs: undefined, entry, cid: identity?.id, identity, held: false, denied: outcome };
    let h: Held;
    if (info.kind === 'exec') {
      // The image that was refused: the caller keeps running its own.
      const name = info.path.slice(info.path.lastIndexOf('/') + 1);
      proc = { ...proc, executable: info.path, name, args: undefined };
      h = { kind: 'process', action: 'exec', hook: 'fanotify__open_exec_perm', info: proc, ...base };
    } else {
      const file: FileChange = {
        path: info.path,
        operation: info.event.operation as FileChange['operation'],
        action: 'open',
        mode: info.mode & 0o7777,
      };
      h = { kind: 'file', file, hook: 'fanotify__open_perm', info: proc, ...base };
    }
    // Not held: the container's metadata as known now.
    this.sink.finish(h, identity ? this.holds.meta(identity.id, identity) : undefined);
  }

  /** Timers' work: terminal output quiet long enough goes out. */
  tickTty(now: number): void {
    this.tty?.tick(now);
  }

  /** At the end: everything pending goes out (DNS, the hold, terminal output, rule sequences). */
  drain(): void {
    this.dns.flush();
    this.holds.drain(true);
    this.tty?.flushAll();
    this.sink.flush();
  }

  stats() {
    return {
      counters: this.c,
      table: this.p.table.stats(),
      engine: this.p.engine?.stats(),
      dns: this.dns.stats(),
      holdQueue: this.holds.pending,
      ...(this.tty ? { ttyOutput: { ...this.tty.counters, pending: this.tty.pending } } : {}),
    };
  }

  /** An event that failed to handle: counted; the first few are told. */
  private handleError(what: string, err: unknown): void {
    this.c.handleErrors++;
    if (this.warnedErrors++ < 5)
      this.p.warn(`event skipped${what}: ${err instanceof Error ? err.message : String(err)}`);
  }

  private dispatch(e: SensorEvent, o: Observed): void {
    const { task, identity } = o;
    const cid = identity?.id;
    if (e.kind === 'exec') {
      this.files?.onExec(identity, e.tgid);
      if (this.connects !== undefined && identity !== undefined)
        this.connects.onContainer(identity.id, e.cgroupPath);
    }
    const table = this.p.table;
    const timeNs = e.ts;
    switch (e.kind) {
      case 'fork': {
        const entry = table.onFork({ task, timeNs, parentStartNs: e.parentStartTime });
        if (!entry) return;
        // The child runs its parent's image until it execs.
        const parent = table.parentOf(entry);
        const pd = parent ? this.drifted.get(parent) : undefined;
        if (pd !== undefined) this.drifted.set(entry, pd);
        // runc's init forks (runc:[1:CHILD] → runc:[2:INIT]) are the runtime setting up, not the workload.
        if (isRuntimeSetup(e.comm)) {
          this.c.runtimeSetupDropped++;
          return;
        }
        this.processEvent('fork', entry, e, o);
        return;
      }
      case 'exec': {
        const entry = table.onExec({
          task,
          timeNs,
          filename: e.executable || e.filenamePath,
          argv: e.args,
          argc: e.argc,
          argsTruncated: e.argsTruncated,
          cwd: e.cwd,
        });
        // Before the policy filter: later documents of this process carry its drift too.
        if (cid !== undefined && e.vpid === 1) this.p.drift.noteInit(cid, e.tgid);
        const d = cid === undefined ? undefined : this.p.drift.onExec(cid, e);
        if (d === undefined) this.drifted.delete(entry);
        else this.drifted.set(entry, d);
        this.processEvent('exec', entry, e, o);
        return;
      }
      case 'exit': {
        const entry = table.onExit({ task, timeNs, exitCode: e.exitCode });
        // What it wrote to its terminal goes out before its end.
        if (entry) this.tty?.end(entry);
        // The container's init is gone: so is the container (its drift records go with it).
        if (e.vpid === 1 && cid !== undefined) {
          this.p.drift.forget(cid);
          this.connects?.forget(cid);
        }
        if (!entry) return;
        // Logged iff its fork/exec was; that decision may still be in the hold queue (ordered).
        if (!this.logged.has(entry) && this.holds.pending === 0) {
          this.c.endsSkipped++;
          return;
        }
        this.holds.enqueue(this.held('process', entry, e, o, 'end'));
        return;
      }
      case 'setsid':
        table.onSetsid({ task, timeNs });
        return;
      case 'file':
        this.fileEvent(e, o);
        return;
      case 'network':
        this.networkEvent(e, o);
        return;
      case 'dns':
        this.dns.onMessage(e);
        return;
      case 'tty':
        // No policy operation: on for every container session with a terminal (the kernel checks).
        this.tty?.onWrite(this.actor(e, task), e, Date.now());
        return;
    }
  }

  /** A batch of terminal output → its text_output document (process stream, no policy). */
  private textOutput(b: TtyBatch): void {
    const e = b.last;
    const identity = this.p.resolver.identify(e.cgroupPath);
    const meta = identity ? this.holds.meta(identity.id, identity) : undefined;
    const ctx = identity ? (meta ? this.p.contexts.of(meta) : this.p.contexts.bare(identity)) : undefined;
    const doc = this.p.builder.textOutputDoc({
      timeNs: BigInt(Math.round(e.ts)),
      process: this.withDrift(this.adapter.info(b.entry, e, false), b.entry, identity),
      container: ctx?.container,
      orchestrator: ctx?.orchestrator,
      hookPoint: TTY_HOOK,
      metadataComplete: ctx === undefined || ctx.complete,
      text: b.text,
      captured: b.captured,
      skipped: b.skipped,
      exceeded: b.exceeded,
      gaps: b.gaps,
      tty: { major: b.major, minor: b.minor },
    });
    this.sink.write(doc);
  }

  /** The process that acted, from the table (made from the record when unknown or reused). */
  private actor(e: FileEvent | NetworkEvent | DnsMessageEvent | TtyEvent, task: TaskFacts): ProcessEntry {
    const entry = this.p.table.get(e.tgid);
    if (entry && Math.abs(entry.startNs - e.startTime) <= 20e6) return entry;
    this.c.unknownProcessFileEvents++;
    return this.p.table.onSetsid({ task, timeNs: e.ts });
  }

  private networkEvent(e: NetworkEvent, o: Observed): void {
    if (isRuntimeSetup(e.comm)) {
      this.c.runtimeSetupDropped++;
      return;
    }
    const n = networkActivity(e);
    const ioc = this.dns.annotateConnect(e, n);
    if (this.p.logAllNetwork !== true && !ioc && !this.p.policy.wants('network', e.op)) {
      this.c.policySkipped++;
      return;
    }
    const entry = this.actor(e, o.task);
    const covered = e.error === 'EPERM' && this.connects?.covers(e.cgroupPath) === true;
    this.holds.enqueue(this.networkHeld(entry, e, o, n, networkHook(e), covered));
  }

  /** A finished DNS transaction (src/dns): held and decided like any network event. */
  private dnsTransaction(e: DnsMessageEvent, n: NetworkActivity): void {
    if (isRuntimeSetup(e.comm)) {
      this.c.runtimeSetupDropped++;
      return;
    }
    if (
      this.p.logAllNetwork !== true &&
      n.iocDomain === undefined &&
      !this.p.policy.wants('network', 'dns')
    ) {
      this.c.policySkipped++;
      return;
    }
    // Its own observation: the transaction ends after its query record was handled.
    const o: Observed = { task: taskFacts(e), identity: this.p.resolver.identify(e.cgroupPath) };
    const entry = this.actor(e, o.task);
    this.holds.enqueue(
      this.networkHeld(entry, e, o, n, `tracepoint__syscalls__sys_exit_${e.syscall}`, false),
    );
  }

  private processEvent(action: 'fork' | 'exec', entry: ProcessEntry, e: SensorEvent, o: Observed): void {
    if (!this.p.policy.wants('process', action)) {
      this.c.policySkipped++;
      return;
    }
    this.holds.enqueue(this.held('process', entry, e, o, action));
  }

  private fileEvent(e: FileEvent, o: Observed): void {
    if (isRuntimeSetup(e.comm)) {
      this.c.runtimeSetupDropped++;
      return;
    }
    // Unknown process (or a reused pid): the table makes its entry from the record (and /proc).
    const entry = this.actor(e, o.task);
    if (e.op !== 'read' && o.identity !== undefined) this.p.drift.onFile(o.identity.id, e);
    let info: ProcessInfo | undefined;
    for (const change of d4cOperations(e)) {
      if (!this.p.policy.wants('file', change.operation as Operation)) {
        this.c.policySkipped++;
        continue;
      }
      info ??= this.withDrift(this.adapter.info(entry, e, false), entry, o.identity);
      const file = fileChange(e, change, this.p.reads);
      this.holds.enqueue({ kind: 'file', file, hook: fileHookPoint(e), ...this.base(entry, e, o, info) });
    }
  }

  private networkHeld(
    entry: ProcessEntry,
    e: SensorEvent,
    o: Observed,
    network: NetworkActivity,
    hook: string,
    covered: boolean,
  ): Held {
    return { kind: 'network', network, covered, hook, ...this.base(entry, e, o, undefined) };
  }

  private held(
    _kind: 'process',
    entry: ProcessEntry,
    e: SensorEvent,
    o: Observed,
    action: 'fork' | 'exec' | 'end',
  ): Held {
    return {
      kind: 'process',
      action,
      hook: HOOK[action],
      ...this.base(entry, e, o, undefined, action === 'end'),
    };
  }

  private base(
    entry: ProcessEntry,
    e: SensorEvent,
    o: Observed,
    info: ProcessInfo | undefined,
    withEnd = false,
  ) {
    return {
      info: info ?? this.withDrift(this.adapter.info(entry, e, withEnd), entry, o.identity),
      timeNs: BigInt(Math.round(e.ts)) as bigint | undefined,
      entry,
      cid: o.identity?.id,
      identity: o.identity,
      held: false,
    };
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
      d = this.p.drift.ofRunning(identity.id, entry.pid, entry.mntNsInum, entry.executable);
      if (d !== undefined) this.drifted.set(entry, d);
    }
    if (d !== undefined) info.drift = d;
    return info;
  }

  /**
   * An operation the sensor saw although a `block` matched: `monitoring` when --monitoring let it
   * through, else `failed_open` with the reason (issue 22, #5); undefined when nothing enforces.
   */
  private passedBlock(
    outcome: PolicyOutcome,
    op: string,
    pid: number,
    path: string | undefined,
  ): BlockOutcome | undefined {
    const files = this.files;
    if (!files || !outcome.actions?.includes('block') || !this.p.blockable.has(op)) return undefined;
    if (files.monitoring) return { mode: 'monitoring' };
    return { mode: 'failed_open', failure: files.failure(pid, path) };
  }
}

export function isRuntimeSetup(comm: string): boolean {
  return comm.startsWith('runc:[') || comm.startsWith('crun:[');
}
