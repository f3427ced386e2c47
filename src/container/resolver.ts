// Container metadata cache keyed by container id. Filled on first sight (the sensor sees a new
// container id) and on runtime start events; kept a grace period after the container dies (its
// last events still need context); bounded. Lookups ask every source in parallel and merge the
// answers in source order, so the Docker-compatible API, the OCI spec and (later) CRI complement
// each other. Runtime down or slow: entries are marked incomplete, counters and one warning say so,
// and the caller keeps going.
import { type CgroupIdentity, parseCgroupPath } from './cgroup.js';
import type { ContainerMeta, MetadataSource, RuntimeEvent, SourceResult } from './types.js';

/** How long a lookup waits for a source already marked unreachable. */
const DOWN_WAIT_MS = 100;

export interface ResolverOptions {
  sources: MetadataSource[];
  /** How long an ended container's entry stays; default 60 s. */
  graceMs?: number;
  /** Most entries kept; the oldest go first. Default 4096. */
  maxEntries?: number;
  /** A source slower than this counts as timed out (its late answer is still merged). Default 2 s. */
  lookupTimeoutMs?: number;
  /** How long resolve() holds a caller waiting for a lookup in flight. Default 500 ms. */
  holdMs?: number;
  /**
   * Once one source made for the container's runtime has answered with data, settle the lookup
   * this long after (merging what is there) instead of waiting for slower ones, which then only
   * fill gaps. For agents that hold events for metadata. Default: off (wait for every source).
   */
  partialWaitMs?: number;
  /** After an incomplete lookup, retry no sooner than this. Default 5 s. */
  retryMs?: number;
  /** Warnings (runtime unreachable, recovered). Default: stderr. */
  onWarning?: (message: string) => void;
  now?: () => number;
}

export interface ResolverCounters {
  lookups: number;
  hits: number;
  misses: number;
  sourceLookups: number;
  sourceFailures: number;
  notFound: number;
  timeouts: number;
  unreachable: number;
  heldTimeouts: number;
  startEvents: number;
  dieEvents: number;
  /** Failed polls/reads of a source's start/die feed (the runtime is down or restarting). */
  watchFailures: number;
  evictions: number;
  expired: number;
}

interface Entry {
  meta: ContainerMeta;
  /** Settles when every source answered or timed out. */
  ready?: Promise<void>;
  /** Settles as soon as the sources made for the container's runtime answered (one at least ok). */
  early?: Promise<void>;
  retryAt: number;
}

export class ContainerResolver {
  readonly counters: ResolverCounters = {
    lookups: 0,
    hits: 0,
    misses: 0,
    sourceLookups: 0,
    sourceFailures: 0,
    notFound: 0,
    timeouts: 0,
    unreachable: 0,
    heldTimeouts: 0,
    startEvents: 0,
    dieEvents: 0,
    watchFailures: 0,
    evictions: 0,
    expired: 0,
  };
  private readonly entries = new Map<string, Entry>();
  private readonly identities = new Map<string, CgroupIdentity | null>();
  private readonly down = new Set<string>();
  private readonly stops: Array<() => void> = [];
  private sweepTimer: NodeJS.Timeout | undefined;
  private readonly o: Required<Omit<ResolverOptions, 'sources' | 'partialWaitMs'>> & {
    sources: MetadataSource[];
    partialWaitMs?: number;
  };

  constructor(opts: ResolverOptions) {
    this.o = {
      graceMs: 60_000,
      maxEntries: 4096,
      lookupTimeoutMs: 2000,
      holdMs: 500,
      retryMs: 5000,
      onWarning: (m) => process.stderr.write(`d4c: ${m}\n`),
      now: Date.now,
      ...opts,
    };
  }

  /** Subscribes to the sources' start/die events and starts the grace-period sweep. */
  start(): void {
    for (const s of this.o.sources) {
      if (!s.watch) continue;
      const health = {
        down: (error: string, unreachable: boolean) => {
          this.counters.watchFailures++;
          if (unreachable) {
            this.counters.unreachable++;
            this.markDown(s, error);
          }
        },
        up: () => {
          if (this.down.delete(s.name)) this.o.onWarning(`container metadata: ${s.name} answers again`);
        },
      };
      this.stops.push(s.watch((e) => this.onRuntimeEvent(e), health));
    }
    this.sweepTimer = setInterval(() => this.sweep(), Math.max(1000, this.o.graceMs / 4));
    this.sweepTimer.unref();
  }

  stop(): void {
    for (const s of this.stops.splice(0)) s();
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    for (const s of this.o.sources) s.close?.();
  }

