// The agent: one process per node wiring sensor ▶ process table ▶ container resolver ▶ policy ▶
// ECS builder ▶ outputs, with the detection engine fed every emitted document. See docs/agent.md.

import type { ContainerResolver } from '../container/index.js';
import { createResolver, scanRunningContainers } from '../container/index.js';
import { DnsStage, type DomainList } from '../dns/index.js';
import type { EventIdGenerator } from '../ecs/index.js';
import {
  createEcsBuilder,
  dataStreamName,
  type EcsBuilder,
  type EcsDocument,
  type FileChange,
  type NetworkActivity,
  type PolicyOutcome,
  type ProcessInfo,
  randomEventIds,
} from '../ecs/index.js';
import { enforcementReport } from '../enforce/index.js';
import type { AuditAttachment } from '../k8s/index.js';
import { type ClusterIdentity, type ClusterIdentityOptions, ClusterIdentitySource } from '../k8s/index.js';
import type { Output } from '../output/index.js';
import type { CompiledPolicy, Operation } from '../policy/index.js';
import { type ProcessEntry, ProcessTable } from '../process/index.js';
import {
  type Detection,
  type ExceptionList,
  type LoadedRule,
  RuleEngine,
  ScheduledEsql,
} from '../rules/index.js';
import {
  AGENT_PIN_PREFIX,
  type DnsMessageEvent,
  d4cOperations,
  type FileEvent,
  fileHookPoint,
  HelperWatch,
  type NetworkEvent,
  removeStalePins,
  type Sensor,
  type SensorEvent,
  type SensorOptions,
  type SensorStats,
  startSensor,
  type TtyEvent,
} from '../sensor/index.js';
import { type EventStore, runOnStore } from '../store/index.js';
import { ProcessAdapter, taskFacts } from './adapter.js';
import {
  type AgentEnforcement,
  agentEnforcement,
  ConnectEnforcement,
  policyBlocks,
} from './connect-enforcement.js';
import { type Cluster, ContainerContexts, type ContainerCtx } from './context.js';
import { detectionDoc } from './detections.js';
import { buildDocument, type DocumentDeps, type Held } from './documents.js';
import { DriftTracker } from './drift.js';
import type { BlockOutcome, EnforceOptions } from './enforcement.js';
import { fileChange } from './file-change.js';
import { FileEnforcement, type FileEnforcementDeps } from './file-enforcement.js';
import { MetadataHold } from './hold.js';
import { agentContext, capLastCap, hostContext } from './host.js';
import { networkActivity, networkHook } from './network.js';
import { policyReadPrefixes, type ReadWatch, readWatch } from './read-access.js';
import { type AgentCounters, type AgentStats, newCounters } from './stats.js';
import { Supervisor } from './supervise.js';
import { TTY_DEFAULTS, type TtyBatch, TtyOutput, type TtyOutputOptions } from './tty-output.js';

export const AGENT_VERSION = '0.1.0';

export interface AgentOptions {
  policy: CompiledPolicy;
  outputs: Record<string, Output>;
  rules?: readonly LoadedRule[];
  /** Kibana exception lists by list_id (--exceptions): applied to the rules that name them. */
  exceptions?: ReadonlyMap<string, ExceptionList>;
  includeHost?: boolean;
  /** `--cluster-id` / `--cluster-name`: win over what the Kubernetes API says. */
  cluster?: Cluster;
  /**
   * The Kubernetes API for the cluster identity (orchestrator.cluster.*, cloud.*; src/k8s):
   * where it is (default: --kubeconfig, $KUBECONFIG, in-cluster, ~/.kube/config, the first
   * found) and its bounds; `false`: flags only. start() waits for it at most `startWaitMs`
   * (default 2 s); later answers apply to later documents.
   */
  kubernetes?:
    | (Omit<ClusterIdentityOptions, 'clusterId' | 'clusterName' | 'onChange' | 'onWarning'> & {
        startWaitMs?: number;
      })
    | false;
  /** CRI sockets to ask (default: the standard ones present, and the lab's). */
  criSockets?: string[];
  /** Docker-compatible API sockets (default: the standard ones present). */
  dockerSockets?: string[];
  /** Longest hold of an event for its container's metadata (default 200 ms). */
  holdMs?: number;
  /** Most events held at once; beyond, events go out with what is known (default 50,000). */
  maxHeld?: number;
  ringBytes?: number;
  /** data_stream.namespace of every document (default `default`). */
  namespace?: string;
  /**
   * Enforce the policy's `block` responses (fanotify; docs/enforce.md). Ignored when the policy
   * has no block. Absent: blocks are alerts only.
   */
  enforce?: EnforceOptions;
  /**
   * Log every network event of a watched process (as if a network response said `log`) when the
   * policy decides nothing for it: for troubleshooting. Default false: the policy's `network:`
   * section alone decides (no section, no network documents).
   */
  logAllNetwork?: boolean;
  /** Attach the sensor's network programs (default true; false: no network events at all). */
  network?: boolean;
  /** `--ioc-domains FILE`: resolving a listed name (or connecting to what it resolved to) alerts. */
  iocDomains?: DomainList;
  /**
   * Terminal output of container processes with a controlling terminal as `text_output`
   * documents (docs/sessions.md). Default on with TTY_DEFAULTS; false: the sensor's program is
   * not attached.
   */
  ttyOutput?: false | Partial<TtyOutputOptions>;
  /**
   * Kubernetes audit (src/k8s/audit, docs/sessions.md): its documents are written and fed to the
   * rules; every document is enriched by it first (the exec'd session's Kubernetes user).
   */
  k8sAudit?: AuditAttachment;
  /** Warnings (runtime unreachable, handling errors): default stderr. */
  onWarning?: (message: string) => void;
}

