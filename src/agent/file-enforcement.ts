// `block` on process and file operations in the agent (issue 7): the fanotify enforcer
// (src/enforce) decides on a thread of its own; it asks here about a container it does not
// know, and is answered (asynchronously, never waited for) from the agent's caches and the
// runtime; each attempt it denies goes to the event path, which makes it one `denied` document.
// Containers' volumes are marked for it at their first exec. See docs/enforce.md.

import type { CgroupIdentity, ContainerMeta, ContainerResolver } from '../container/index.js';
import type { BlockFailure } from '../ecs/index.js';
import {
  type ContainerFacts,
  type DeniedInfo,
  type Enforcer,
  type EnforcerOptions,
  type HelperCounters,
  startEnforcer,
} from '../enforce/index.js';
import type { CompiledPolicy } from '../policy/index.js';
import type { ContainerContexts } from './context.js';
import type { Held } from './documents.js';
import { containerFacts, type EnforceOptions } from './enforcement.js';
import type { MetadataHold } from './hold.js';
import type { AgentCounters } from './stats.js';

export interface FileEnforcementDeps {
  policy: CompiledPolicy;
  resolver: ContainerResolver;
  holds: MetadataHold<Held>;
  contexts: ContainerContexts;
  c: AgentCounters;
  /** A denied attempt: its document is the event path's (Pipeline.denied). */
  onDenied: (info: DeniedInfo) => void;
  /** Starts the enforcer (default startEnforcer; tests without root give a stand-in). */
  start?: (o: EnforcerOptions) => Enforcer;
}

/** Marked containers kept at most (then forgotten and marked again: marking is idempotent). */
const MAX_WATCHED = 65_536;
/** Cgroups whose facts the enforcer got, re-checked at each poll (then forgotten: it asks again). */
const MAX_PUSHED = 4096;
/** Waived (or late) decisions remembered until the sensor reports their operation (bounded). */
const MAX_WAIVED = 4096;
/**
 * After a restart, operations still count as let through by the outage for this long: their
 * documents lag the event (metadata hold, batching), and re-marking the containers takes a moment.
 */
export const RESTART_GRACE_MS = 3000;

export class FileEnforcement {
  /** Marked containers: id → the pid marked through (marked again after a restart). */
  private readonly watched = new Map<string, number>();
  /** Helper counters of enforcers before the last restart (totals stay totals). */
  private prior: HelperCounters | undefined;
  private pinDir = '';
  /** When the last restart completed (Date.now()), 0 before any. */
  private restartedAt = 0;
  private e: EnforceOptions = {};
  /** `pid\0path` of blocks waived for unknown metadata: the sensor's document says why it passed. */
  private readonly waived = new Set<string>();
  /** `pid\0path` of blocks decided after the helper's deadline (its fail-open had let them through). */
  private readonly late = new Set<string>();
  /** Late decisions of enforcers before the last restart, and of the current one (last poll). */
  private priorLate = 0;
  private currentLate = 0;
  /** Facts sent to the enforcer by cgroup path (JSON): sent again when they change. */
  private readonly pushed = new Map<string, string>();
  /** The helper's counters as of the last poll (kept when it dies). */
  private current: HelperCounters | undefined;

  private constructor(
    private readonly d: FileEnforcementDeps,
    private enforcer_: Enforcer | undefined = undefined,
  ) {}

  /** Starts the enforcer helper; rejects (with nothing left running) when it cannot start. */
  static async start(d: FileEnforcementDeps, pinDir: string, e: EnforceOptions): Promise<FileEnforcement> {
    const self = new FileEnforcement(d);
    self.pinDir = pinDir;
    self.e = e;
    self.enforcer_ = await self.launch();
    return self;
  }

  /** A new helper, ready; rejects (with nothing left running) when it cannot start. */
  private async launch(): Promise<Enforcer> {
    const e = this.e;
    const enforcer = (this.d.start ?? startEnforcer)({
      policy: this.d.policy,
      pinDir: this.pinDir,
      autoOverlay: true,
      containerOf: (cgroupPath) => this.containerOf(cgroupPath),
      onDenied: (info) => this.d.onDenied(info),
      onWaived: (info) => remember(this.waived, info, () => this.d.c.enforceWaived++),
      onLate: (info) => remember(this.late, info),
      failMode: e.failMode ?? 'fail-open',
      deadlineMs: e.deadlineMs ?? 50,
      monitoring: e.monitoring === true,
      unknownMetadata: e.unknownMetadata ?? 'allow',
      ...(e.helper ? { helper: e.helper } : {}),
    });
    try {
      await enforcer.ready;
    } catch (err) {
      await enforcer.stop().catch(() => {});
      throw err;
    }
    return enforcer;
  }

  /**
   * Replaces a dead helper (issue 22, finding 4), or with `force` a live one that reads a map
   * the sensor no longer fills: a new one (new overlays are marked as they mount), then every
   * known container's mounts marked again. Rejects when it cannot start.
   */
  async restart(force = false): Promise<void> {
    const old = this.enforcer;
    if (old.running && !force) return;
    const next = await this.launch();
    if (this.current) this.prior = addCounters(this.prior, this.current);
    this.current = undefined;
    this.priorLate += this.currentLate;
    this.currentLate = 0;
    // The new one in place first: the old one's exit must not read as another death.
    this.enforcer_ = next;
    this.restartedAt = Date.now();
    // What the old one knew, at once: the new one would ask for each on its first request.
    for (const [cg, json] of this.pushed) next.setContainer(cg, JSON.parse(json) as ContainerFacts);
    const marks = [...this.watched.values()].map((pid) =>
      next.watchPid(pid).then(
        () => this.d.c.enforceWatched++,
        () => this.d.c.enforceWatchErrors++,
      ),
    );
    // Forced (a new sensor pinned a new map): the old helper goes once the new one has marked.
    if (old.running) {
      await Promise.all(marks);
      await old.stop().catch(() => {});
    }
  }

