// What-if replay: the stored events of a window through a policy, with the agent's own compiled
// evaluator (compilePolicy().decide over policyEventFromEcs, as `policy test --events` does),
// counted per action, per response and per selector, with a few samples each. It also says what
// history cannot answer: the store holds only what the running policy logged, so an operation
// the replayed policy acts on that has no stored event in the window is "not judged", not
// "never happens".
import {
  type Action,
  type CompiledPolicy,
  compilePolicy,
  type Decision,
  ecsField,
  firingResponses,
  type Operation,
  type Policy,
  policyEventFromEcs,
  type Response,
  SECTIONS,
  type Section,
  selectorOperations,
} from '../policy/index.js';
import type { StoredEvent } from './source.js';
import { type GroupBy, workloadOf } from './workload.js';

export interface Sample {
  time: string;
  workload: string;
  process?: string;
  path?: string;
  destination?: string;
}

export interface ResponseCount {
  section: Section;
  index: number;
  match: string[];
  exclude: string[];
  actions: Action[];
  events: number;
  samples: Sample[];
}

export interface SelectorCount {
  section: Section;
  name: string;
  events: number;
  samples: Sample[];
}

export interface NotJudged {
  section: Section;
  operation: Operation;
  /** Responses (section.responses[i]) with alert or block that cover the operation. */
  responses: string[];
  reason: string;
}

export interface ReplayReport {
  via: string;
  window: { since?: string; until?: string };
  totals: { events: number; log: number; alert: number; block: number };
  /** Stored documents that are not process, file or network events (e.g. `end` of a process). */
  skipped: number;
  /** Events per section and operation in the window: what the store can answer for. */
  stored: Record<string, number>;
  responses: ResponseCount[];
  selectors: SelectorCount[];
  notJudged: NotJudged[];
}

const iso = (v: unknown): string => {
  const ms = typeof v === 'number' ? v : Date.parse(String(v));
  return Number.isFinite(ms) ? new Date(ms).toISOString() : String(v);
};

const text = (ev: unknown, f: string): string | undefined => {
  const v = ecsField(ev, f);
  const x = Array.isArray(v) && v.length === 1 ? v[0] : v;
  return typeof x === 'string' || typeof x === 'number' ? String(x) : undefined;
};

export function sampleOf(ev: StoredEvent, section: Section, by: GroupBy = 'workload'): Sample {
  const s: Sample = {
    time: iso(ecsField(ev, '@timestamp')),
    workload: workloadOf(ev, by)?.label ?? 'host',
  };
  const proc = text(ev, 'process.executable') ?? text(ev, 'process.name');
  if (proc !== undefined) s.process = proc;
  if (section === 'file') {
    const p = text(ev, 'file.path');
    if (p !== undefined) s.path = p;
  } else if (section === 'network') {
    const a = text(ev, 'destination.address') ?? text(ev, 'destination.ip');
    const port = text(ev, 'destination.port');
    if (a !== undefined) s.destination = port !== undefined ? `${a}:${port}` : a;
  }
  return s;
}

/** Counts a replay as events come; `report()` at the end. */
export class Replay {
  private readonly compiled: CompiledPolicy;
  private readonly responses: ResponseCount[] = [];
  private readonly responseAt = new Map<Response, ResponseCount>();
  private readonly selectors = new Map<string, SelectorCount>();
  // Decisions are frozen and shared between events with the same outcome: their firing
  // responses are computed once per distinct decision, not per event.
  private readonly firing = new Map<Decision, ResponseCount[]>();
  private readonly stored = new Map<string, number>();
  private readonly totals = { events: 0, log: 0, alert: 0, block: 0 };
  private skipped = 0;
  // Samples of weighted records (a group of events): the first `_seq`s per sample list, read
  // in full by resolveSamples().
  private readonly deferred = new Map<Sample[], { section: Section; seqs: number[] }>();

  constructor(
    private readonly policy: Policy,
    readonly samples = 3,
  ) {
    this.compiled = compilePolicy(policy);
    for (const section of SECTIONS) {
      const s = policy[section];
      if (!s) continue;
      for (const sel of s.selectors)
        this.selectors.set(`${section}.${sel.name}`, { section, name: sel.name, events: 0, samples: [] });
      for (const r of s.responses) {
        const c: ResponseCount = {
          section,
          index: r.index,
          match: r.match,
          exclude: r.exclude,
          actions: r.actions,
          events: 0,
          samples: [],
        };
        this.responses.push(c);
        this.responseAt.set(r, c);
      }
    }
  }