const START_QUEUE_MAX = 200_000;
const TTY_HOOK = 'tracepoint__syscalls__sys_enter_write';

export class Agent {
  private readonly c: AgentCounters = newCounters();
  private readonly started = Date.now();
  private readonly table: ProcessTable;
  private readonly adapter: ProcessAdapter;
  private readonly builder: EcsBuilder;
  private readonly contexts: ContainerContexts;
  private readonly engine: RuleEngine | undefined;
  private readonly alertIds: EventIdGenerator = randomEventIds();
  private readonly warn: (m: string) => void;
  /** Outcome of the logged fork/exec of a process: its exit is logged too, with it. */
  private readonly logged = new WeakMap<ProcessEntry, PolicyOutcome>();
  private readonly docs: DocumentDeps;
  /** Events waiting (in order) for a container lookup; everything behind the first one waits too. */
  /** Results of resolve() for ids whose first lookup outlived the hold. */
  private readonly holds: MetadataHold<Held>;
  private startup: SensorEvent[] | undefined = [];
  private kernel: SensorStats | undefined;
  private statsTimer: NodeJS.Timeout | undefined;
  private ttyTimer: NodeJS.Timeout | undefined;
  private readonly tty: TtyOutput | undefined;
  private stopping: Promise<void> | undefined;
  /** Listeners for a helper's death (the CLI writes a heartbeat saying block is off). */
  private readonly downListeners: ((name: string, reason: string) => void)[] = [];
  /** The helpers' liveness: /healthz, the heartbeat and a log line per death (docs/security.md). */
  readonly helpers = new HelperWatch((name, reason) => {
    if (this.stopping) return;
    this.warn(
      `helper ${name} is down (${reason}): ${name === 'd4c-sensor' ? `no events are seen${this.files ? ' and writes are not blocked' : ''}` : 'block is not enforced'} until it is restarted`,
    );
    for (const f of this.downListeners) f(name, reason);
    this.supervisor.down(name, reason);
  });
  /** Restarts dead helpers with backoff; one alert document and log line per restart. */
  private readonly supervisor = new Supervisor({
    restart: (name) => this.restartHelper(name),
    onRestarted: (name, reason, n, downMs) => {
      this.warn(`helper ${name} restarted (restart ${n}; it was down ${downMs} ms after ${reason})`);
      this.helpers.revived(name);
      this.write(this.builder.helperRestartDoc({ name, downReason: reason, restarts: n, downMs }));
      for (const f of this.downListeners) f(name, 'restarted');
    },
    onFailed: (name, e, retryMs) =>
      this.warn(
        `helper ${name} could not be restarted (${e instanceof Error ? e.message : String(e)}); next attempt in ${retryMs} ms`,
      ),
  });
  private readonly holdMs: number;
  private readonly maxHeld: number;
  private warnedErrors = 0;
  private lastRuleDoc: EcsDocument | undefined;
  /** fanotify enforcement of process and file blocks (undefined when not enforcing). */
  private files: FileEnforcement | undefined;
  /** `block` on connect: the kernel's cgroup connect filter (connect-enforcement.ts). */
  private connects: ConnectEnforcement | undefined;
  /** ES|QL rules on their schedule over the store (scheduleEsql). */
  private scheduled: ScheduledEsql | undefined;
  /** Operations this kernel can prevent; a block on the others is an alert. */
  private readonly blockable: ReadonlySet<string> = new Set(enforcementReport().enforced);
  /** DNS transactions, answers cache and IoC list (src/dns; the agent's one DNS stage). */
  readonly dns: DnsStage = new DnsStage({
    onTransaction: (tx, n) => this.dnsTransaction(tx.query, n),
  });
  /** Drift (process.drift): what containers wrote, their overlay upper layers. */
  private readonly drift: DriftTracker;
  /** Each process's drift, set at exec (inherited at fork); absent: unknown yet. */
  private readonly drifted = new WeakMap<ProcessEntry, boolean>();
  private identity: ClusterIdentitySource | undefined;
  private cloudKey = '';

