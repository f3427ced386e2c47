// Streaming detection: every document goes through every enabled rule, in arrival order.
// Event rules test each document; sequence rules keep bounded per-key state. Detections carry the
// rule's identity and the ids of the events behind them; a detection repeated within the dedup
// window (same rule, same event ids) is suppressed and counted. Nothing is dropped uncounted.
// With exception lists (exceptions.ts), an event an item of a rule's lists matches is not fed
// to that rule (counted per rule).
import { compileGetter } from './common/fields.js';
import {
  buildMatcher,
  type Mode,
  newSequenceMatcher,
  QueryError,
  SampleMatcher,
  type SampleStats,
  type SequenceMatcher,
  type SequenceStats,
} from './eql/index.js';
import { type ExceptionList, ruleExceptions } from './exceptions.js';
import { compileKql, interpretKql } from './kql/index.js';
import type { LoadedRule, RuleMeta } from './load.js';

export interface Detection {
  rule: RuleMeta;
  /** `event.id` of each event, in order (null where a document has none). */
  events: unknown[];
  /** @timestamp (ms) of the last event. */
  ts: number;
}

export interface EngineOptions {
  mode?: Mode;
  dedupWindowMs?: number;
  dedupMaxEntries?: number;
  maxKeysPerSequence?: number;
  includeDisabled?: boolean;
  /** Exception lists by list_id (loadExceptions): applied to the rules whose exceptions_list names them. */
  exceptions?: ReadonlyMap<string, ExceptionList>;
}

export interface RuleRuntimeStats {
  id: string;
  name: string;
  kind: 'event' | 'sequence' | 'sample';
  matches: number;
  /** Events kept away from the rule by its exception lists. */
  excepted: number;
  sequence?: SequenceStats;
  sample?: SampleStats;
}

export interface EngineStats {
  events: number;
  detections: number;
  suppressed: number;
  dedupEvicted: number;
  missingTimestamp: number;
  outOfOrder: number;
  /** Events kept away from some rule by exceptions (one per rule and event). */
  excepted: number;
  /** Exception lists rules name that were not loaded (only when lists were given). */
  missingExceptionLists: { id: string; name: string; listId: string }[];
  rules: RuleRuntimeStats[];
  skipped: { id: string; name: string; file: string; reason: string }[];
}

interface RunnerBase {
  meta: RuleMeta;
  matches: number;
  /** True for an event the rule's exception lists except; undefined when none apply. */
  except: ((d: unknown) => boolean) | undefined;
  excepted: number;
}

type Runner =
  | (RunnerBase & { kind: 'event'; test: (d: unknown) => boolean })
  | (RunnerBase & { kind: 'sequence'; seq: SequenceMatcher })
  | (RunnerBase & { kind: 'sample'; sample: SampleMatcher });

const getId = compileGetter('event.id');
const getTs = compileGetter('@timestamp');

export class RuleEngine {
  private readonly runners: Runner[] = [];
  private readonly seqRunners: Extract<Runner, { kind: 'sequence' }>[] = [];
  private readonly dedup = new Map<string, number>();
  private readonly dedupWindow: number;
  private readonly dedupMax: number;
  private lastTs = Number.NEGATIVE_INFINITY;
  private readonly s: Omit<EngineStats, 'rules'> = {
    events: 0,
    detections: 0,
    suppressed: 0,
    dedupEvicted: 0,
    missingTimestamp: 0,
    outOfOrder: 0,
    excepted: 0,
    missingExceptionLists: [],
    skipped: [],
  };

  constructor(rules: readonly LoadedRule[], opts: EngineOptions = {}) {
    const mode = opts.mode ?? 'compiled';
    this.dedupWindow = opts.dedupWindowMs ?? 60_000;
    this.dedupMax = opts.dedupMaxEntries ?? 100_000;
    for (const r of rules) {
      const skip = (reason: string): void => {
        this.s.skipped.push({ id: r.meta.id, name: r.meta.name, file: r.meta.file, reason });
      };
      if (r.status !== 'ok' || !r.parsed) {
        skip(r.reason ?? r.status);
        continue;
      }
      if (!r.meta.enabled && !opts.includeDisabled) {
        skip('disabled');
        continue;
      }
      if (r.parsed.language === 'esql') {
        skip('an ES|QL rule runs over the store on its interval (scheduled.ts), not per event');
        continue;
      }
      let except: RunnerBase['except'];
      if (opts.exceptions) {
        const ex = ruleExceptions(r.meta.exceptionsList, opts.exceptions);
        except = ex.excepted;
        for (const listId of ex.missing)
          this.s.missingExceptionLists.push({ id: r.meta.id, name: r.meta.name, listId });
      }
      const base = { meta: r.meta, matches: 0, except, excepted: 0 };
      if (r.parsed.language === 'kuery') {
        const ast = r.parsed.ast;
        const test = mode === 'compiled' ? compileKql(ast) : (d: unknown) => interpretKql(ast, d);
        this.runners.push({ kind: 'event', ...base, test });
        continue;
      }
      try {
        const m = buildMatcher(r.parsed.ast, mode);
        if (m.kind === 'event') this.runners.push({ kind: 'event', ...base, test: m.test });
        else if (m.kind === 'sample') {
          const sample = new SampleMatcher(
            m.plan,
            opts.maxKeysPerSequence === undefined ? {} : { maxKeys: opts.maxKeysPerSequence },
          );
          this.runners.push({ kind: 'sample', ...base, sample });
        } else {
          const runner = {
            kind: 'sequence' as const,
            ...base,
            seq: newSequenceMatcher(m.plan, opts.maxKeysPerSequence),
          };
          this.runners.push(runner);
          this.seqRunners.push(runner);
        }
      } catch (e) {
        if (e instanceof QueryError) skip(e.message);
        else throw e;
      }
    }
  }