  /**
   * One event, or `n` events with this same record whose first `_seq`s are `seqs` (their
   * samples are read later by resolveSamples()).
   */
  add(ev: StoredEvent, n = 1, seqs?: number[]): void {
    const conv = policyEventFromEcs(ev);
    if (!conv.event) {
      this.skipped += n;
      return;
    }
    const pe = conv.event;
    const key = `${pe.section}.${pe.operation}`;
    this.stored.set(key, (this.stored.get(key) ?? 0) + n);
    this.totals.events += n;
    const d = this.compiled.decide(pe);
    if (d.actions.length === 0 && d.matchedSelectors.length === 0) return;
    for (const a of d.actions) this.totals[a] += n;
    let sample: Sample | undefined;
    const take = (into: Sample[]) => {
      if (seqs !== undefined) return this.defer(into, pe.section, seqs);
      if (into.length >= this.samples) return;
      sample ??= sampleOf(ev, pe.section);
      into.push(sample);
    };
    for (const name of d.matchedSelectors) {
      const c = this.selectors.get(`${pe.section}.${name}`);
      if (!c) continue;
      c.events += n;
      take(c.samples);
    }
    let fired = this.firing.get(d);
    if (fired === undefined) {
      const s = this.policy[pe.section];
      fired = s
        ? firingResponses(s, d.matchedSelectors).map((r) => this.responseAt.get(r) as ResponseCount)
        : [];
      this.firing.set(d, fired);
    }
    for (const c of fired) {
      c.events += n;
      take(c.samples);
    }
  }

  private defer(into: Sample[], section: Section, seqs: number[]): void {
    if (this.samples === 0) return;
    let e = this.deferred.get(into);
    if (!e) {
      e = { section, seqs: [] };
      this.deferred.set(into, e);
    }
    e.seqs = [...e.seqs, ...seqs].sort((a, b) => a - b).slice(0, this.samples);
  }

  /** Fills the samples of weighted records from the rows at their `_seq`s (in ingest order). */
  async resolveSamples(rows: (seqs: number[]) => Promise<Map<number, StoredEvent>>): Promise<void> {
    const all = [...this.deferred.values()].flatMap((e) => e.seqs);
    if (all.length === 0) return;
    const got = await rows(all);
    const made = new Map<number, Sample>();
    for (const [into, e] of this.deferred) {
      for (const q of e.seqs) {
        const ev = got.get(q);
        if (!ev) continue; // gone since (retention): no sample, the counts stand
        let s = made.get(q);
        if (!s) {
          s = sampleOf(ev, e.section);
          made.set(q, s);
        }
        into.push(s);
      }
    }
    this.deferred.clear();
  }

  report(via: string, window: { from?: number; to?: number }): ReplayReport {
    const stored: Record<string, number> = {};
    for (const [k, n] of [...this.stored].sort()) stored[k] = n;
    return {
      via,
      window: {
        ...(window.from !== undefined ? { since: iso(window.from) } : {}),
        ...(window.to !== undefined ? { until: iso(window.to) } : {}),
      },
      totals: { ...this.totals },
      skipped: this.skipped,
      stored,
      responses: this.responses,
      selectors: [...this.selectors.values()],
      notJudged: this.notJudged(),
    };
  }

  /** Operations an alerting or blocking response covers for which the window holds no event. */
  private notJudged(): NotJudged[] {
    const out: NotJudged[] = [];
    for (const section of SECTIONS) {
      const s = this.policy[section];
      if (!s) continue;
      const byName = new Map(s.selectors.map((x) => [x.name, x]));
      const ops = new Map<Operation, string[]>();
      for (const r of s.responses) {
        if (!r.actions.includes('alert') && !r.actions.includes('block')) continue;
        for (const m of r.match) {
          const sel = byName.get(m);
          if (!sel) continue;
          for (const op of selectorOperations(sel)) {
            const list = ops.get(op) ?? [];
            const label = `${section}.responses[${r.index}]`;
            if (!list.includes(label)) list.push(label);
            ops.set(op, list);
          }
        }
      }
      for (const [op, responses] of ops)
        if (!this.stored.has(`${section}.${op}`))
          out.push({
            section,
            operation: op,
            responses,
            reason: `the store has no ${section} ${op} event in this window: the policy that ran did not log them (run \`d4c agent --learn\` to record every one), so 0 here means unknown, not none`,
          });
    }
    return out;
  }
}