  private constructor(
    private readonly o: AgentOptions,
    private sensor: Sensor,
    /** How the sensor was started: a restart starts it alike. */
    private readonly sensorOpts: SensorOptions,
    private readonly resolver: ContainerResolver,
    /** The kernel's read prefixes (readFile selectors' targetFilePath). */
    private readonly reads: ReadWatch,
  ) {
    if (o.iocDomains !== undefined) this.dns.setIoc(o.iocDomains);
    this.warn = o.onWarning ?? ((m) => process.stderr.write(`d4c agent: ${m}\n`));
    this.holdMs = o.holdMs ?? 200;
    this.maxHeld = o.maxHeld ?? 50_000;
    this.holds = new MetadataHold<Held>(
      resolver,
      this.c,
      this.maxHeld,
      (h) => this.finish(h),
      (err) => this.handleError('', err),
    );
    const agent = agentContext(AGENT_VERSION);
    const host = hostContext();
    this.table = new ProcessTable({ agentId: agent.id });
    this.adapter = new ProcessAdapter(this.table);
    this.builder = createEcsBuilder({
      agent,
      host,
      capLastCap: capLastCap(),
      ...(o.namespace !== undefined ? { namespace: o.namespace } : {}),
      packagePolicy: packagePolicyOf(o.policy.policy),
    });
    this.contexts = new ContainerContexts(o.cluster);
    this.docs = {
      policy: o.policy,
      builder: this.builder,
      c: this.c,
      logged: this.logged,
      logAllNetwork: o.logAllNetwork === true,
      connects: () => this.connects,
      passedBlock: (outcome, op, pid, path) => this.passedBlock(outcome, op, pid, path),
    };
    this.drift = new DriftTracker(this.c);
    if (o.ttyOutput !== false) {
      const t = { ...TTY_DEFAULTS, ...(o.ttyOutput ?? {}) };
      this.tty = new TtyOutput(t, (b) => this.textOutput(b));
      this.ttyTimer = setInterval(() => this.tty?.tick(Date.now()), Math.max(50, Math.floor(t.quietMs / 2)));
      this.ttyTimer.unref();
    }
    if (o.rules && o.rules.length > 0) {
      this.engine = new RuleEngine(o.rules, o.exceptions ? { exceptions: o.exceptions } : {});
      for (const m of this.engine.stats().missingExceptionLists)
        this.warn(
          `rule '${m.name}' (${m.id}) names exception list '${m.listId}', which no --exceptions file holds`,
        );
    }
  }

