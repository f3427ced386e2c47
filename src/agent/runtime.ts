// The node's lifecycle: the sensor, container resolver, cluster identity, /proc bootstrap,
// enforcers and helper supervision around the event path (pipeline.ts), and the services over
// it (services.ts: heartbeats, metrics, query socket, console, scheduled ES|QL). One ordered
// start; every part that started pushes its stop on ONE cleanup stack, which a failed start and
// stop() both unwind, newest first. `d4c agent` and `d4c demo` run it. See docs/agent.md.

import { type ContainerResolver, scanRunningContainers } from '../container/index.js';
import type { EcsBuilder, EcsDocument } from '../ecs/index.js';
import { type ClusterIdentity, ClusterIdentitySource } from '../k8s/index.js';
import type { ProcessTable } from '../process/index.js';
import {
  HelperWatch,
  removeStalePins,
  type Sensor,
  type SensorEvent,
  type SensorOptions,
  type SensorStats,
  startSensor,
} from '../sensor/index.js';
import type { AgentOptions } from './agent-options.js';
import { assemble } from './assemble.js';
import { CleanupStack } from './cleanup.js';
import {
  type AgentEnforcement,
  agentEnforcement,
  ConnectEnforcement,
  policyBlocks,
} from './connect-enforcement.js';
import type { ContainerContexts } from './context.js';
import type { DriftTracker } from './drift.js';
import { FileEnforcement } from './file-enforcement.js';
import { nodeStats } from './node-stats.js';
import type { Pipeline } from './pipeline.js';
import { type ServiceOptions, type Services, startServices } from './services.js';
import type { AgentStats } from './stats.js';
import { Supervisor } from './supervise.js';

export interface RuntimeOptions extends AgentOptions {
  /** What runs over the node besides the event path (the CLI's; none for the demo). */
  services?: ServiceOptions;
  /** Called once the node is protected (sensor, enforcers), before the services start. */
  onCoreReady?: (rt: Runtime) => void;
}

const START_QUEUE_MAX = 200_000;

