// The events table: commonly queried ECS fields promoted to typed columns named by their ECS
// dotted name, plus the whole document as JSON. Extraction of the promoted values is compiled
// once per column (a getter walking the nested object), never parsed per event.
import type { EcsDoc } from '../index.js';

/** How a promoted column is typed and appended. */
export type ColumnKind = 'str' | 'int' | 'bool' | 'strlist';

export interface PromotedField {
  /** ECS dotted name; also the column name (quoted). */
  name: string;
  kind: ColumnKind;
}

/**
 * Promoted ECS fields. Chosen from what Elastic's D4C rules, Session View and the Kubernetes
 * dashboard filter and group on. `@timestamp` is handled separately (TIMESTAMP, never null).
 * Appending a name here is safe: `open()` adds missing columns to an existing store and fills
 * them from each row's `doc` (backfillSql).
 */
export const PROMOTED: readonly PromotedField[] = [
  { name: 'event.id', kind: 'str' },
  { name: 'event.kind', kind: 'str' },
  { name: 'event.category', kind: 'strlist' },
  { name: 'event.action', kind: 'str' },
  { name: 'event.type', kind: 'strlist' },
  { name: 'process.entity_id', kind: 'str' },
  { name: 'process.parent.entity_id', kind: 'str' },
  { name: 'process.session_leader.entity_id', kind: 'str' },
  { name: 'process.entry_leader.entity_id', kind: 'str' },
  { name: 'process.group_leader.entity_id', kind: 'str' },
  { name: 'process.pid', kind: 'int' },
  { name: 'process.name', kind: 'str' },
  { name: 'process.executable', kind: 'str' },
  { name: 'process.args', kind: 'strlist' },
  { name: 'process.interactive', kind: 'bool' },
  { name: 'process.user.id', kind: 'str' },
  { name: 'process.parent.name', kind: 'str' },
  { name: 'process.parent.executable', kind: 'str' },
  { name: 'file.path', kind: 'str' },
  { name: 'file.name', kind: 'str' },
  { name: 'file.extension', kind: 'str' },
  { name: 'container.id', kind: 'str' },
  { name: 'container.name', kind: 'str' },
  { name: 'container.image.name', kind: 'str' },
  { name: 'orchestrator.namespace', kind: 'str' },
  { name: 'orchestrator.resource.name', kind: 'str' },
  { name: 'host.name', kind: 'str' },
  { name: 'source.ip', kind: 'str' },
  { name: 'source.port', kind: 'int' },
  { name: 'destination.ip', kind: 'str' },
  { name: 'destination.port', kind: 'int' },
  // Added later (backfilled from `doc` when an older store is opened): what the console's
  // Kubernetes and Alerts views group on and the what-if replay reads for every event.
  { name: 'orchestrator.cluster.name', kind: 'str' },
  { name: 'container.security_context.privileged', kind: 'bool' },
  { name: 'process.drift', kind: 'bool' },
  { name: 'process.thread.capabilities.effective', kind: 'strlist' },
  { name: 'rule.name', kind: 'str' },
  { name: 'rule.severity', kind: 'str' },
  { name: 'cloud_defend.matched_selectors', kind: 'strlist' },
  { name: 'cloud_defend.operation', kind: 'str' },
];

export const PROMOTED_BY_NAME: ReadonlyMap<string, PromotedField> = new Map(PROMOTED.map((f) => [f.name, f]));

export const TABLE = 'events';

const SQL_TYPE: Record<ColumnKind, string> = {
  str: 'VARCHAR',
  int: 'BIGINT',
  bool: 'BOOLEAN',
  strlist: 'VARCHAR[]',
};

export const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

export function columnDdl(f: PromotedField): string {
  return `${quoteIdent(f.name)} ${SQL_TYPE[f.kind]}`;
}

/**
 * Column order of the table and of appended rows: `_seq` (ingest order, breaks @timestamp ties),
 * `_stream`, `@timestamp`, promoted fields, `doc`. Extra columns added by later versions go last.
 */
export function createTableSql(): string {
  const cols = [
    '_seq BIGINT NOT NULL',
    '_stream VARCHAR NOT NULL',
    '"@timestamp" TIMESTAMP NOT NULL',
    ...PROMOTED.map(columnDdl),
    'doc JSON NOT NULL',
  ];
  return `CREATE TABLE IF NOT EXISTS ${TABLE} (${cols.join(', ')})`;
}

/** A getter for a dotted path: nested objects first, a literal flattened key as fallback. */
export function compileGetter(path: string): (doc: EcsDoc) => unknown {
  const parts = path.split('.');
  return (doc) => {
    let cur: unknown = doc;
    for (const p of parts) {
      if (cur === null || typeof cur !== 'object') {
        cur = undefined;
        break;
      }
      cur = (cur as Record<string, unknown>)[p];
    }
    return cur === undefined ? doc[path] : cur;
  };
}

// Coercions: a wrong type becomes the closest sensible value or null, never an exception; the
// full document (with the original value) stays in `doc`.
export function toStr(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v) && v.length > 0) return toStr(v[0]);
  return null;
}

export function toInt(v: unknown): bigint | null {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? BigInt(v) : null;
  if (typeof v === 'bigint') return v >= -(2n ** 63n) && v < 2n ** 63n ? v : null;
  if (typeof v === 'string' && /^-?\d{1,18}$/.test(v)) return BigInt(v);
  if (Array.isArray(v) && v.length > 0) return toInt(v[0]);
  return null;
}

export function toBool(v: unknown): boolean | null {
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (Array.isArray(v) && v.length > 0) return toBool(v[0]);
  return null;
}

export function toStrList(v: unknown): string[] | null {
  if (v === undefined || v === null) return null;
  if (Array.isArray(v)) {
    // The usual case, a list of strings, is stored as it is: no copy per document.
    let plain = true;
    for (let i = 0; i < v.length && plain; i++) plain = typeof v[i] === 'string';
    if (plain) return v as string[];
    const out: string[] = [];
    for (const x of v) {
      const s = toStr(x);
      if (s !== null) out.push(s);
    }
    return out;
  }
  const s = toStr(v);
  return s === null ? null : [s];
}

const FRACTION = /\.(\d+)(?:Z|[+-]\d\d:?\d\d)$/i;

/**
 * `@timestamp` (ISO-8601 string, or epoch ms) to epoch microseconds; null when unparseable.
 * Keeps microseconds that `Date.parse` would drop, so ordering within a millisecond holds.
 */
export function toMicros(v: unknown): bigint | null {
  if (typeof v === 'number') return Number.isFinite(v) ? BigInt(Math.trunc(v * 1000)) : null;
  if (v instanceof Date) return Number.isFinite(v.getTime()) ? BigInt(v.getTime()) * 1000n : null;
  if (typeof v !== 'string') return null;
  const ms = Date.parse(v);
  if (!Number.isFinite(ms)) return null;
  // Only a fraction of more than three digits (after the last '.') carries what Date.parse
  // dropped; the usual "….123Z" skips the regex.
  const dot = v.lastIndexOf('.');
  const d4 = dot < 0 ? -1 : v.charCodeAt(dot + 4);
  if (!(d4 >= 48 && d4 <= 57)) return BigInt(ms) * 1000n;
  let micros = BigInt(ms) * 1000n;
  const m = FRACTION.exec(v);
  if (m?.[1] && m[1].length > 3) micros += BigInt(m[1].slice(3, 6).padEnd(3, '0'));
  return micros;
}