  /** Identity from a cgroup path, memoised (bounded) since the sensor sends few distinct paths. */
  identify(cgroupPath: string): CgroupIdentity | undefined {
    const hit = this.identities.get(cgroupPath);
    if (hit !== undefined) return hit ?? undefined;
    const id = parseCgroupPath(cgroupPath);
    if (this.identities.size >= this.o.maxEntries * 2) this.identities.clear();
    this.identities.set(cgroupPath, id ?? null);
    return id;
  }

  /**
   * Metadata known now, for the hot path: never waits. On first sight starts a lookup in the
   * background and returns undefined; returns an incomplete entry while a lookup is failing.
   */
  lookup(id: string, hint?: CgroupIdentity): ContainerMeta | undefined {
    this.counters.lookups++;
    const e = this.entries.get(id);
    if (e) {
      this.counters.hits++;
      if (!e.ready && !e.meta.complete && this.o.now() >= e.retryAt && !e.meta.endedAt) this.fetch(e, hint);
      // Undefined only while the very first lookup is in flight; later, what is known (maybe incomplete).
      return e.ready && e.retryAt === 0 && !e.meta.complete ? undefined : e.meta;
    }
    this.counters.misses++;
    this.fetch(this.insert(id, hint), hint);
    return undefined;
  }

  /**
   * Metadata, waiting for a lookup in flight at most holdMs. Never rejects: on timeout or failure
   * the result carries what is known with `complete: false`.
   */
  async resolve(id: string, hint?: CgroupIdentity): Promise<ContainerMeta> {
    this.counters.lookups++;
    let e = this.entries.get(id);
    if (e) this.counters.hits++;
    else {
      this.counters.misses++;
      e = this.insert(id, hint);
    }
    if (!e.ready && !e.meta.complete && !e.meta.endedAt && this.o.now() >= e.retryAt) this.fetch(e, hint);
    if (e.ready) {
      let timer: NodeJS.Timeout | undefined;
      const held = await Promise.race([
        e.ready.then(() => true),
        ...(e.early ? [e.early.then(() => true)] : []),
        new Promise<boolean>((r) => {
          timer = setTimeout(() => r(false), this.o.holdMs);
        }),
      ]);
      clearTimeout(timer);
      if (!held) this.counters.heldTimeouts++;
    }
    return e.meta;
  }

  /** Starts lookups for containers found already running (see scanRunningContainers). */
  prime(identities: Iterable<CgroupIdentity>): void {
    for (const id of identities) {
      if (!this.entries.has(id.id)) this.fetch(this.insert(id.id, id), id);
    }
  }

  /** Entries currently cached (for metrics). */
  get size(): number {
    return this.entries.size;
  }

  /** Drops ended entries past their grace period. Called by a timer; public for tests. */
  sweep(): void {
    const now = this.o.now();
    for (const [id, e] of this.entries) {
      if (e.meta.endedAt !== undefined && now - e.meta.endedAt >= this.o.graceMs) {
        this.entries.delete(id);
        this.counters.expired++;
      }
    }
  }

  onRuntimeEvent(ev: RuntimeEvent): void {
    if (ev.type === 'start') {
      this.counters.startEvents++;
      const e = this.entries.get(ev.id);
      if (e && !e.meta.endedAt && (e.meta.complete || e.ready)) return;
      if (e?.ready) return;
      // A restarted container has a new pid and maybe new mounts: start over, keeping the hint.
      this.entries.delete(ev.id);
      const fresh = this.insert(ev.id);
      if (e?.meta.runtimeHint) fresh.meta.runtimeHint = e.meta.runtimeHint;
      else {
        // The source that saw it start is made for its runtime: ask it (and its peers) first.
        const from = this.o.sources.find((s) => s.name === ev.source);
        if (from?.runtimes[0] !== undefined) fresh.meta.runtimeHint = from.runtimes[0];
      }
      if (e?.meta.pod && !e.meta.complete) fresh.meta.pod = e.meta.pod;
      this.fetch(fresh);
    } else {
      this.counters.dieEvents++;
      const e = this.entries.get(ev.id);
      if (e) e.meta.endedAt = this.o.now();
    }
  }

  private insert(id: string, hint?: CgroupIdentity): Entry {
    while (this.entries.size >= this.o.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
      this.counters.evictions++;
    }
    const meta: ContainerMeta = { id, sources: [], complete: false };
    if (hint) applyHint(meta, hint);
    const e: Entry = { meta, retryAt: 0 };
    this.entries.set(id, e);
    return e;
  }