export class Runtime {
  readonly pipeline: Pipeline;
  private readonly started = Date.now();
  readonly warn: (m: string) => void;
  private readonly stack: CleanupStack;
  private readonly table: ProcessTable;
  private readonly builder: EcsBuilder;
  private readonly contexts: ContainerContexts;
  private readonly drift: DriftTracker;
  private readonly resolver: ContainerResolver;
  private readonly identity: ClusterIdentitySource;
  private readonly sensorOpts: SensorOptions;
  private readonly pinDir: string | undefined;
  private sensor: Sensor | undefined;
  private kernel: SensorStats | undefined;
  private files: FileEnforcement | undefined;
  private connects: ConnectEnforcement | undefined;
  /** Records that arrive before the /proc bootstrap finished: replayed after it, in order. */
  private startup: SensorEvent[] | undefined = [];
  private stopping = false;
  private cloudKey = '';
  /** The services over the node (undefined before they start, or without them). */
  services: Services | undefined;
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
      this.emit(this.builder.helperRestartDoc({ name, downReason: reason, restarts: n, downMs }));
      for (const f of this.downListeners) f(name, 'restarted');
    },
    onFailed: (name, e, retryMs) =>
      this.warn(
        `helper ${name} could not be restarted (${e instanceof Error ? e.message : String(e)}); next attempt in ${retryMs} ms`,
      ),
  });

  private constructor(private readonly o: RuntimeOptions) {
    this.warn = o.onWarning ?? ((m) => process.stderr.write(`d4c agent: ${m}\n`));
    this.stack = new CleanupStack((name, e) =>
      this.warn(`${name}: ${e instanceof Error ? e.message : String(e)}`),
    );
    const a = assemble(o, this.warn);
    this.pinDir = a.pinDir;
    this.sensorOpts = a.sensorOpts;
    this.resolver = a.resolver;
    this.table = a.table;
    this.builder = a.builder;
    this.contexts = a.contexts;
    this.drift = a.drift;
    this.pipeline = a.pipeline;
    const k = o.kubernetes === false ? { api: false } : (o.kubernetes ?? {});
    this.identity = new ClusterIdentitySource({
      ...k,
      ...(o.cluster?.id ? { clusterId: o.cluster.id } : {}),
      ...(o.cluster?.name ? { clusterName: o.cluster.name } : {}),
      onWarning: this.warn,
      onChange: (i) => this.applyIdentity(i),
    });
  }

  /**
   * Starts every part in order (the sensor attached, the process table bootstrapped from /proc
   * while records queue, the containers already running primed, the enforcers, the services).
   * Rejects with the failing part's error (the sensor's D4cError when it cannot attach) after
   * stopping what had started, the outputs included: they are the runtime's from here on.
   */
  static async start(o: RuntimeOptions): Promise<Runtime> {
    let rt: Runtime;
    try {
      rt = new Runtime(o);
    } catch (e) {
      await Promise.all(Object.values(o.outputs).map((x) => x.close().catch(() => {})));
      throw e;
    }
    try {
      await rt.boot();
    } catch (e) {
      rt.stopping = true;
      await rt.stack.unwind();
      throw e;
    }
    return rt;
  }

  private async boot(): Promise<void> {
    const { o, stack, pipeline } = this;
    stack.push('outputs', () => Promise.all(Object.values(o.outputs).map((x) => x.close())));
    stack.push('cluster identity', () => this.identity.stop());
    stack.push('container metadata', () => this.resolver.stop());
    // After the sensor stopped: what it sent last, then everything pending goes out.
    stack.push('pipeline', () => {
      if (this.startup) return;
      pipeline.drain();
    });
    // A SIGKILLed loader (or agent) leaves its pinned map behind: removed before we pin ours.
    for (const dir of removeStalePins()) this.warn(`removed the stale pinned map ${dir} (its agent is gone)`);
    const sensor = startSensor(this.sensorOpts);
    this.sensor = sensor;
    stack.push('sensor', async () => {
      await this.pollKernel();
      await this.sensor?.stop();
    });
    this.wireSensor(sensor);
    this.helpers.add({
      name: 'd4c-sensor',
      // The enforcer decides writes from the open flags the sensor's programs record: without
      // them every write is let through, so a dead sensor turns block off too.
      blocks: this.pinDir !== undefined,
      running: () => this.sensor?.running === true,
      reason: () => this.sensor?.exitReason,
    });
    await sensor.ready;
    // Bounded: a slow or dead API costs at most startWaitMs, then it is retried in the background.
    const identified = this.identity.start(o.kubernetes ? (o.kubernetes.startWaitMs ?? 2000) : 2000);
    this.resolver.start();
    const scan = scanRunningContainers().then((s) => {
      this.resolver.prime([...s.containers.values()].map((c) => c.identity));
      return s;
    });
    await this.table.bootstrap();
    const running = await scan;
    for (const c of running.containers.values()) {
      const pid = c.pids[0];
      if (pid !== undefined) this.drift.noteInit(c.identity.id, pid);
    }
    this.applyIdentity(await identified);
    if (this.pinDir !== undefined) {
      const files = await FileEnforcement.start(
        {
          policy: o.policy,
          resolver: this.resolver,
          holds: pipeline.holds,
          contexts: this.contexts,
          c: pipeline.c,
          onDenied: (info) => pipeline.denied(info),
        },
        this.pinDir,
        o.enforce!,
      );
      this.files = files;
      // Its counters are read before it goes, for the final --stats line.
      stack.push('enforcer', async () => {
        await files.poll();
        await files.stop();
      });
      this.helpers.add({
        name: 'd4c-enforcer',
        blocks: true,
        running: () => files.enforcer.running,
        reason: () => files.enforcer.exitReason,
      });
      // Containers already running: their root file systems and volumes.
      for (const c of running.containers.values()) {
        const pid = c.pids[0];
        if (pid !== undefined) files.watch(c.identity.id, pid);
      }
    }
    if (o.enforce !== undefined && policyBlocks(o.policy.policy).network) {
      const connects = await ConnectEnforcement.forAgent(
        o.policy.policy,
        o.enforce,
        o.network !== false,
        this.warn,
      );
      this.connects = connects;
      stack.push('connect block', () => connects.stop());
      connects.attachRunning(running.containers.values());
    }
    pipeline.attach(this.files, this.connects);
    const queued = this.startup ?? [];
    this.startup = undefined;
    for (const e of queued) pipeline.handle(e);
    this.startTimers();
    await this.pollKernel();
    const audit = o.k8sAudit;
    if (audit) {
      await audit.start((doc) => pipeline.sink.ingest(doc as unknown as EcsDocument));
      // The audit log read to its end, before the documents it may attribute are drained.
      stack.push('k8s audit', () => audit.stop());
    }
    // No restart begins once stopping; one under way ends first (its helpers stop after it).
    stack.push('supervisor', () => this.supervisor.stop());
    o.onCoreReady?.(this);
    if (o.services) this.services = await startServices(this, stack, o.services);
  }

  /** Each second: DNS queries past their timeout; every other second the kernel's counters. */
  private startTimers(): void {
    let ticks = 0;
    const stats = setInterval(() => {
      if (ticks++ % 2 === 1) void this.pollKernel();
      this.pipeline.dns.tick();
    }, 1000);
    stats.unref();
    const quiet = this.pipeline.ttyQuietMs;
    const tty = this.pipeline.tty
      ? setInterval(() => this.pipeline.tickTty(Date.now()), Math.max(50, Math.floor(quiet / 2)))
      : undefined;
    tty?.unref();
    this.stack.push('timers', () => {
      clearInterval(stats);
      if (tty) clearInterval(tty);
    });
  }

  private wireSensor(sensor: Sensor): void {
    sensor.on('event', (e) => this.onEvent(e));
    sensor.on('error', (e) => this.warn(`sensor: ${e.message}`));
    sensor.on('down', () => this.helpers.check());
  }

  private onEvent(e: SensorEvent): void {
    const q = this.startup;
    if (q === undefined) {
      this.pipeline.handle(e);
      return;
    }
    const c = this.pipeline.c;
    if (q.length < START_QUEUE_MAX) {
      q.push(e);
      c.startupQueued++;
    } else c.startupDropped++;
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

  /** The DNS stage (its IoC list is replaced on SIGHUP). */
  get dns(): Pipeline['dns'] {
    return this.pipeline.dns;
  }

  /** The ECS builder (heartbeat and metrics documents are built with it). */
  get ecs(): EcsBuilder {
    return this.builder;
  }

  /** Writes a document built outside the event path (heartbeats, metrics) to every output, counted. */
  emit(doc: EcsDocument | Record<string, unknown>): void {
    this.pipeline.sink.write(doc as EcsDocument);
  }

  private async pollKernel(): Promise<void> {
    this.helpers.check();
    const files = this.files?.poll();
    try {
      if (this.sensor) this.kernel = await this.sensor.stats();
    } catch {
      // the sensor is gone; the last counters stay
    }
    await files;
  }

  stats(): AgentStats {
    return nodeStats({
      pipeline: this.pipeline.stats(),
      startedMs: this.started,
      kernel: this.kernel,
      resolver: this.resolver,
      identity: this.identity,
      files: this.files,
      connects: this.connects,
      scheduled: this.services?.scheduled,
      supervisor: this.supervisor,
      outputs: this.o.outputs,
      k8sAudit: this.o.k8sAudit,
    });
  }

  /**
   * Resolves at the first SIGINT or SIGTERM (or after `durationMs`); SIGHUP calls `onHangup`.
   * Caught from now on: call it before saying `ready`, so a signal right after cannot kill the
   * node without its drain and final stats.
   */
  untilSignalled(o: { durationMs?: number; onHangup?: () => void } = {}): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => resolve();
      process.once('SIGINT', done);
      process.once('SIGTERM', done);
      if (o.onHangup) process.on('SIGHUP', o.onHangup);
      if (o.durationMs !== undefined) setTimeout(done, o.durationMs).unref();
    });
  }

  /** Stops everything in the reverse order it started: final counters, drained, outputs closed. */
  stop(): Promise<void> {
    this.stopping = true;
    return this.stack.unwind();
  }
}