  /**
   * Starts the sensor (and waits until it is attached), then bootstraps the process table from
   * /proc (events that arrive meanwhile are queued and replayed), then primes the container cache
   * with the containers already running. Rejects with the sensor's D4cError when it cannot attach.
   */
  static async start(o: AgentOptions): Promise<Agent> {
    const blocks = policyBlocks(o.policy.policy);
    // fanotify for process/file blocks; the connect filter for network ones.
    const enforce = o.enforce !== undefined && blocks.other;
    const enforceConnect = o.enforce !== undefined && blocks.network;
    // The enforcer reads the open flags from the sensor's pinned map (one directory per agent).
    const pinDir = enforce ? `/sys/fs/bpf/${AGENT_PIN_PREFIX}${process.pid}` : undefined;
    // A SIGKILLed loader (or agent) leaves its pinned map behind: removed before we pin ours.
    const stale = removeStalePins();
    // readFile: the kernel reports read-only opens under these prefixes only (docs/sensor.md).
    const reads = readWatch(policyReadPrefixes(o.policy));
    const sensorOpts: SensorOptions = {
      includeHost: o.includeHost === true,
      ringBytes: o.ringBytes,
      pinDir,
      network: o.network !== false,
      ttyOutput: o.ttyOutput !== false,
      readPrefixes: reads.kernel,
    };
    const sensor = startSensor(sensorOpts);
    const resolver = createResolver({
      holdMs: o.holdMs ?? 200,
      // Settle with the first answering source of the container's runtime soon, so that a busy
      // API service does not make the hold run out (it fills gaps when it answers).
      partialWaitMs: 50,
      ...(o.criSockets ? { criSockets: o.criSockets } : {}),
      ...(o.dockerSockets ? { sockets: o.dockerSockets } : {}),
      onWarning: o.onWarning ?? ((m) => process.stderr.write(`d4c agent: ${m}\n`)),
    });
    const agent = new Agent(o, sensor, sensorOpts, resolver, reads);
    for (const dir of stale) agent.warn(`removed the stale pinned map ${dir} (its agent is gone)`);
    const k = o.kubernetes === false ? { api: false } : (o.kubernetes ?? {});
    const identity = new ClusterIdentitySource({
      ...k,
      ...(o.cluster?.id ? { clusterId: o.cluster.id } : {}),
      ...(o.cluster?.name ? { clusterName: o.cluster.name } : {}),
      onWarning: agent.warn,
      onChange: (i) => agent.applyIdentity(i),
    });
    agent.identity = identity;
    agent.wireSensor(sensor);
    agent.helpers.add({
      name: 'd4c-sensor',
      // The enforcer decides writes from the open flags the sensor's programs record: without
      // them every write is let through, so a dead sensor turns block off too.
      blocks: pinDir !== undefined,
      running: () => agent.sensor.running,
      reason: () => agent.sensor.exitReason,
    });
    try {
      await sensor.ready;
    } catch (e) {
      identity.stop();
      await sensor.stop().catch(() => {});
      throw e;
    }
    // Bounded: a slow or dead API costs at most startWaitMs, then it is retried in the background.
    const identified = identity.start(o.kubernetes ? (o.kubernetes.startWaitMs ?? 2000) : 2000);
    resolver.start();
    const scan = scanRunningContainers().then((s) => {
      resolver.prime([...s.containers.values()].map((c) => c.identity));
      return s;
    });
    await agent.table.bootstrap();
    const running = await scan;
    for (const c of running.containers.values()) {
      const pid = c.pids[0];
      if (pid !== undefined) agent.drift.noteInit(c.identity.id, pid);
    }
    agent.applyIdentity(await identified);
    if (enforce) {
      try {
        agent.files = await FileEnforcement.start(agent.fileEnforcementDeps(), pinDir!, o.enforce!);
      } catch (e) {
        resolver.stop();
        await sensor.stop().catch(() => {});
        throw e;
      }
      const files = agent.files;
      agent.helpers.add({
        name: 'd4c-enforcer',
        blocks: true,
        running: () => files.enforcer.running,
        reason: () => files.enforcer.exitReason,
      });
      // Containers already running: their root file systems and volumes.
      for (const c of running.containers.values()) {
        const pid = c.pids[0];
        if (pid !== undefined) agent.files.watch(c.identity.id, pid);
      }
    }
    if (enforceConnect) {
      try {
        agent.connects = await ConnectEnforcement.forAgent(
          o.policy.policy,
          o.enforce!,
          o.network !== false,
          agent.warn,
        );
      } catch (e) {
        await agent.files?.stop().catch(() => {});
        resolver.stop();
        await sensor.stop().catch(() => {});
        throw e;
      }
      agent.connects.attachRunning(running.containers.values());
    }
    const queued = agent.startup ?? [];
    agent.startup = undefined;
    for (const e of queued) agent.handle(e);
    // Each second: DNS queries past their timeout are written; every other second the kernel's
    // counters are polled (docs/agent.md: every 2 s).
    let ticks = 0;
    agent.statsTimer = setInterval(() => {
      if (ticks++ % 2 === 1) void agent.pollKernel();
      agent.dns.tick();
    }, 1000);
    agent.statsTimer.unref();
    await agent.pollKernel();
    if (o.k8sAudit) {
      try {
        await o.k8sAudit.start((doc) => agent.ingest(doc as unknown as EcsDocument));
      } catch (e) {
        await agent.stop().catch(() => {});
        throw e;
      }
    }
    return agent;
  }

  private wireSensor(sensor: Sensor): void {
    sensor.on('event', (e) => this.onEvent(e));
    sensor.on('error', (e) => this.warn(`sensor: ${e.message}`));
    sensor.on('down', () => this.helpers.check());
  }

  /**
   * A helper again (issue 22, finding 4). A new sensor pins a new open-flags map, which the
   * enforcer reads: it is replaced too. Rejects (nothing new left running) when it cannot start.
   */
  private async restartHelper(name: string): Promise<void> {
    if (name === 'd4c-sensor') {
      const next = startSensor(this.sensorOpts);
      try {
        await next.ready;
      } catch (e) {
        await next.stop().catch(() => {});
        throw e;
      }
      this.wireSensor(next);
      this.sensor = next;
      if (this.files) {
        await this.files.restart(true);
        this.helpers.revived('d4c-enforcer');
      }
    } else if (name === 'd4c-enforcer') await this.files?.restart();
  }

  /** Cluster identity known (at start, or later from the API): documents from now on carry it. */
  private applyIdentity(i: ClusterIdentity): void {
    this.contexts.setCluster({
      ...(i.id !== undefined ? { id: i.id } : {}),
      ...(i.name !== undefined ? { name: i.name } : {}),
    });
    const key = JSON.stringify(i.cloud ?? null);
    if (key !== this.cloudKey) {
      this.cloudKey = key;
      this.builder.setCloud(i.cloud);
    }
  }