  private fetch(e: Entry, hint?: CgroupIdentity): void {
    if (hint) applyHint(e.meta, hint);
    const sources = orderSources(this.o.sources, e.meta.runtimeHint);
    const results: Array<SourceResult | undefined> = new Array(sources.length);
    // The sources for this runtime come first: once they all answered (one at least with data),
    // the entry is complete and waiters go on; a slow or dead unrelated source (e.g. a Docker API
    // socket nobody serves) only fills gaps later.
    const rt = e.meta.runtimeHint;
    const own = rt === undefined ? 0 : sources.filter((s) => s.runtimes.includes(rt)).length;
    let markEarly!: () => void;
    e.early = new Promise<void>((r) => {
      markEarly = r;
    });
    let early = false;
    let partialTimer: NodeJS.Timeout | undefined;
    const goEarly = () => {
      if (early) return;
      early = true;
      if (partialTimer) clearTimeout(partialTimer);
      this.merge(e, results);
      markEarly();
    };
    const checkEarly = () => {
      if (own === 0 || early) return;
      let anyOk = false;
      let pending = false;
      for (let j = 0; j < own; j++) {
        const r = results[j];
        if (r === undefined) pending = true;
        else if (r.status === 'ok') anyOk = true;
      }
      if (!anyOk) return;
      if (!pending) goEarly();
      // One source for this runtime has answered and another is slow (a busy API service): go on
      // with what is there shortly; the slow one fills gaps when it answers.
      else if (this.o.partialWaitMs !== undefined) partialTimer ??= setTimeout(goEarly, this.o.partialWaitMs);
    };
    const settle = () => {
      this.merge(e, results);
      e.retryAt = this.o.now() + this.o.retryMs;
    };
    const one = async (s: MetadataSource, i: number) => {
      this.counters.sourceLookups++;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((r) => {
        // A source already known to be down gets a short wait: a dead socket must not hold every
        // new container's events for the full timeout (its late answer is still merged).
        const limit = this.down.has(s.name)
          ? Math.min(this.o.lookupTimeoutMs, DOWN_WAIT_MS)
          : this.o.lookupTimeoutMs;
        timer = setTimeout(() => r('timeout'), limit);
      });
      const call = s.inspect(e.meta.id).catch(
        (err: unknown): SourceResult => ({ status: 'error', error: String(err) }), // sources must not reject; be safe
      );
      const r = await Promise.race([call, timeout]);
      clearTimeout(timer);
      if (r === 'timeout') {
        this.counters.timeouts++;
        this.markDown(s, `${s.name} did not answer within ${this.o.lookupTimeoutMs} ms`);
        // A late answer still fills the entry.
        void call.then((late) => {
          results[i] = late;
          this.note(s, late);
          if (late.status === 'ok') this.merge(e, results);
        });
        return;
      }
      results[i] = r;
      this.note(s, r);
      if (i < own) checkEarly();
    };
    e.ready = Promise.all(sources.map(one)).then(() => {
      if (partialTimer) clearTimeout(partialTimer);
      early = true;
      settle();
      e.ready = undefined;
      markEarly();
    });
  }

  private note(s: MetadataSource, r: SourceResult): void {
    if (r.status === 'ok') {
      if (this.down.delete(s.name)) this.o.onWarning(`container metadata: ${s.name} answers again`);
    } else if (r.status === 'not-found') this.counters.notFound++;
    else {
      this.counters.sourceFailures++;
      if (r.unreachable) {
        this.counters.unreachable++;
        this.markDown(s, r.error);
      }
    }
  }

  private markDown(s: MetadataSource, why: string): void {
    if (this.down.has(s.name)) return;
    this.down.add(s.name);
    this.o.onWarning(`container metadata: ${s.name} unreachable (${why}); events keep flowing without it`);
  }

  /** Merges ok answers in source order: earlier sources win, later ones fill gaps. */
  private merge(e: Entry, results: Array<SourceResult | undefined>): void {
    const m = e.meta;
    for (const r of results) {
      if (r?.status !== 'ok') continue;
      for (const [k, v] of Object.entries(r.meta)) {
        if (v === undefined || k === 'sources' || k === 'id') continue;
        const cur = (m as unknown as Record<string, unknown>)[k];
        if (k === 'pod' && cur && typeof v === 'object') Object.assign(m, { pod: { ...v, ...cur } });
        else if (cur === undefined || (Array.isArray(cur) && cur.length === 0 && !m.complete))
          (m as unknown as Record<string, unknown>)[k] = v;
      }
      for (const s of r.meta.sources) if (!m.sources.includes(s)) m.sources.push(s);
      m.complete = true;
    }
  }
}

function applyHint(meta: ContainerMeta, hint: CgroupIdentity): void {
  meta.runtimeHint ??= hint.runtime;
  if (!meta.runtime && hint.runtime !== 'cri') meta.runtime = hint.runtime;
  if (hint.podUid && !meta.pod) meta.pod = { uid: hint.podUid };
}

function orderSources(
  sources: MetadataSource[],
  hint: CgroupIdentity['runtime'] | undefined,
): MetadataSource[] {
  if (!hint) return sources;
  return [
    ...sources.filter((s) => s.runtimes.includes(hint)),
    ...sources.filter((s) => !s.runtimes.includes(hint)),
  ];
}
