// Stored events for replay, learning and posture: the process, file and network events of a time
// window, each once, in ingest order. Two ways in:
//   - the store opened directly: one SQL projection of exactly the fields the policy evaluator,
//     the workload key and the reports read (promoted columns, the rest by json_extract_string
//     on `doc` in DuckDB), as flat objects with dotted keys; no document is parsed in JS, which
//     is what makes a 1M-event replay take seconds (bench/replay.bench.ts);
//   - through the query socket of the agent that holds the store (DuckDB: one process per file):
//     a KQL query for the three categories, paged by time; whole documents.
// Both give objects that ecsField()/policyEventFromEcs() read alike (dotted keys or nested).
// An event the agent both logged and alerted on is stored twice (its stream and the alerts
// stream, same event.id): the second copy is skipped. Detection alerts are not events.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ecsField } from '../policy/index.js';
import { querySocketPath, queryThroughAgent } from '../query/index.js';
import { EventStore, STORE_CODES, timeMicros } from '../store/index.js';
import { D4cError } from '../util/index.js';
import { BASELINE_CODES } from './codes.js';

export interface Window {
  /** Epoch ms, inclusive. */
  from?: number;
  /** Epoch ms, exclusive. */
  to?: number;
}

/** A stored event: a document, or the projection of one with dotted keys. */
export type StoredEvent = Record<string, unknown>;

export interface EventSource {
  /** `store DIR` or `the agent's query socket DIR/query.sock`. */
  readonly via: string;
  readonly direct: boolean;
  /** The store itself when opened directly (the grouped replay reads it: replay-store.ts). */
  readonly store?: EventStore;
  readonly window?: Window;
  events(): AsyncGenerator<StoredEvent>;
  /** Duplicates skipped (an event's alert copy), detection alerts skipped. */
  stats(): { duplicates: number; detections: number };
  close(): Promise<void>;
}

/** Promoted columns read as they are (see src/store/schema.ts). */
export const COLUMNS = [
  'event.id',
  'event.kind',
  'event.category',
  'event.action',
  'event.type',
  'process.name',
  'process.executable',
  'process.user.id',
  'file.path',
  'container.id',
  'container.image.name',
  'orchestrator.namespace',
  'orchestrator.resource.name',
  'destination.ip',
  'destination.port',
  // Promoted later (backfilled in older stores): read as columns, not parsed out of `doc`.
  'cloud_defend.operation',
  'process.drift',
  'container.security_context.privileged',
  'orchestrator.cluster.name',
  'process.thread.capabilities.effective',
] as const;

/** Fields only in `doc`, read by json_extract (their JSON types kept). */
export const JSON_FIELDS = [
  'cloud_defend.mount.type',
  'cloud_defend.network.family',
  'cloud_defend.detection',
  'file.mode',
  'file.type',
  'destination.address',
  'network.transport',
  'process.interactive',
  'process.session_leader.interactive',
  'process.entry_leader.entry_meta.type',
  'container.image.tag',
  'orchestrator.cluster.id',
  'orchestrator.resource.label',
  'orchestrator.resource.parent.type',
  'process.thread.capabilities.permitted',
] as const;

const EVENT_STREAMS = ['process', 'file', 'network'].map((s) => `logs-cloud_defend.${s}-`);
export const ALERT_STREAM = 'logs-cloud_defend.alerts-';

export const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
export const jsonPath = (f: string) => `'$.${f.replaceAll("'", "''")}'`;

/** Opens the store in `dir`, or its agent's query socket when an agent holds it. */
export async function openEvents(
  dir: string,
  w: Window,
  o: { pageSize?: number } = {},
): Promise<EventSource> {
  if (!existsSync(join(dir, 'events.duckdb')))
    throw new D4cError(BASELINE_CODES.noStore.code, `no event store in ${dir} (give --store DIR)`);
  let store: EventStore;
  try {
    store = await EventStore.open({ dir, retentionIntervalMs: 0 });
  } catch (e) {
    if (!(e instanceof D4cError) || e.code !== STORE_CODES.cannotOpen.code) throw e;
    const sock = querySocketPath(dir);
    if (!existsSync(sock))
      throw new D4cError(
        BASELINE_CODES.storeBusy.code,
        `the event store in ${dir} is in use by another process and no agent serves queries on ${sock} (${e.message})`,
      );
    return throughAgent(sock, w, o.pageSize ?? 20_000);
  }
  return direct(store, dir, w, o.pageSize ?? 50_000);
}

function dedupe() {
  const seen = new Set<string>();
  const s = { duplicates: 0, detections: 0 };
  /** False when the event was already given (its alert copy) or is a detection. */
  const keep = (ev: StoredEvent, alertStream: boolean): boolean => {
    if (alertStream && ecsField(ev, 'cloud_defend.detection') != null) {
      s.detections++;
      return false;
    }
    const id = ecsField(ev, 'event.id');
    if (typeof id !== 'string') return true;
    if (seen.has(id)) {
      s.duplicates++;
      return false;
    }
    seen.add(id);
    return true;
  };
  return { keep, stats: () => ({ ...s }) };
}