  /** The helpers' counters since the agent started (restarts included), as of the last poll. */
  get helperCounters(): HelperCounters | undefined {
    if (!this.current) return this.prior;
    return this.prior ? addCounters(this.prior, this.current) : this.current;
  }

  get enforcer(): Enforcer {
    return this.enforcer_ as Enforcer;
  }

  get monitoring(): boolean {
    return this.enforcer.monitoring;
  }

  /** Marks a container's mounts (volumes; root file systems are marked as they are mounted). */
  watch(id: string, pid: number): void {
    if (this.watched.has(id)) return;
    if (this.watched.size > MAX_WATCHED) this.watched.clear();
    this.watched.set(id, pid);
    this.enforcer.watchPid(pid).then(
      () => this.d.c.enforceWatched++,
      () => this.d.c.enforceWatchErrors++,
    );
  }

  /**
   * An exec: a container's first (after the runtime's pivot_root, its mounts are the
   * container's) marks its volumes and fetches its metadata for the decisions.
   */
  onExec(id: CgroupIdentity | undefined, tgid: number): void {
    if (id === undefined || this.watched.has(id.id)) return;
    this.watch(id.id, tgid);
    if (this.d.resolver.lookup(id.id, id) === undefined) this.d.holds.request(id.id, id);
  }

  stop(): Promise<void> {
    return this.enforcer.stop();
  }

  /**
   * Reads the helper's counters (timeouts, overflow, refusals) for --stats and /metrics, and
   * sends the enforcer the facts that changed since it got them (a pod's labels, the cluster).
   */
  async poll(): Promise<void> {
    const e = this.enforcer;
    for (const cg of this.pushed.keys()) {
      const identity = this.d.resolver.identify(cg);
      const meta = identity && this.d.holds.meta(identity.id, identity);
      if (meta) this.push(cg, this.factsOf(meta));
    }
    try {
      const s = await e.stats();
      // A restart meanwhile folded this helper's counters already.
      if (e === this.enforcer) {
        this.current = s.helper;
        this.currentLate = s.late;
        this.d.c.enforceLate = this.priorLate + s.late;
      }
    } catch {
      // the helper is gone: its last counters stay
    }
  }

  /** Why an operation the sensor saw got through a block that was enforced (issue 22, #5). */
  failure(pid: number, path: string | undefined): BlockFailure {
    const key = `${pid}\0${path}`;
    if (this.waived.delete(key)) return 'unknown_metadata';
    if (this.late.delete(key)) return 'helper_timeout';
    const outage = !this.enforcer.running || Date.now() - this.restartedAt < RESTART_GRACE_MS;
    return outage ? 'helper_down' : 'helper_allowed';
  }

  /**
   * A cgroup's facts for the enforcer: from the cache, else once the runtime answers (the
   * enforcer decides without them meanwhile); `{}` outside any container.
   */
  private containerOf(cgroupPath: string): ContainerFacts | Promise<ContainerFacts> {
    const d = this.d;
    const identity = d.resolver.identify(cgroupPath);
    if (identity === undefined) return {};
    const meta = d.holds.meta(identity.id, identity);
    if (meta !== undefined) return this.remember(cgroupPath, this.factsOf(meta));
    d.c.enforceUnknownContext++;
    d.holds.request(identity.id, identity);
    return d.resolver
      .resolve(identity.id, identity)
      .then((m) => this.remember(cgroupPath, this.factsOf(d.holds.meta(identity.id, identity) ?? m)));
  }

  private factsOf(meta: ContainerMeta): ContainerFacts {
    const ctx = this.d.contexts.of(meta);
    return containerFacts(ctx.container, ctx.orchestrator);
  }

  /** Facts the enforcer gets (returned to it): kept to be re-checked at each poll. */
  private remember(cgroupPath: string, facts: ContainerFacts): ContainerFacts {
    if (this.pushed.size >= MAX_PUSHED && !this.pushed.has(cgroupPath)) this.pushed.clear();
    this.pushed.set(cgroupPath, JSON.stringify(facts));
    return facts;
  }

  private push(cgroupPath: string, facts: ContainerFacts): void {
    const json = JSON.stringify(facts);
    if (this.pushed.get(cgroupPath) === json) return;
    this.pushed.set(cgroupPath, json);
    this.enforcer.setContainer(cgroupPath, facts);
  }
}

/** Remembers a decision until the sensor's document of its operation asks why it passed. */
function remember(set: Set<string>, info: DeniedInfo, count?: () => void): void {
  count?.();
  if (set.size >= MAX_WAIVED) set.clear();
  set.add(`${info.pid}\0${info.path}`);
}

function addCounters(a: HelperCounters | undefined, b: HelperCounters): HelperCounters {
  if (!a) return { ...b };
  const out = { ...b };
  for (const k of Object.keys(out) as (keyof HelperCounters)[])
    out[k] = k === 'pendingMax' ? Math.max(a[k], b[k]) : a[k] + b[k];
  return out;
}
