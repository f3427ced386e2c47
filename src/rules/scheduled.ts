// ES|QL rules are not per-event: as in Kibana, each runs on its `interval` (default 5m) over the
// window its `from` gives (`now-6m` by default: one minute of overlap, so late events are not
// missed), here over the embedded store. Every result row is a detection. A row that names an
// event (`event.id`, or `_id` with METADATA) is reported once across overlapping runs; an
// aggregation's rows are new results at every run, as in Kibana.

import type { Detection } from './engine.js';
import type { Pipeline } from './esql/ast.js';
import type { LoadedRule, RuleMeta } from './load.js';

/** Runs a parsed pipeline over [from, to) (epoch ms) with NOW() = now; the agent's store does it. */
export type EsqlRunner = (
  p: Pipeline,
  range: { from: number; to: number },
  now: Date,
) => Promise<{ rows: Record<string, unknown>[] }>;

export interface ScheduledDetection extends Detection {
  /** The result row as ES|QL returned it (dotted column names). */
  row: Record<string, unknown>;
  /** The row as a nested document (`process.name` → `{process: {name}}`), for the alert. */
  doc: Record<string, unknown>;
}

export interface ScheduledRuleStats {
  id: string;
  name: string;
  intervalMs: number;
  lookbackMs: number;
  runs: number;
  rows: number;
  detections: number;
  errors: number;
  lastError?: string;
}

const UNIT: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `5m`, `30s`, `1h`, `2d` in ms; undefined when it is none of these. */
export function durationMs(text: string): number | undefined {
  const m = /^(\d+)([smhd])$/.exec(text.trim());
  return m ? Number(m[1]) * (UNIT[m[2] as string] as number) : undefined;
}

/** Kibana's `from` (`now-6m`) as a lookback in ms; undefined when it is not of that form. */
export function lookbackMs(from: string): number | undefined {
  const m = /^now-(\d+[smhd])$/.exec(from.trim());
  return m ? durationMs(m[1] as string) : undefined;
}

const DEFAULT_INTERVAL = 5 * 60_000;
const DEFAULT_LOOKBACK = 6 * 60_000;

interface Slot {
  meta: RuleMeta;
  p: Pipeline;
  intervalMs: number;
  lookbackMs: number;
  next: number;
  s: ScheduledRuleStats;
}

/** Nested document from dotted column names (a later, deeper key does not clobber a value). */
export function unflatten(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (v === null || v === undefined) continue;
    const parts = k.split('.');
    let o = out;
    let ok = true;
    for (let i = 0; i < parts.length - 1; i++) {
      const p = parts[i] as string;
      const cur = o[p];
      if (cur === undefined) o = o[p] = {} as Record<string, unknown>;
      else if (cur !== null && typeof cur === 'object' && !Array.isArray(cur))
        o = cur as Record<string, unknown>;
      else {
        ok = false;
        break;
      }
    }
    if (ok) o[parts[parts.length - 1] as string] = v;
    else out[k] = v; // a scalar already holds the prefix: keep the dotted key
  }
  return out;
}

export class ScheduledEsql {
  private readonly slots: Slot[] = [];
  /** Reported event rows: key → when the key can be forgotten (the end of its lookback). */
  private readonly seen = new Map<string, number>();
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private suppressed = 0;

  constructor(
    rules: readonly LoadedRule[],
    private readonly run: EsqlRunner,
    opts: { includeDisabled?: boolean; now?: number; warn?: (m: string) => void } = {},
  ) {
    const now = opts.now ?? Date.now();
    for (const r of rules) {
      if (r.status !== 'ok' || r.parsed?.language !== 'esql') continue;
      if (!r.meta.enabled && !opts.includeDisabled) continue;
      const intervalMs = r.meta.interval === undefined ? DEFAULT_INTERVAL : durationMs(r.meta.interval);
      const lb = r.meta.from === undefined ? DEFAULT_LOOKBACK : lookbackMs(r.meta.from);
      if (intervalMs === undefined || lb === undefined || intervalMs === 0 || lb === 0) {
        opts.warn?.(
          `${r.meta.file}: rule '${r.meta.name}': interval ${JSON.stringify(r.meta.interval)} / from ${JSON.stringify(r.meta.from)} not understood (want e.g. "5m" and "now-6m"); using 5m / now-6m`,
        );
      }
      const iv = intervalMs || DEFAULT_INTERVAL;
      const look = lb || DEFAULT_LOOKBACK;
      this.slots.push({
        meta: r.meta,
        p: r.parsed.ast,
        intervalMs: iv,
        lookbackMs: look,
        next: now, // first run at once: the window already holds events
        s: {
          id: r.meta.id,
          name: r.meta.name,
          intervalMs: iv,
          lookbackMs: look,
          runs: 0,
          rows: 0,
          detections: 0,
          errors: 0,
        },
      });
    }
  }

  get size(): number {
    return this.slots.length;
  }

  /** Runs the rules that are due at `now`, one after another; their detections. */
  async tick(now = Date.now()): Promise<ScheduledDetection[]> {
    const out: ScheduledDetection[] = [];
    for (const [k, until] of this.seen) if (until <= now) this.seen.delete(k);
    for (const slot of this.slots) {
      if (slot.next > now) continue;
      // Runs missed while the agent was busy are not replayed: one run covers the lookback.
      slot.next = now + slot.intervalMs;
      slot.s.runs++;
      let rows: Record<string, unknown>[];
      try {
        rows = (await this.run(slot.p, { from: now - slot.lookbackMs, to: now }, new Date(now))).rows;
      } catch (e) {
        slot.s.errors++;
        slot.s.lastError = e instanceof Error ? e.message : String(e);
        continue;
      }
      slot.s.rows += rows.length;
      for (const row of rows) {
        const id = row['event.id'] ?? row._id;
        if (id !== undefined && id !== null) {
          const key = `${slot.meta.id}\u0000${String(id)}`;
          if (this.seen.has(key)) {
            this.suppressed++;
            continue;
          }
          this.seen.set(key, now + slot.lookbackMs);
        }
        const doc = unflatten(row);
        const t = row['@timestamp'];
        const ts = typeof t === 'number' ? t : typeof t === 'string' ? Date.parse(t) : Number.NaN;
        if (!Number.isFinite(ts)) doc['@timestamp'] = new Date(now).toISOString();
        slot.s.detections++;
        out.push({
          rule: slot.meta,
          events: id === undefined || id === null ? [] : [id],
          ts: Number.isFinite(ts) ? ts : now,
          row,
          doc,
        });
      }
    }
    return out;
  }

  /** Checks every `checkMs` for due rules; one tick at a time (a slow query delays the next). */
  start(emit: (ds: ScheduledDetection[]) => void, checkMs = 1000): void {
    if (this.timer !== undefined || this.slots.length === 0) return;
    const go = () => {
      if (this.running) return;
      this.running = this.tick()
        .then(emit, () => {})
        .finally(() => {
          this.running = undefined;
        });
    };
    go();
    this.timer = setInterval(go, checkMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a run in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  stats(): { rules: ScheduledRuleStats[]; suppressed: number } {
    return { rules: this.slots.map((s) => ({ ...s.s })), suppressed: this.suppressed };
  }
}
