// The event path: sensor record ▶ one observation (task facts, process entry, container
// identity, the acting process's ProcessInfo) ▶ policy filter ▶ metadata hold ▶ decide-and-build
// (documents.ts) ▶ outputs and rules (sink.ts). Every stage reads the observation made once at
// the start and hands forward; nothing calls back into an earlier stage. Built from injected
// parts, so it runs without root or a kernel (pipeline.test.ts). See docs/agent.md.

import type { CgroupIdentity, ContainerResolver } from '../container/index.js';
import { DnsStage, type DomainList } from '../dns/index.js';
import type { EcsBuilder, NetworkActivity, PolicyOutcome, ProcessInfo } from '../ecs/index.js';
import type { DeniedInfo } from '../enforce/index.js';
import type { Output } from '../output/index.js';
import type { CompiledPolicy, Operation } from '../policy/index.js';
import type { ProcessEntry, ProcessTable } from '../process/index.js';
import type { RuleEngine } from '../rules/index.js';
import {
  type DnsMessageEvent,
  d4cOperations,
  type FileEvent,
  fileHookPoint,
  type NetworkEvent,
  type SensorEvent,
} from '../sensor/index.js';
import { ProcessAdapter } from './adapter.js';
import type { ConnectEnforcement } from './connect-enforcement.js';
import type { ContainerContexts } from './context.js';
import { type Held, HOOK } from './documents.js';
import type { DriftTracker } from './drift.js';
import type { BlockOutcome } from './enforcement.js';
import { fileChange } from './file-change.js';
import { MetadataHold } from './hold.js';
import { networkActivity, networkHook } from './network.js';
import { type Observed, Observer } from './observation.js';
import type { ReadWatch } from './read-access.js';
import { DocumentSink, type SinkDeps } from './sink.js';
import { type AgentCounters, newCounters } from './stats.js';
import { TTY_DEFAULTS, type TtyBatch, TtyOutput, type TtyOutputOptions } from './tty-output.js';

// write's exit (writev's for a writev): where the sensor takes terminal output.
const TTY_HOOK = 'tracepoint__syscalls__sys_exit_write';

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
  /** Enriches every document before outputs and rules (Kubernetes audit attribution). */
  k8sAudit?: SinkDeps['k8sAudit'];
  /** The counters (shared with the drift tracker); default fresh ones. */
  counters?: AgentCounters;
  /** Operations this kernel can prevent; a block on the others is an alert. */
  blockable: ReadonlySet<string>;
  maxHeld?: number;
  logAllNetwork?: boolean;
  iocDomains?: DomainList;
  /** false: no text_output documents (the sensor's program is not attached either). */
  ttyOutput?: false | Partial<TtyOutputOptions>;
  warn: (message: string) => void;
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
  private readonly obs: Observer;
  private warnedErrors = 0;
  private files: FileBlocks | undefined;
  private connects: ConnectEnforcement | undefined;

  constructor(p: PipelineParts) {
    this.p = p;
    this.c = p.counters ?? newCounters();
    this.adapter = new ProcessAdapter(p.table);
    this.obs = new Observer(p.table, p.resolver, p.drift, this.adapter, this.c);
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
      ...(p.k8sAudit ? { k8sAudit: p.k8sAudit } : {}),
    });
    this.holds = new MetadataHold<Held>(
      p.resolver,
      this.c,
      p.maxHeld ?? 50_000,
      (h, meta) => this.sink.finish(h, meta),
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
      this.dispatch(e, this.obs.observe(e));
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
    const h = this.obs.denied(info, {
      matchedSelectors: info.decision.matchedSelectors,
      actions: info.decision.actions,
      blocked: true,
    });
    // Not held: the container's metadata as known now.
    this.sink.finish(h, h.identity ? this.holds.meta(h.identity.id, h.identity) : undefined);
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
        this.obs.forked(entry);
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
        this.obs.execed(entry, cid === undefined ? undefined : this.p.drift.onExec(cid, e));
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
        this.holds.enqueue(this.processHeld(entry, e, o, 'end'));
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
        this.tty?.onWrite(this.obs.actor(e, task), e, Date.now());
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
      process: this.obs.info(b.entry, e, identity),
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
    const entry = this.obs.actor(e, o.task);
    const covered = e.error === 'EPERM' && this.connects?.covers(e.cgroupPath) === true;
    this.holds.enqueue({
      kind: 'network',
      network: n,
      covered,
      hook: networkHook(e),
      ...this.obs.base(entry, e, o),
    });
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
    const o = this.obs.observe(e);
    const entry = this.obs.actor(e, o.task);
    const hook = `tracepoint__syscalls__sys_exit_${e.syscall}`;
    this.holds.enqueue({ kind: 'network', network: n, covered: false, hook, ...this.obs.base(entry, e, o) });
  }

  private processEvent(action: 'fork' | 'exec', entry: ProcessEntry, e: SensorEvent, o: Observed): void {
    if (!this.p.policy.wants('process', action)) {
      this.c.policySkipped++;
      return;
    }
    this.holds.enqueue(this.processHeld(entry, e, o, action));
  }

  private fileEvent(e: FileEvent, o: Observed): void {
    if (isRuntimeSetup(e.comm)) {
      this.c.runtimeSetupDropped++;
      return;
    }
    // Unknown process (or a reused pid): the table makes its entry from the record (and /proc).
    const entry = this.obs.actor(e, o.task);
    if (e.op !== 'read' && o.identity !== undefined) this.p.drift.onFile(o.identity.id, e);
    let info: ProcessInfo | undefined;
    for (const change of d4cOperations(e)) {
      if (!this.p.policy.wants('file', change.operation as Operation)) {
        this.c.policySkipped++;
        continue;
      }
      info ??= this.obs.info(entry, e, o.identity);
      const file = fileChange(e, change, this.p.reads);
      this.holds.enqueue({ kind: 'file', file, hook: fileHookPoint(e), ...this.obs.base(entry, e, o, info) });
    }
  }

  private processHeld(
    entry: ProcessEntry,
    e: SensorEvent,
    o: Observed,
    action: 'fork' | 'exec' | 'end',
  ): Held {
    const base = this.obs.base(entry, e, o, undefined, action === 'end');
    return { kind: 'process', action, hook: HOOK[action], ...base };
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