  // ------------------------------------------------------------------ enforcement

  private fileEnforcementDeps(): FileEnforcementDeps {
    return {
      policy: this.o.policy,
      resolver: this.resolver,
      holds: this.holds,
      contexts: this.contexts,
      table: this.table,
      adapter: this.adapter,
      builder: this.builder,
      c: this.c,
      emit: (docs) => {
        for (const d of docs) this.write(d);
        if (this.engine && docs[0]) this.detect(docs[0]);
      },
    };
  }

  /** What this kernel enforces; undefined when enforcement is not running. */
  get enforcement(): AgentEnforcement | undefined {
    return agentEnforcement(this.files?.enforcer, this.connects);
  }

  /** Heartbeat's block_action_enabled: the policy blocks, a blocker runs, not monitoring. */
  get blockActionEnabled(): boolean {
    const running =
      (this.files !== undefined && !this.files.monitoring) ||
      (this.connects !== undefined && !this.connects.monitoring);
    return this.o.policy.hasBlock && running && this.helpers.blocking;
  }

  /** Called once per helper death (not during stop). */
  onHelperDown(fn: (name: string, reason: string) => void): void {
    this.downListeners.push(fn);
  }

  // ------------------------------------------------------------------ events

  private onEvent(e: SensorEvent): void {
    if (this.startup !== undefined) {
      if (this.startup.length < START_QUEUE_MAX) {
        this.startup.push(e);
        this.c.startupQueued++;
      } else this.c.startupDropped++;
      return;
    }
    this.handle(e);
  }

  /** One record: counted, handled, and never allowed to take the agent down. */
  handle(e: SensorEvent): void {
    try {
      this.c.eventsSeen[e.kind]++;
      this.dispatch(e);
    } catch (err) {
      this.handleError(` (${e?.kind})`, err);
    }
  }

  /** An event that failed to handle: counted; the first few are told. */
  private handleError(what: string, err: unknown): void {
    this.c.handleErrors++;
    if (this.warnedErrors++ < 5)
      this.warn(`event skipped${what}: ${err instanceof Error ? err.message : String(err)}`);
  }

