// Turns queued documents into appender-ready rows (JS work, done at flush time, never in write()).
import type { DuckDBAppender } from '@duckdb/node-api';
import { DuckDBTimestampValue } from '@duckdb/node-api';
import type { EcsDoc } from '../ecs/index.js';
import type { ColumnSource, Row } from './chunk.js';
import {
  type ColumnKind,
  compileGetter,
  PROMOTED,
  toBool,
  toInt,
  toMicros,
  toStr,
  toStrList,
} from './schema.js';

/** A queued document (the store worker's input is encoded instead: columnar.ts). */
export type Queued = { doc: EcsDoc; stream: string };

export type { Row } from './chunk.js';

export interface PrepareLimits {
  /** Documents whose JSON exceeds this many UTF-16 units get long strings truncated. */
  maxDocChars: number;
  /** Strings longer than this are cut when a document is over `maxDocChars`. */
  maxStringChars: number;
}

export interface PrepareResult {
  rows: Row[];
  /** Reasons for dropped documents (one entry per drop). */
  dropped: string[];
  /** Counted repairs (timestamp replaced, strings truncated, invalid UTF-16 replaced). */
  fixed: string[];
}

const getters = PROMOTED.map((f) => ({ get: compileGetter(f.name), kind: f.kind }));
/** stream, @timestamp, the promoted values, the JSON. */
const ROW_LENGTH = 3 + getters.length;
const convert: Record<ColumnKind, (v: unknown) => unknown> = {
  str: toStr,
  int: toInt,
  bool: toBool,
  strlist: toStrList,
};

// JSON.stringify escapes lone surrogates as \udXXX (lower-case hex; a surrogate pair is written
// as itself, never escaped); DuckDB's JSON type rejects those, so they become U+FFFD as a UTF-8
// encoder would. An escape starts at a backslash preceded by an even run of backslashes: text
// that only reads "\ud800" (an escaped backslash, then "ud800") is left as it is.
const LONE_SURROGATE = /(?<!\\)((?:\\\\)*)\\ud[89a-f][0-9a-f]{2}/g;

/**
 * The document's JSON as stored: long strings cut when over `maxDocChars` (undefined if still
 * over), lone surrogates replaced. Throws on BigInt and cycles, like `JSON.stringify`.
 */
export function stringify(doc: EcsDoc, limits: PrepareLimits, fixed: string[]): string | undefined {
  let json = JSON.stringify(doc);
  if (json === undefined) return undefined;
  if (json.length > limits.maxDocChars) {
    const max = limits.maxStringChars;
    json = JSON.stringify(doc, (_k, v) =>
      typeof v === 'string' && v.length > max ? `${v.slice(0, max)}…[truncated ${v.length - max}]` : v,
    );
    fixed.push('truncated');
    if (json.length > limits.maxDocChars) return undefined;
  }
  const clean = cleanSurrogates(json);
  if (clean !== json) fixed.push('invalid_utf16');
  return clean;
}

/** JSON text with escaped lone surrogates replaced by U+FFFD (the same string if none). */
export function cleanSurrogates(json: string): string {
  return json.includes('\\ud') ? json.replace(LONE_SURROGATE, '$1\\ufffd') : json;
}

// ES2024 string methods (Node 20 has them; the project's lib setting is ES2023).
interface WellFormed {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

/**
 * A queued document as the object (for the promoted columns) and the JSON to store; undefined,
 * with the reason pushed on `dropped`, when it cannot be stored. Shared by every append path.
 */
export function admit(
  q: Queued,
  limits: PrepareLimits,
  dropped: string[],
  fixed: string[],
): { doc: EcsDoc; json: string } | undefined {
  const doc = q.doc;
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    dropped.push('not_object');
    return undefined;
  }
  let json: string | undefined;
  try {
    json = stringify(doc, limits, fixed);
  } catch {
    dropped.push('unserializable');
    return undefined;
  }
  if (json === undefined) {
    dropped.push('too_large');
    return undefined;
  }
  return { doc, json };
}

/**
 * `@timestamp` in µs; a document without a valid one is kept, stamped at ingest (counted). With
 * `nowMicros` null (the store worker's caller, which does not know the batch's ingest time yet)
 * the missing one is null.
 */
