// The fast what-if replay over a store opened directly (`d4c policy test --store`). The verdict
// of the compiled evaluator depends only on the fields its selectors read (and on the section
// and operation), so DuckDB does the per-row work: it reads only those fields (projection
// pushdown: a policy without `targetFilePath` never reads file paths), drops detection alerts and
// an event's second copy (same `event.id`, ingest order), and groups identical records with
// their count and their first `_seq`s. JS then runs the compiled policy once per distinct record,
// weighted by its count, and reads the few sampled rows in full at the end. The per-event path
// (`EventSource.events()` into `Replay.add`) stays the reference: replay-store.test.ts checks
// that both give the same report, samples included.

import type { Policy, SelectorConditions } from '../policy/index.js';
import { FILE_OPERATIONS, SECTIONS } from '../policy/index.js';
import type { EventStore } from '../store/index.js';
import type { Replay } from './replay.js';
import {
  ALERT_STREAM,
  COLUMNS,
  type EventSource,
  JSON_FIELDS,
  jsonPath,
  PROJECTED_FROM,
  PROJECTION,
  quote,
  type StoredEvent,
  type Window,
  windowSql,
} from './source.js';

/** The stored fields each selector condition is computed from (see policy/from-ecs.ts). */
const CONDITION_FIELDS = {
  operation: [],
  containerImageFullName: ['container.image.name'],
  containerImageName: ['container.image.name'],
  containerImageTag: ['container.image.name', 'container.image.tag'],
  kubernetesClusterId: ['orchestrator.cluster.id'],
  kubernetesClusterName: ['orchestrator.cluster.name'],
  kubernetesNamespace: ['orchestrator.namespace'],
  kubernetesPodName: ['orchestrator.resource.name'],
  kubernetesPodLabel: ['orchestrator.resource.label'],
  targetFilePath: ['file.path'],
  ignoreVolumeMounts: ['cloud_defend.mount.type'],
  ignoreVolumeFiles: ['cloud_defend.mount.type'],
  processExecutable: ['process.executable'],
  processName: ['process.name'],
  sessionLeaderInteractive: ['process.session_leader.interactive'],
  processDrift: ['process.drift'],
  destinationAddress: ['destination.address', 'destination.ip'],
  destinationPort: ['destination.port'],
  transport: ['cloud_defend.network.family', 'network.transport'],
  dnsQuestionName: ['dns.question.name'],
} as const satisfies Record<keyof SelectorConditions, readonly string[]>;

/** What every event needs: its section and operation. */
const ALWAYS = [
  'event.category',
  'event.action',
  'event.type',
  'cloud_defend.operation',
  'file.mode',
  'file.type',
];

/** Fields read only to derive a file event's operation when it is not explicit. */
const DERIVATION_ONLY: ReadonlySet<string> = new Set(['file.mode', 'file.type']);
/** Fields policyEventFromEcs reads only for events of one section (from-ecs.ts). */
const SECTION_ONLY: Readonly<Record<string, 'file' | 'network'>> = {
  'cloud_defend.mount.type': 'file',
  'destination.address': 'network',
  'cloud_defend.network.family': 'network',
  'network.transport': 'network',
};
/** The row's section as from-ecs.ts `section()` derives it. */
const ROW_SECTION = `CASE WHEN list_contains("event.category", 'file') THEN 'file'
  WHEN list_contains("event.category", 'network') THEN 'network'
  WHEN list_contains("event.category", 'process') THEN 'process' END`;

/**
 * The rows whose `doc` must be read. Reading it (decompressing it) is most of a replay's cost,
 * so it is read only where the verdict can depend on it: alerts (is it a detection?), the rows of
 * a section whose selectors read a field that is only in `doc`, and file events whose operation is
 * not explicit (file.mode and file.type make create/modify Executable; an explicit one decides).
 */
function docNeed(json: readonly string[]): string {
  if (json.some((f) => !DERIVATION_ONLY.has(f) && SECTION_ONLY[f] === undefined)) return 'true';
  const file = json.some((f) => SECTION_ONLY[f] === 'file');
  const network = json.some((f) => SECTION_ONLY[f] === 'network');
  const ops = FILE_OPERATIONS.map((o) => `'${o}'`).join(', ');
  const fileNeed = file
    ? 'true'
    : json.some((f) => DERIVATION_ONLY.has(f))
      ? `"cloud_defend.operation" IS NULL OR "cloud_defend.operation" NOT IN (${ops})`
      : 'false';
  return `_alert OR (_sec = 'file' AND (${fileNeed})) OR (_sec = 'network' AND ${network})`;
}

/** The stored fields the policy's selectors can read. */
export function policyFields(policy: Policy): Set<string> {
  const out = new Set<string>(ALWAYS);
  for (const section of SECTIONS)
    for (const sel of policy[section]?.selectors ?? [])
      for (const [k, fields] of Object.entries(CONDITION_FIELDS))
        if (sel[k as keyof SelectorConditions] !== undefined) for (const f of fields) out.add(f);
  return out;
}