  private dispatch(e: SensorEvent): void {
    const task = taskFacts(e);
    if (this.files !== undefined && e.kind === 'exec') this.files.onExec(e.cgroupPath, e.tgid);
    if (this.connects !== undefined && e.kind === 'exec') {
      const id = this.resolver.identify(e.cgroupPath);
      if (id !== undefined) this.connects.onContainer(id.id, e.cgroupPath);
    }
    const timeNs = e.ts;
    switch (e.kind) {
      case 'fork': {
        const entry = this.table.onFork({ task, timeNs, parentStartNs: e.parentStartTime });
        if (!entry) return;
        // The child runs its parent's image until it execs.
        const parent = this.table.parentOf(entry);
        const pd = parent ? this.drifted.get(parent) : undefined;
        if (pd !== undefined) this.drifted.set(entry, pd);
        // runc's init forks (runc:[1:CHILD] → runc:[2:INIT]) are the runtime setting up, not the workload.
        if (isRuntimeSetup(e.comm)) {
          this.c.runtimeSetupDropped++;
          return;
        }
        this.processEvent('fork', entry, e);
        return;
      }
      case 'exec': {
        const entry = this.table.onExec({
          task,
          timeNs,
          filename: e.executable || e.filenamePath,
          argv: e.args,
          argc: e.argc,
          argsTruncated: e.argsTruncated,
          cwd: e.cwd,
        });
        // Before the policy filter: later documents of this process carry its drift too.
        const cid = this.resolver.identify(e.cgroupPath)?.id;
        if (cid !== undefined && e.vpid === 1) this.drift.noteInit(cid, e.tgid);
        const d = cid === undefined ? undefined : this.drift.onExec(cid, e);
        if (d === undefined) this.drifted.delete(entry);
        else this.drifted.set(entry, d);
        this.processEvent('exec', entry, e);
        return;
      }
      case 'exit': {
        const entry = this.table.onExit({ task, timeNs, exitCode: e.exitCode });
        // What it wrote to its terminal goes out before its end.
        if (entry) this.tty?.end(entry);
        if (e.vpid === 1) {
          // The container's init is gone: so is the container (its drift records go with it).
          const cid = this.resolver.identify(e.cgroupPath)?.id;
          if (cid !== undefined) {
            this.drift.forget(cid);
            this.connects?.forget(cid);
          }
        }
        if (!entry) return;
        // Logged iff its fork/exec was; that decision may still be in the hold queue (ordered).
        if (!this.logged.has(entry) && this.holds.pending === 0) {
          this.c.endsSkipped++;
          return;
        }
        this.holds.enqueue(this.held('process', entry, e, 'end'));
        return;
      }
      case 'setsid':
        this.table.onSetsid({ task, timeNs });
        return;
      case 'file':
        this.fileEvent(e, task);
        return;
      case 'network':
        this.networkEvent(e, task);
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
    const identity = this.resolver.identify(e.cgroupPath);
    const cid = identity?.id;
    const meta = cid !== undefined && identity ? this.holds.meta(cid, identity) : undefined;
    const ctx = identity ? (meta ? this.contexts.of(meta) : this.contexts.bare(identity)) : undefined;
    const doc = this.builder.textOutputDoc({
      timeNs: BigInt(Math.round(e.ts)),
      process: this.withDrift(this.adapter.info(b.entry, e, false), b.entry, e.cgroupPath),
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
    this.write(doc);
  }

  /** The process that acted, from the table (made from the record when unknown or reused). */
  private actor(
    e: FileEvent | NetworkEvent | DnsMessageEvent | TtyEvent,
    task: ReturnType<typeof taskFacts>,
  ): ProcessEntry {
    const entry = this.table.get(e.tgid);
    if (entry && Math.abs(entry.startNs - e.startTime) <= 20e6) return entry;
    this.c.unknownProcessFileEvents++;
    return this.table.onSetsid({ task, timeNs: e.ts });
  }

  private networkEvent(e: NetworkEvent, task: ReturnType<typeof taskFacts>): void {
    if (isRuntimeSetup(e.comm)) {
      this.c.runtimeSetupDropped++;
      return;
    }
    const n = networkActivity(e);
    const ioc = this.dns.annotateConnect(e, n);
    if (this.o.logAllNetwork !== true && !ioc && !this.o.policy.wants('network', e.op)) {
      this.c.policySkipped++;
      return;
    }
    const entry = this.actor(e, task);
    const h = this.held('network', entry, e, undefined) as Extract<Held, { kind: 'network' }>;
    h.network = n;
    h.hook = networkHook(e);
    h.covered = e.error === 'EPERM' && this.connects?.covers(e.cgroupPath) === true;
    this.holds.enqueue(h);
  }

  /** A finished DNS transaction (src/dns): held and decided like any network event. */
  dnsTransaction(e: DnsMessageEvent, n: NetworkActivity): void {
    if (isRuntimeSetup(e.comm)) {
      this.c.runtimeSetupDropped++;
      return;
    }
    if (
      this.o.logAllNetwork !== true &&
      n.iocDomain === undefined &&
      !this.o.policy.wants('network', 'dns')
    ) {
      this.c.policySkipped++;
      return;
    }
    const entry = this.actor(e, taskFacts(e));
    const h = this.held('network', entry, e, undefined) as Extract<Held, { kind: 'network' }>;
    h.network = n;
    h.hook = `tracepoint__syscalls__sys_exit_${e.syscall}`;
    this.holds.enqueue(h);
  }

  private processEvent(action: 'fork' | 'exec', entry: ProcessEntry, e: SensorEvent): void {
    if (!this.o.policy.wants('process', action)) {
      this.c.policySkipped++;
      return;
    }
    this.holds.enqueue(this.held('process', entry, e, action));
  }

  private fileEvent(e: FileEvent, task: ReturnType<typeof taskFacts>): void {
    if (isRuntimeSetup(e.comm)) {
      this.c.runtimeSetupDropped++;
      return;
    }
    // Unknown process (or a reused pid): the table makes its entry from the record (and /proc).
    const entry = this.actor(e, task);
    if (e.op !== 'read') {
      const cid = this.resolver.identify(e.cgroupPath)?.id;
      if (cid !== undefined) this.drift.onFile(cid, e);
    }
    let info: ProcessInfo | undefined;
    for (const change of d4cOperations(e)) {
      if (!this.o.policy.wants('file', change.operation as Operation)) {
        this.c.policySkipped++;
        continue;
      }
      info ??= this.withDrift(this.adapter.info(entry, e, false), entry, e.cgroupPath);
      const file = fileChange(e, change, this.reads);
      const h = this.held('file', entry, e, undefined, info) as Extract<Held, { kind: 'file' }>;
      h.file = file;
      h.hook = fileHookPoint(e);
      this.holds.enqueue(h);
    }
  }

  private held(
    kind: Held['kind'],
    entry: ProcessEntry,
    e: SensorEvent,
    action: 'fork' | 'exec' | 'end' | undefined,
    info?: ProcessInfo,
  ): Held {
    const identity = this.resolver.identify(e.cgroupPath);
    const base = {
      info: info ?? this.withDrift(this.adapter.info(entry, e, action === 'end'), entry, e.cgroupPath),
      timeNs: BigInt(Math.round(e.ts)),
      entry,
      cid: identity?.id,
      identity,
      held: false,
    };
    if (kind === 'process') return { kind: 'process', action: action ?? 'fork', ...base };
    if (kind === 'network')
      return {
        kind: 'network',
        network: undefined as unknown as NetworkActivity,
        covered: false,
        hook: '',
        ...base,
      };
    return { kind: 'file', file: undefined as unknown as FileChange, hook: '', ...base };
  }

  /**
   * process.drift of the acting process: from its exec, or for a process that was running when
   * the agent started, from its container's upper layer (once, then remembered).
   */
  private withDrift(info: ProcessInfo, entry: ProcessEntry, cgroupPath: string): ProcessInfo {
    let d = this.drifted.get(entry);
    if (d === undefined && entry.executable !== '') {
      const cid = this.resolver.identify(cgroupPath)?.id;
      if (cid !== undefined) {
        d = this.drift.ofRunning(cid, entry.pid, entry.mntNsInum, entry.executable);
        if (d !== undefined) this.drifted.set(entry, d);
      }
    }
    if (d !== undefined) info.drift = d;
    return info;
  }

  // ------------------------------------------------------------------ policy, documents, outputs

  private containerCtx(h: Held): ContainerCtx | undefined {
    if (h.cid === undefined || h.identity === undefined) return undefined;
    const meta = this.holds.meta(h.cid, h.identity);
    return meta ? this.contexts.of(meta) : this.contexts.bare(h.identity);
  }

  private finish(h: Held): void {
    const ctx = this.containerCtx(h);
    const complete = ctx === undefined || ctx.complete;
    if (h.held && !complete) this.c.heldIncomplete++;
    const built = buildDocument(this.docs, h, ctx, complete);
    if (built === undefined) return;
    const { doc, outcome } = built;
    if (!complete) this.c.docsIncompleteMetadata++;
    const docs = this.builder.route(doc, outcome);
    if (docs.length === 0) return;
    if (h.kind === 'process' && h.action !== 'end' && outcome.actions?.includes('log')) {
      // Its end is logged with this decision (end is no policy operation).
      this.logged.set(h.entry, { matchedSelectors: outcome.matchedSelectors, actions: ['log'] });
    }
    for (const d of docs) this.write(d);
    if (this.engine) this.detect(docs[0]!);
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
    if (!files || !outcome.actions?.includes('block') || !this.blockable.has(op)) return undefined;
    if (files.monitoring) return { mode: 'monitoring' };
    return { mode: 'failed_open', failure: files.failure(pid, path) };
  }

  /**
   * Runs the ES|QL rules among `rules` over the store on their interval (src/rules/scheduled.ts);
   * each result row becomes an alert. Returns how many are scheduled. Detection alerts are not
   * their input (a rule over `logs-*` would read its own alerts back).
   */
  scheduleEsql(store: Pick<EventStore, 'sql'>): number {
    if (this.scheduled || this.stopping) return this.scheduled?.size ?? 0;
    const s = new ScheduledEsql(
      this.o.rules ?? [],
      (p, range, now) => runOnStore(store, p, { ...range, now, excludeDetections: true }),
      { warn: this.warn },
    );
    if (s.size === 0) return 0;
    this.scheduled = s;
    s.start((ds) => {
      for (const d of ds) this.writeDetection(d, d.doc as unknown as EcsDocument);
    });
    return s.size;
  }

  /** The ECS builder (heartbeat and metrics documents are built with it). */
  get ecs(): EcsBuilder {
    return this.builder;
  }

  /** Writes a document built outside the event path (heartbeats, metrics) to every output, counted. */
  emit(doc: EcsDocument | Record<string, unknown>): void {
    this.write(doc as EcsDocument);
  }

  /** A document from another source (Kubernetes audit): written and fed to the rules. */
  private ingest(doc: EcsDocument): void {
    this.write(doc);
    if (this.engine) this.detect(doc);
  }

  private write(doc: EcsDocument): void {
    // The one hook before outputs and rules (detect() gets the same, enriched, object).
    this.o.k8sAudit?.enrich(doc as unknown as Record<string, unknown>);
    const stream = dataStreamName(doc.data_stream);
    this.c.docsEmitted[stream] = (this.c.docsEmitted[stream] ?? 0) + 1;
    for (const out of Object.values(this.o.outputs))
      out.write(doc as unknown as Record<string, unknown>, stream);
  }

  private detect(doc: EcsDocument): void {
    const engine = this.engine!;
    this.c.rulesEvents++;
    this.lastRuleDoc = doc;
    for (const d of engine.push(doc)) this.writeDetection(d, doc);
  }

  /** A detection counted, and written as an alert built on `trigger` (none: counted only). */
  private writeDetection(d: Detection, trigger: EcsDocument | undefined): void {
    this.c.ruleDetections++;
    if (trigger) this.write(detectionDoc(d, trigger, this.builder.fragments.streams.alerts, this.alertIds));
  }

  // ------------------------------------------------------------------ stats, stop

  private async pollKernel(): Promise<void> {
    this.helpers.check();
    const files = this.files?.poll();
    try {
      this.kernel = await this.sensor.stats();
    } catch {
      // the sensor is gone; the last counters stay
    }
    await files;
  }

  stats(): AgentStats {
    const t = this.table.stats();
    const outputs: AgentStats['outputs'] = {};
    for (const [name, o] of Object.entries(this.o.outputs)) outputs[name] = o.stats();
    const engine = this.engine?.stats();
    return {
      ...this.c,
      eventsSeen: { ...this.c.eventsSeen },
      docsEmitted: { ...this.c.docsEmitted },
      policyActions: { ...this.c.policyActions },
      ruleSuppressed: engine?.suppressed ?? 0,
      ruleExcepted: engine?.excepted ?? 0,
      uptimeSeconds: Math.round((Date.now() - this.started) / 1000),
      kernel: this.kernel?.kernel,
      sensor: this.kernel?.user,
      processTable: {
        size: t.size,
        live: t.live,
        exited: t.exited,
        unknownPidEvents: t.unknownPidEvents,
        evicted: t.evictedExpired + t.evictedExitedForCap + t.evictedLiveForCap,
      },
      containers: { ...this.resolver.counters, cached: this.resolver.size },
      kubernetes: {
        ...(this.identity?.counters ?? newIdentityCounters()),
        ...(this.identity?.identity.id !== undefined ? { clusterId: this.identity.identity.id } : {}),
        ...(this.identity?.identity.name !== undefined ? { clusterName: this.identity.identity.name } : {}),
      },
      ...(this.files?.helperCounters ? { enforceHelper: { ...this.files.helperCounters } } : {}),
      ...(this.connects ? { connectBlock: { ...this.connects.counters } } : {}),
      ...(this.scheduled ? { scheduledRules: this.scheduled.stats() } : {}),
      dns: this.dns.stats(),
      holdQueue: this.holds.pending,
      helperRestarts: { ...this.supervisor.restarts },
      helperRestartFailures: { ...this.supervisor.failures },
      ...(this.tty ? { ttyOutput: { ...this.tty.counters, pending: this.tty.pending } } : {}),
      ...(this.o.k8sAudit ? { k8sAudit: this.o.k8sAudit.stats() } : {}),
      outputs,
      rssBytes: process.memoryUsage.rss(),
    };
  }

  /** Final sensor counters, detach, release everything held, flush rules and outputs. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      // No restart begins now; one under way ends first (its helpers are stopped below).
      await this.supervisor.stop();
      // The audit log read to its end, before the documents it may attribute are drained.
      await this.o.k8sAudit
        ?.stop()
        .catch((e) => this.warn(`k8s audit: ${e instanceof Error ? e.message : String(e)}`));
      if (this.statsTimer) clearInterval(this.statsTimer);
      if (this.ttyTimer) clearInterval(this.ttyTimer);
      await this.scheduled?.stop();
      await this.connects
        ?.stop()
        .catch((e) => this.warn(`connect block: ${e instanceof Error ? e.message : String(e)}`));
      // The enforcer first: it reads the sensor's pinned map (pending events are released).
      // Its counters are read before it goes, for the final --stats line.
      await this.files?.poll();
      await this.files
        ?.stop()
        .catch((e) => this.warn(`enforcer: ${e instanceof Error ? e.message : String(e)}`));
      await this.pollKernel();
      await this.sensor.stop();
      if (this.startup) {
        const q = this.startup;
        this.startup = undefined;
        for (const e of q) this.handle(e);
      }
      this.dns.flush();
      this.holds.drain(true);
      this.tty?.flushAll();
      if (this.engine) {
        for (const d of this.engine.flush()) this.writeDetection(d, this.lastRuleDoc);
      }
      this.resolver.stop();
      this.identity?.stop();
      await Promise.all(Object.values(this.o.outputs).map((o) => o.close()));
    })();
    return this.stopping;
  }
}

function newIdentityCounters() {
  return new ClusterIdentitySource({ api: false }).counters;
}

function isRuntimeSetup(comm: string): boolean {
  return comm.startsWith('runc:[') || comm.startsWith('crun:[');
}

/** cloud_defend.package_policy_id/revision of the documents, from the policy's source. */
function packagePolicyOf(p: { packagePolicyId?: string; packagePolicyRevision?: number }): {
  id?: string;
  revision?: number;
} {
  return {
    ...(p.packagePolicyId !== undefined ? { id: p.packagePolicyId } : {}),
    ...(p.packagePolicyRevision !== undefined ? { revision: p.packagePolicyRevision } : {}),
  };
}
