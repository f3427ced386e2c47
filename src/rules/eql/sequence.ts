// Streaming sequence matcher with Elasticsearch's semantics: events arrive in @timestamp order;
// per join key and per stage only the most recent partial sequence is kept (a later event at
// stage 0 replaces an older start, as Elasticsearch's matcher keeps the latest candidate), so each
// key holds at most (stages - 1) partials. Keys are bounded (least-recently-used eviction, counted);
// partials older than maxspan expire. `until` drops a key's partials; missing-event stages (![…])
// cancel the partial waiting in their gap; a trailing missing stage holds the match until maxspan
// has passed without the event (or the stream ends: flush()).

export type Pred = (doc: unknown) => boolean;
export type KeyFn = (doc: unknown) => string | null;

export interface SeqStagePlan {
  pred: Pred;
  key: KeyFn;
}

export interface SequencePlan {
  /** Positive stages, `runs` already expanded. */
  stages: SeqStagePlan[];
  /** missing[g]: missing-event stages in gap g (0: before the first stage, n: after the last). */
  missing: SeqStagePlan[][];
  until: SeqStagePlan | null;
  maxspanMs: number | null;
}

export interface SequenceStats {
  keys: number;
  partials: number;
  started: number;
  completed: number;
  expired: number;
  evictedKeys: number;
  replaced: number;
  untilDropped: number;
  missingDropped: number;
  pending: number;
}

interface Partial {
  ids: unknown[];
  ts0: number;
}

interface KeyState {
  partials: (Partial | undefined)[];
  lastLeadingMissing?: number;
}

export interface SequenceOptions {
  maxKeys?: number;
}

export class SequenceMatcher {
  private readonly states = new Map<string, KeyState>();
  private pending: { key: string; ids: unknown[]; deadline: number }[] = [];
  private readonly n: number;
  private readonly maxKeys: number;
  private seen = 0;
  readonly stats: SequenceStats = {
    keys: 0,
    partials: 0,
    started: 0,
    completed: 0,
    expired: 0,
    evictedKeys: 0,
    replaced: 0,
    untilDropped: 0,
    missingDropped: 0,
    pending: 0,
  };

  constructor(
    private readonly plan: SequencePlan,
    opts: SequenceOptions = {},
  ) {
    this.n = plan.stages.length;
    this.maxKeys = opts.maxKeys ?? 100_000;
  }

  /** Feeds one event; returns the event-id lists of sequences completed by it. */
  push(doc: unknown, ts: number, id: unknown): unknown[][] {
    const out: unknown[][] = [];
    const { plan, n } = this;
    const span = plan.maxspanMs;
    if (span !== null && ++this.seen % 4096 === 0) this.sweep(ts);
    if (this.pending.length > 0) this.releasePending(ts, out);

    if (plan.until?.pred(doc)) {
      const k = plan.until.key(doc);
      if (k !== null && this.states.delete(k)) this.stats.untilDropped++;
    }
    for (let g = 0; g <= n; g++) {
      const ms = plan.missing[g]!;
      if (ms.length === 0) continue;
      for (const m of ms) {
        if (!m.pred(doc)) continue;
        const k = m.key(doc);
        if (k === null) continue;
        if (g === 0) this.state(k).lastLeadingMissing = ts;
        else if (g < n) {
          const st = this.states.get(k);
          if (st?.partials[g]) {
            st.partials[g] = undefined;
            this.stats.missingDropped++;
          }
        } else {
          const before = this.pending.length;
          this.pending = this.pending.filter((p) => p.key !== k || p.deadline < ts);
          this.stats.missingDropped += before - this.pending.length;
        }
      }
    }
    // Last stage first, so an event does not advance the partial it has just extended.
    // Stages repeated by `runs` share one plan: its predicate and key are computed once.
    let prev: SeqStagePlan | undefined;
    let k: string | null = null;
    for (let i = n - 1; i >= 0; i--) {
      const s = plan.stages[i]!;
      if (s !== prev) {
        prev = s;
        k = s.pred(doc) ? s.key(doc) : null;
      }
      if (k === null) continue;
      let p: Partial;
      if (i === 0) {
        const st0 = this.states.get(k);
        const lead = st0?.lastLeadingMissing;
        if (lead !== undefined && span !== null && ts - lead <= span) continue;
        p = { ids: [id], ts0: ts };
        this.stats.started++;
      } else {
        const st = this.states.get(k);
        const prev = st?.partials[i];
        if (!st || !prev) continue;
        st.partials[i] = undefined;
        if (span !== null && ts - prev.ts0 > span) {
          this.stats.expired++;
          continue;
        }
        p = { ids: [...prev.ids, id], ts0: prev.ts0 };
      }
      if (i + 1 === n) this.complete(k, p, out);
      else {
        const st = this.state(k);
        if (st.partials[i + 1]) this.stats.replaced++;
        st.partials[i + 1] = p;
      }
    }
    return out;
  }

  /** End of stream: sequences waiting on a trailing missing stage are released. */
  flush(): unknown[][] {
    const out = this.pending.map((p) => p.ids);
    this.stats.completed += out.length;
    this.pending = [];
    return out;
  }

  snapshot(): SequenceStats {
    let partials = 0;
    for (const st of this.states.values()) for (const p of st.partials) if (p) partials++;
    return { ...this.stats, keys: this.states.size, partials, pending: this.pending.length };
  }

  private complete(key: string, p: Partial, out: unknown[][]): void {
    const trailing = this.plan.missing[this.n]!;
    if (trailing.length > 0) {
      this.pending.push({ key, ids: p.ids, deadline: p.ts0 + (this.plan.maxspanMs ?? 0) });
      return;
    }
    this.stats.completed++;
    out.push(p.ids);
  }

  private releasePending(ts: number, out: unknown[][]): void {
    const keep: typeof this.pending = [];
    for (const p of this.pending) {
      if (ts > p.deadline) {
        out.push(p.ids);
        this.stats.completed++;
      } else keep.push(p);
    }
    this.pending = keep;
  }

  private state(k: string): KeyState {
    let st = this.states.get(k);
    if (st) {
      // Refresh recency for LRU eviction.
      this.states.delete(k);
      this.states.set(k, st);
      return st;
    }
    st = { partials: [] };
    this.states.set(k, st);
    if (this.states.size > this.maxKeys) {
      const oldest = this.states.keys().next().value as string;
      this.states.delete(oldest);
      this.stats.evictedKeys++;
    }
    return st;
  }

  private sweep(now: number): void {
    const span = this.plan.maxspanMs!;
    for (const [k, st] of this.states) {
      let live = false;
      for (let i = 0; i < st.partials.length; i++) {
        const p = st.partials[i];
        if (!p) continue;
        if (now - p.ts0 > span) {
          st.partials[i] = undefined;
          this.stats.expired++;
        } else live = true;
      }
      const lead = st.lastLeadingMissing;
      if (!live && (lead === undefined || now - lead > span)) this.states.delete(k);
    }
  }
}