  get ruleCount(): number {
    return this.runners.length;
  }

  /** Feeds one document; returns the detections it completes. */
  push(doc: unknown): Detection[] {
    const n = ++this.s.events;
    const id = getId(doc) ?? null;
    const ts = this.timestamp(doc);
    const dedupId = id === null ? `#${n}` : id;
    let out: Detection[] | undefined;
    const ref = { id, dedupId };
    for (const r of this.runners) {
      if (r.except?.(doc)) {
        r.excepted++;
        this.s.excepted++;
        continue;
      }
      if (r.kind === 'event') {
        if (!r.test(doc)) continue;
        r.matches++;
        out = this.emit(out, r.meta, [id], [dedupId], ts);
      } else if (r.kind === 'sample') {
        for (const ids of r.sample.push(doc, ref)) {
          r.matches++;
          out = this.emit(
            out,
            r.meta,
            ids.map((x) => (x as { id: unknown }).id),
            ids.map((x) => (x as { dedupId: unknown }).dedupId),
            ts,
          );
        }
      } else {
        const done = r.seq.push(doc, ts, ref);
        for (const ids of done) {
          r.matches++;
          out = this.emit(
            out,
            r.meta,
            ids.map((x) => (x as { id: unknown }).id),
            ids.map((x) => (x as { dedupId: unknown }).dedupId),
            ts,
          );
        }
      }
    }
    return out ?? [];
  }

  /** End of input: releases sequences that waited for a trailing missing-event window. */
  flush(): Detection[] {
    let out: Detection[] | undefined;
    for (const r of this.seqRunners) {
      for (const ids of r.seq.flush()) {
        r.matches++;
        out = this.emit(
          out,
          r.meta,
          ids.map((x) => (x as { id: unknown }).id),
          ids.map((x) => (x as { dedupId: unknown }).dedupId),
          this.lastTs,
        );
      }
    }
    return out ?? [];
  }

  stats(): EngineStats {
    return {
      ...this.s,
      skipped: [...this.s.skipped],
      missingExceptionLists: [...this.s.missingExceptionLists],
      rules: this.runners.map((r) => ({
        id: r.meta.id,
        name: r.meta.name,
        kind: r.kind,
        matches: r.matches,
        excepted: r.excepted,
        ...(r.kind === 'sequence' ? { sequence: r.seq.snapshot() } : {}),
        ...(r.kind === 'sample' ? { sample: r.sample.snapshot() } : {}),
      })),
    };
  }

  private timestamp(doc: unknown): number {
    const v = getTs(doc);
    let ts = typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : Number.NaN;
    if (Number.isNaN(ts)) {
      this.s.missingTimestamp++;
      ts = Number.isFinite(this.lastTs) ? this.lastTs : 0;
    }
    if (ts < this.lastTs) this.s.outOfOrder++;
    else this.lastTs = ts;
    return ts;
  }

  private emit(
    out: Detection[] | undefined,
    meta: RuleMeta,
    ids: unknown[],
    dedupIds: unknown[],
    ts: number,
  ): Detection[] | undefined {
    const key = `${meta.id}\u0000${JSON.stringify(dedupIds)}`;
    const prev = this.dedup.get(key);
    if (prev !== undefined && ts - prev <= this.dedupWindow) {
      this.s.suppressed++;
      return out;
    }
    this.dedup.delete(key);
    this.dedup.set(key, ts);
    if (this.dedup.size > this.dedupMax) this.pruneDedup(ts);
    this.s.detections++;
    const d: Detection = { rule: meta, events: ids, ts };
    if (out) out.push(d);
    else out = [d];
    return out;
  }

  private pruneDedup(now: number): void {
    for (const [k, t] of this.dedup) if (now - t > this.dedupWindow) this.dedup.delete(k);
    while (this.dedup.size > this.dedupMax) {
      this.dedup.delete(this.dedup.keys().next().value as string);
      this.s.dedupEvicted++;
    }
  }
}
