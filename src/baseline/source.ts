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
import { EventStore } from '../output/store/index.js';
import { timeMicros } from '../output/store/query.js';
import { ecsField } from '../policy/evaluate.js';
import { querySocketPath } from '../query/index.js';
import { queryThroughAgent } from '../query/remote.js';
import { D4cError } from '../util/diagnostics.js';

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
  events(): AsyncGenerator<StoredEvent>;
  /** Duplicates skipped (an event's alert copy), detection alerts skipped. */
  stats(): { duplicates: number; detections: number };
  close(): Promise<void>;
}

/** Promoted columns read as they are (see src/output/store/schema.ts). */
const COLUMNS = [
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
] as const;

/** Fields only in `doc`, read by json_extract_string (strings; booleans and numbers as text). */
const JSON_FIELDS = [
  'cloud_defend.operation',
  'cloud_defend.mount.type',
  'cloud_defend.network.family',
  'cloud_defend.detection',
  'file.mode',
  'file.type',
  'destination.address',
  'network.transport',
  'process.drift',
  'process.interactive',
  'process.session_leader.interactive',
  'process.entry_leader.entry_meta.type',
  'container.image.tag',
  'container.security_context.privileged',
  'orchestrator.cluster.id',
  'orchestrator.cluster.name',
  'orchestrator.resource.label',
  'orchestrator.resource.parent.type',
  'process.thread.capabilities.effective',
  'process.thread.capabilities.permitted',
] as const;

/** Read back as booleans (json_extract_string gives `true`/`false`). */
const BOOLEAN_FIELDS = new Set([
  'process.drift',
  'process.interactive',
  'process.session_leader.interactive',
  'container.security_context.privileged',
]);
/** Read back as lists (JSON text). */
const LIST_FIELDS = new Set([
  'orchestrator.resource.label',
  'process.thread.capabilities.effective',
  'process.thread.capabilities.permitted',
]);

const EVENT_STREAMS = ['process', 'file', 'network'].map((s) => `logs-cloud_defend.${s}-`);
const ALERT_STREAM = 'logs-cloud_defend.alerts-';

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
const jsonPath = (f: string) => `'$.${f.replaceAll("'", "''")}'`;

/** Opens the store in `dir`, or its agent's query socket when an agent holds it. */
export async function openEvents(
  dir: string,
  w: Window,
  o: { pageSize?: number } = {},
): Promise<EventSource> {
  if (!existsSync(join(dir, 'events.duckdb')))
    throw new D4cError('D4C-BASE-001', `no event store in ${dir} (give --store DIR)`);
  let store: EventStore;
  try {
    store = await EventStore.open({ dir, retentionIntervalMs: 0 });
  } catch (e) {
    if (!(e instanceof D4cError) || e.code !== 'D4C-STORE-001') throw e;
    const sock = querySocketPath(dir);
    if (!existsSync(sock))
      throw new D4cError(
        'D4C-BASE-002',
        `the event store in ${dir} is in use by another process and no agent serves queries on ${sock} (${e.message})`,
      );
    return throughAgent(sock, w, o.pageSize ?? 100_000);
  }
  return direct(store, dir, w, o.pageSize ?? 50_000);
}

function dedupe() {
  const seen = new Set<string>();
  const s = { duplicates: 0, detections: 0 };
  /** False when the event was already given (its alert copy) or is a detection. */
  const keep = (ev: StoredEvent, alertStream: boolean): boolean => {
    if (alertStream && ecsField(ev, 'cloud_defend.detection') !== undefined) {
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

function direct(store: EventStore, dir: string, w: Window, pageSize: number): EventSource {
  const d = dedupe();
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
  const base = params.length;
  const select = [
    '_seq::VARCHAR AS "_seqtext"',
    `starts_with(_stream, '${ALERT_STREAM}') AS "_alert"`,
    'epoch_ms("@timestamp") AS "@timestamp"',
    ...COLUMNS.map((c) => quote(c)),
    `json_extract_string(doc, [${JSON_FIELDS.map(jsonPath).join(', ')}]) AS "_json"`,
  ].join(', ');
  async function* events(): AsyncGenerator<StoredEvent> {
    let after: string | undefined;
    for (;;) {
      params.length = base;
      const where = after === undefined ? conds : [...conds, `_seq > ${p(after)}::BIGINT`];
      const rows = await store.sql(
        `SELECT ${select} FROM events WHERE ${where.join(' AND ')} ORDER BY _seq LIMIT ${pageSize}`,
        params,
      );
      for (const r of rows) {
        const ev: StoredEvent = { '@timestamp': r['@timestamp'] };
        for (const c of COLUMNS) {
          const v = r[c];
          if (v !== null && v !== undefined) ev[c] = v;
        }
        const json = r._json as (string | null)[] | null;
        if (json)
          for (let i = 0; i < JSON_FIELDS.length; i++) {
            const v = json[i];
            if (v === null || v === undefined) continue;
            const f = JSON_FIELDS[i] as string;
            if (BOOLEAN_FIELDS.has(f)) {
              if (v === 'true' || v === 'false') ev[f] = v === 'true';
            } else if (LIST_FIELDS.has(f)) {
              ev[f] = parseList(v);
            } else ev[f] = v;
          }
        if (d.keep(ev, r._alert === true)) yield ev;
      }
      if (rows.length < pageSize) return;
      after = String((rows[rows.length - 1] as Record<string, unknown>)._seqtext);
    }
  }
  return { via: `store ${dir}`, direct: true, events, stats: d.stats, close: () => store.close() };
}

function parseList(text: string): string[] | string {
  try {
    const v: unknown = JSON.parse(text);
    if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  } catch {}
  return text;
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
          'D4C-BASE-003',
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