export function timestampMicros(doc: EcsDoc, nowMicros: bigint, fixed: string[]): bigint;
export function timestampMicros(doc: EcsDoc, nowMicros: bigint | null, fixed: string[]): bigint | null;
export function timestampMicros(doc: EcsDoc, nowMicros: bigint | null, fixed: string[]): bigint | null {
  const ts = toMicros(doc['@timestamp']);
  if (ts !== null) return ts;
  // The original (if any) stays in `doc`.
  fixed.push('timestamp_missing');
  return nowMicros;
}

/**
 * The promoted values of `doc`, coerced, into `row[at…]` (PROMOTED order). Shared by the rows
 * and chunk paths and the store worker's caller, so all store the same values. `fixedBefore`:
 * the length of `fixed` before this document, so that `invalid_utf16` counts once per document
 * (its JSON may have counted it already).
 */
export function promote(doc: EcsDoc, row: unknown[], at: number, fixed: string[], fixedBefore: number): void {
  let utf16Counted = fixed.lastIndexOf('invalid_utf16') >= fixedBefore;
  for (let k = 0; k < getters.length; k++) {
    const g = getters[k] as (typeof getters)[number];
    let v: unknown;
    try {
      v = convert[g.kind](g.get(doc));
    } catch {
      v = null; // a throwing getter on an exotic object must not lose the event
    }
    if (typeof v === 'string' && !(v as unknown as WellFormed).isWellFormed()) {
      v = (v as unknown as WellFormed).toWellFormed();
      if (!utf16Counted) fixed.push('invalid_utf16');
      utf16Counted = true;
    }
    row[at + k] = v;
  }
}

/**
 * Queued documents into rows. With `takeJson`, each document's JSON is handed over as soon as it
 * is made (with its row's index) and the row keeps `null` in its place: the data-chunk path
 * writes it into the chunk right away, so a 2 KB string dies young instead of being copied by
 * every scavenge until its slice is built.
 */
export function prepare(
  batch: readonly Queued[],
  nowMicros: bigint,
  limits: PrepareLimits,
  takeJson?: (row: number, json: string) => void,
): PrepareResult {
  const rows: Row[] = [];
  const dropped: string[] = [];
  const fixed: string[] = [];
  for (const q of batch) {
    const fixedBefore = fixed.length;
    const admitted = admit(q, limits, dropped, fixed);
    if (admitted === undefined) continue;
    const { doc, json } = admitted;
    const row: Row = new Array(ROW_LENGTH);
    row[0] = q.stream;
    row[1] = timestampMicros(doc, nowMicros, fixed);
    promote(doc, row, 2, fixed, fixedBefore);
    if (takeJson) {
      takeJson(rows.length, json);
      row[ROW_LENGTH - 1] = null;
    } else row[ROW_LENGTH - 1] = json;
    rows.push(row);
  }
  return { rows, dropped, fixed };
}

const PLAIN = /^[A-Za-z0-9_./:@=+-]+$/;

/** A DuckDB list literal of strings: `['a', 'it\'s']` (quoted, `\` and `'` escaped). */
export function listLiteral(xs: readonly string[]): string {
  let out = '[';
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i] as string;
    if (i > 0) out += ', ';
    out += PLAIN.test(x) ? `'${x}'` : `'${x.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
  }
  return `${out}]`;
}

/**
 * Appends prepared rows one value at a time (the reference for the data chunks of chunk.ts, which
 * is the default); `seq0` is the `_seq` of the first row.
 */
export function appendRows(
  ap: DuckDBAppender,
  cols: readonly ColumnSource[],
  rows: readonly Row[],
  seq0: bigint,
): void {
  let seq = seq0;
  for (const row of rows) {
    for (const { kind, src } of cols) {
      if (kind === 'seq') {
        ap.appendBigInt(seq++);
        continue;
      }
      const v = row[src];
      if (v === null || v === undefined) {
        ap.appendNull();
        continue;
      }
      switch (kind) {
        case 'ts':
          ap.appendTimestamp(new DuckDBTimestampValue(v as bigint));
          break;
        case 'str':
        case 'json':
          ap.appendVarchar(v as string);
          break;
        case 'int':
          ap.appendBigInt(v as bigint);
          break;
        case 'bool':
          ap.appendBoolean(v as boolean);
          break;
        case 'strlist':
          // DuckDB casts a list literal to VARCHAR[] itself: one native call per list instead of
          // one value object per element (docs/store.md; round-trip tested in store.test.ts).
          ap.appendVarchar(listLiteral(v as string[]));
          break;
      }
    }
    ap.endRow();
  }
}