/** The window and stream conditions of every direct read, with their bound values. */
export function windowSql(w: Window): { conds: string[]; params: (string | number | bigint)[] } {
  const params: (string | number | bigint)[] = [];
  const p = (v: string | number | bigint) => {
    params.push(v);
    return `$${params.length}`;
  };
  const conds = [
    `(${[...EVENT_STREAMS, ALERT_STREAM].map((s) => `starts_with(_stream, ${p(s)})`).join(' OR ')})`,
  ];
  if (w.from !== undefined)
    conds.push(`"@timestamp" >= make_timestamp(${p(timeMicros(w.from, 'since'))}::BIGINT)`);
  if (w.to !== undefined)
    conds.push(`"@timestamp" < make_timestamp(${p(timeMicros(w.to, 'until'))}::BIGINT)`);
  return { conds, params };
}

/**
 * The projection of a stored row as one JSON object text (`@timestamp` in epoch ms, `_alert`
 * for the alerts stream) over a subquery that has the columns and `x`, the JSON fields.
 */
export const PROJECTION = `json_object(${[
  `'@timestamp', epoch_ms("@timestamp")`,
  `'_alert', starts_with(_stream, '${ALERT_STREAM}')`,
  ...COLUMNS.map((c) => `'${c}', ${quote(c)}`),
  ...JSON_FIELDS.map((f, i) => `'${f}', x[${i + 1}]`),
].join(', ')})::VARCHAR`;
export const PROJECTED_FROM = `SELECT _seq, _stream, "@timestamp", ${COLUMNS.map(quote).join(', ')}, json_extract(doc, [${JSON_FIELDS.map(jsonPath).join(', ')}]) AS x FROM events`;

function direct(store: EventStore, dir: string, w: Window, pageSize: number): EventSource {
  return { ...storeEvents(store, `store ${dir}`, w, pageSize), store, close: () => store.close() };
}

/**
 * The events of a store this process already holds open (the agent's, the console's): the same
 * reads as a store opened by `openEvents`; closing the source leaves the store open.
 */
export function storeEvents(
  store: Pick<EventStore, 'sql'>,
  via: string,
  w: Window,
  pageSize = 50_000,
): EventSource {
  const d = dedupe();
  const { conds, params } = windowSql(w);
  const p = (v: string | number | bigint) => {
    params.push(v);
    return `$${params.length}`;
  };
  const base = params.length;
  // One JSON text per row, built by DuckDB: one string to hand to JS instead of ~35 values
  // (converting each list and value on its own was most of the cost), parsed once here. Fields
  // from `doc` keep their JSON types (booleans, lists).
  const select = `${PROJECTION} AS j`;
  const inner = PROJECTED_FROM;
  async function* events(): AsyncGenerator<StoredEvent> {
    // Pages are ranges of `_seq` (ingest order), not ORDER BY … LIMIT: each page then reads and
    // extracts only its own rows (zone maps skip the rest), where a LIMIT page would have DuckDB
    // project every remaining row of the window before keeping the first ones.
    params.length = base;
    const span = await store.sql(
      `SELECT min(_seq)::VARCHAR AS lo, max(_seq)::VARCHAR AS hi FROM events WHERE ${conds.join(' AND ')}`,
      params,
    );
    const lo0 = span[0]?.lo;
    const hi0 = span[0]?.hi;
    if (lo0 === null || lo0 === undefined || hi0 === null || hi0 === undefined) return;
    const hi = BigInt(String(hi0));
    for (let lo = BigInt(String(lo0)); lo <= hi; lo += BigInt(pageSize)) {
      params.length = base;
      const where = [...conds, `_seq BETWEEN ${p(lo)}::BIGINT AND ${p(lo + BigInt(pageSize) - 1n)}::BIGINT`];
      const rows = await store.sql(
        `SELECT ${select} FROM (${inner} WHERE ${where.join(' AND ')}) ORDER BY _seq`,
        params,
      );
      for (const r of rows) {
        const ev = JSON.parse(String(r.j)) as StoredEvent;
        const alert = ev._alert === true;
        delete ev._alert;
        if (d.keep(ev, alert)) yield ev;
      }
    }
  }
  return { via, direct: true, window: w, events, stats: d.stats, close: async () => {} };
}

const KQL = 'event.category:(process or file or network)';

function throughAgent(sock: string, w: Window, pageSize: number): EventSource {
  const d = dedupe();
  async function* events(): AsyncGenerator<StoredEvent> {
    let from = w.from;
    for (;;) {
      const page: StoredEvent[] = [];
      await queryThroughAgent(
        sock,
        {
          lang: 'kql',
          text: KQL,
          limit: pageSize,
          ...(from !== undefined ? { from } : {}),
          ...(w.to !== undefined ? { to: w.to } : {}),
        },
        {
          emit: (x) => page.push(x as StoredEvent),
          emitLine: (l) => page.push(JSON.parse(l) as StoredEvent),
          warn: () => {},
        },
      );
      let fresh = 0;
      let last: number | undefined;
      for (const ev of page) {
        const ts = Date.parse(String(ecsField(ev, '@timestamp')));
        if (Number.isFinite(ts)) last = ts;
        const stream = ecsField(ev, 'event.kind') === 'alert';
        if (!d.keep(ev, stream)) continue;
        fresh++;
        yield ev;
      }
      if (page.length < pageSize) return;
      // The next page starts at the last one's time: the events at that instant come again and
      // are skipped by event.id. A page of one instant only would never advance: that is an error.
      if (fresh === 0 || last === undefined)
        throw new D4cError(
          BASELINE_CODES.samePage.code,
          `more than ${pageSize} stored events share one timestamp; cannot page through the agent`,
        );
      from = last;
    }
  }
  return {
    via: `the agent's query socket ${sock}`,
    direct: false,
    events,
    stats: d.stats,
    close: async () => {},
  };
}