export interface Group {
  /** The record (dotted keys), only the fields asked for. */
  e: StoredEvent;
  /** Events with exactly this record. */
  n: number;
  /** The first `_seq`s of those events (ascending, at most the `first` asked for). */
  s: number[];
}

/** Distinct records of the window's events (each event once), with counts and first `_seq`s. */
export async function storeGroups(
  store: EventStore,
  w: Window,
  fields: ReadonlySet<string>,
  first: number,
): Promise<Group[]> {
  if (!Number.isSafeInteger(first) || first < 1)
    throw new RangeError(`first must be a positive integer, not ${first}`);
  const { conds, params } = windowSql(w);
  const cols = COLUMNS.filter((c) => fields.has(c));
  const json = JSON_FIELDS.filter((f) => fields.has(f));
  const paths = [...json, 'cloud_defend.detection'].map(jsonPath).join(', ');
  const det = json.length + 1;
  const need = docNeed(json);
  const colList = cols.map(quote).join(', ');
  const pairs = [
    ...cols.map((c) => `'${c}', ${quote(c)}`),
    ...json.map((f, i) => `'${f}', x[${i + 1}]`),
  ].join(', ');
  // Kept: what the reference keeps (source.ts dedupe): not a detection (an alerts-stream row
  // with a non-null cloud_defend.detection), and the first row of its event.id by ingest order.
  // Only ids seen more than once are joined back (a hash aggregate, cheaper than a window
  // function sorting every id).
  // `doc` is read only for the rows that need it (`_need`), fetched by `_seq`: none at all when no
  // row needs it (an empty build side ends the semi join before the scan of `doc`).
  const sql = `WITH base AS MATERIALIZED (
  SELECT _seq, _id, _alert, ${colList}, ${need} AS _need
  FROM (SELECT *, "event.id" AS _id, starts_with(_stream, '${ALERT_STREAM}') AS _alert, ${ROW_SECTION} AS _sec
        FROM events WHERE ${conds.join(' AND ')})),
xd AS (
  SELECT _seq, json_extract(doc, [${paths}]) AS x0 FROM events
  WHERE _seq IN (SELECT _seq FROM base WHERE _need)),
bx AS (
  SELECT base.*, xd.x0 FROM base LEFT JOIN xd USING (_seq)),
k0 AS MATERIALIZED (
  SELECT * FROM bx WHERE NOT (_alert AND coalesce(x0[${det}]::VARCHAR, 'null') <> 'null')),
dup AS (
  SELECT _id, min(_seq) AS _first FROM k0 WHERE _id IS NOT NULL GROUP BY _id HAVING count(*) > 1),
kept AS (
  SELECT k0.* FROM k0 ANTI JOIN dup ON k0._id = dup._id AND k0._seq <> dup._first),
grouped AS (
  SELECT ${colList}, x0[1:${json.length}] AS x, count(*) AS n, min(_seq, ${first}) AS s
  FROM kept GROUP BY ALL)
SELECT json_object('e', json_object(${pairs}), 'n', n, 's', s)::VARCHAR AS j FROM grouped`;
  const rows = await store.sql(sql, params);
  return rows.map((r) => JSON.parse(String(r.j)) as Group);
}

/** The rows at these `_seq`s as the reference path projects them (for samples). */
export async function storeRows(store: EventStore, seqs: number[]): Promise<Map<number, StoredEvent>> {
  const out = new Map<number, StoredEvent>();
  const all = [...new Set(seqs)].filter((s) => Number.isSafeInteger(s)).sort((a, b) => a - b);
  for (let i = 0; i < all.length; i += 5000) {
    const part = all.slice(i, i + 5000);
    const rows = await store.sql(
      `SELECT _seq::BIGINT AS q, ${PROJECTION} AS j FROM (${PROJECTED_FROM} WHERE _seq BETWEEN ${part[0]} AND ${part[part.length - 1]} AND _seq IN (${part.join(', ')}))`,
    );
    for (const r of rows) {
      const ev = JSON.parse(String(r.j)) as StoredEvent;
      delete ev._alert;
      out.set(Number(r.q), ev);
    }
  }
  return out;
}

/**
 * Replays the source's events into `replay`: grouped in DuckDB when the store is open here,
 * event by event through an agent's query socket.
 */
export async function replaySource(src: EventSource, replay: Replay, policy: Policy): Promise<void> {
  const store = src.store;
  if (!store) {
    for await (const ev of src.events()) replay.add(ev);
    return;
  }
  const groups = await storeGroups(
    store,
    src.window ?? {},
    policyFields(policy),
    Math.max(1, replay.samples),
  );
  for (const g of groups) replay.add(g.e, g.n, g.s);
  await replay.resolveSamples((seqs) => storeRows(store, seqs));
}
