// Column-wise append: prepared rows go into DuckDB data chunks (2048 rows each) one column at a
// time, and each chunk is appended with one native call. Numbers, timestamps, booleans, NULLs
// and short ASCII strings are written into JS typed arrays and copied into the chunk's vectors
// in one call per column; only strings that do not fit inline (over 12 bytes, or non-ASCII) cost
// a native call each. The row-wise Appender path (prepare.ts `appendRows`) is the reference:
// chunk.test.ts checks both store identical rows.

import { type DuckDBAppender, DuckDBDataChunk, type DuckDBType } from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';
import { type ColumnKind, PROMOTED } from './schema.js';

/** One row in table column order after `_seq`: stream, micros, promoted values…, json (prepare.ts makes it). */
export type Row = unknown[];

/** What a table column holds, and where its value is in a prepared row (`-1`: `_seq`). */
export interface ColumnSource {
  /** `none`: a column this version does not know (a newer version added it): NULL. */
  kind: ColumnKind | 'seq' | 'ts' | 'json' | 'none';
  /** Index in the prepared row (`_stream` 0, `@timestamp` 1, promoted fields, `doc` last); -1 for `_seq` and unknown columns. */
  src: number;
}

/**
 * Where each table column (names in table order) comes from. Table order is not always the
 * prepared row's: columns promoted by a later version are added at the end, after `doc`.
 */
export function columnSources(names: readonly string[]): ColumnSource[] {
  const promoted = new Map(PROMOTED.map((f, k) => [f.name, { kind: f.kind, src: 2 + k }]));
  return names.map((name): ColumnSource => {
    if (name === '_seq') return { kind: 'seq', src: -1 };
    if (name === '_stream') return { kind: 'str', src: 0 };
    if (name === '@timestamp') return { kind: 'ts', src: 1 };
    if (name === 'doc') return { kind: 'json', src: 2 + PROMOTED.length };
    return promoted.get(name) ?? { kind: 'none', src: -1 };
  });
}

const VECTOR_SIZE = duckdb.vector_size();

// Scratch buffers, reused chunk after chunk (every write to DuckDB copies out of them).
const strBuf = new Uint8Array(VECTOR_SIZE * 16);
const strView = new DataView(strBuf.buffer);
const i64 = new BigInt64Array(VECTOR_SIZE);
const u8 = new Uint8Array(VECTOR_SIZE);
const validity = new BigUint64Array(Math.ceil(VECTOR_SIZE / 64));
const validityBytes = new Uint8Array(validity.buffer);
const ALL = 0xffff_ffff_ffff_ffffn;

/**
 * Writes `strings[i]` (string or null) into a VARCHAR/JSON vector of `n` rows (child vectors of
 * lists: any length, in pieces of VECTOR_SIZE). Short ASCII strings are DuckDB `string_t`
 * inlined values (length, then up to 12 bytes, zero padded: DuckDB compares the padding), the
 * layout of `duckdb_string_t` in DuckDB's C API. NUL characters go through the native call, so
 * both paths treat them alike.
 *
 * With `dedupe`, a long string seen earlier in the same vector is not passed again: its
 * `string_t` (length, prefix, pointer into the vector's own string heap) is copied from the
 * first row, read back with one call for the whole vector. Entity ids, container ids, images and
 * executables repeat from row to row, and each native call costs more than the lookup. Not for
 * the documents' JSON, which never repeats and would only be hashed for nothing.
 */
function writeStrings(vector: duckdb.Vector, strings: readonly unknown[], n: number, dedupe = false): void {
  if (longs.length < n) longs = new Int32Array(Math.max(n, longs.length * 2));
  let nLongs = 0;
  for (let off = 0; off < n; off += VECTOR_SIZE) {
    const m = Math.min(VECTOR_SIZE, n - off);
    strBuf.fill(0, 0, m * 16);
    for (let i = 0; i < m; i++) {
      const s = strings[off + i];
      if (typeof s !== 'string') continue; // NULL: the validity mask says so
      const len = s.length;
      let inline = len <= 12;
      if (inline) {
        const p = i * 16;
        for (let k = 0; k < len; k++) {
          const c = s.charCodeAt(k);
          if (c === 0 || c > 0x7f) {
            inline = false;
            break;
          }
          strBuf[p + 4 + k] = c;
        }
        if (inline) strView.setUint32(p, len, true);
        else strBuf.fill(0, p, p + 16);
      }
      if (!inline) longs[nLongs++] = off + i;
    }
    duckdb.copy_data_to_vector(vector, off * 16, strBuf.buffer, 0, m * 16);
  }
  if (!dedupe || n >= ROW_SPACE) {
    for (let k = 0; k < nLongs; k++) {
      const i = longs[k] as number;
      duckdb.vector_assign_string_element(vector, i, strings[i] as string);
    }
    return;
  }
  // `seen` outlives the call (no Map rebuilt per column and chunk): an entry is this call's
  // when its stamp is, and the map is cleared when the stamps wrap or it grows large.
  if (++stamp === STAMPS || seen.size > MAX_SEEN) {
    seen.clear();
    stamp = 1;
  }
  const base = stamp * ROW_SPACE;
  if (dups.length < 2 * nLongs) dups = new Int32Array(Math.max(2 * nLongs, dups.length * 2));
  let nDups = 0;
  let last = 0;
  for (let k = 0; k < nLongs; k++) {
    const i = longs[k] as number;
    const s = strings[i] as string;
    const v = seen.get(s);
    if (v !== undefined && v >= base && v < base + ROW_SPACE) {
      dups[nDups++] = i;
      dups[nDups++] = v - base;
      last = i;
    } else {
      seen.set(s, base + i);
      duckdb.vector_assign_string_element(vector, i, s);
    }
  }
  if (nDups === 0) return;
  // Rows are patched in place, so read back only up to the last one that changes.
  const data = duckdb.vector_get_data(vector, (last + 1) * 16);
  for (let k = 0; k < nDups; k += 2) {
    const to = (dups[k] as number) * 16;
    const from = (dups[k + 1] as number) * 16;
    data.copyWithin(to, from, from + 16);
  }
  duckdb.copy_data_to_vector(vector, 0, data.buffer as ArrayBuffer, data.byteOffset, (last + 1) * 16);
}

/** Scratch of writeStrings, reused call after call: rows of long strings, (row, first row) pairs. */
let longs = new Int32Array(VECTOR_SIZE);
let dups = new Int32Array(2 * VECTOR_SIZE);
/** Long strings seen, to the stamp of the call and the row (stamp * ROW_SPACE + row). */
const seen = new Map<string, number>();
const ROW_SPACE = 1 << 22; // rows of one vector deduplicated (list children can exceed 2048)
const STAMPS = 255; // stamp * ROW_SPACE stays below 2^30: small integers
const MAX_SEEN = 1 << 16;
let stamp = 0;

/** Sets the validity of `n` rows from `isNull`; nothing to do when every row is valid. */
export function writeValidity(vector: duckdb.Vector, n: number, isNull: (i: number) => boolean): void {
  const words = Math.ceil(n / 64);
  validity.fill(ALL, 0, words);
  // Bit i of the mask (uint64 words, little-endian) is bit i & 7 of byte i >> 3: plain number
  // arithmetic, no BigInt per NULL.
  for (let i = 0; i < n; i++)
    if (isNull(i)) validityBytes[i >> 3] = (validityBytes[i >> 3] as number) & ~(1 << (i & 7));
  duckdb.vector_ensure_validity_writable(vector);
  duckdb.copy_data_to_vector_validity(vector, 0, validityBytes.buffer, 0, words * 8);
}

/**
 * Chunks already appended, reset and kept for the next batches (per table, by its types array).
 * A chunk's memory is DuckDB's (its vectors, and its string heap: ~5 MB with 2 KB documents);
 * left to V8, it is freed only when the small JS wrapper is collected, which under steady
 * ingest was seconds and gigabytes later (RSS grew past 3 GB in a 1M-document run).
 */
const pools = new WeakMap<readonly DuckDBType[], DuckDBDataChunk[]>();
const POOL_MAX = 40; // two batches of 16 chunks (one prepared while the other commits), and spare

/** A data chunk of the table's types, reused when one is free. */
export function newChunk(types: readonly DuckDBType[]): DuckDBDataChunk {
  return pools.get(types)?.pop() ?? DuckDBDataChunk.create(types);
}

/**
 * After the batch's transaction (committed or not; the appender copied the rows): frees the
 * chunks' data now (`data_chunk_reset` drops their string heaps) and keeps them for reuse.
 */
export function releaseChunks(types: readonly DuckDBType[], chunks: readonly BuiltChunk[]): void {
  let pool = pools.get(types);
  if (!pool) {
    pool = [];
    pools.set(types, pool);
  }
  for (const c of chunks) {
    duckdb.data_chunk_reset(c.chunk.chunk);
    if (pool.length < POOL_MAX) pool.push(c.chunk);
  }
}

/** A filled data chunk waiting to be appended; its `_seq` column is written at append time. */
export interface BuiltChunk {
  chunk: DuckDBDataChunk;
  rows: number;
}

/**
 * A new data chunk of the table's `types`, and a writer for its `doc` column that the caller
 * uses while preparing rows (`prepare`'s `takeJson`), before `fillChunk` writes the rest.
 */
export function startChunk(
  types: readonly DuckDBType[],
  cols: readonly ColumnSource[],
): { chunk: DuckDBDataChunk; writeJson: (row: number, json: string) => void } {
  const chunk = newChunk(types);
  const j = cols.findIndex((c) => c.kind === 'json');
  const vector = j < 0 ? undefined : duckdb.data_chunk_get_vector(chunk.chunk, j);
  return {
    chunk,
    writeJson: (row, json) => {
      if (vector === undefined) return;
      // Encoded by Node into a reused buffer, then passed as bytes: cheaper than handing the
      // string over (N-API measures and converts it in two calls).
      const max = json.length * 3;
      if (max > jsonBuf.length) jsonBuf = Buffer.allocUnsafe(Math.max(max, jsonBuf.length * 2));
      const n = jsonBuf.write(json, 0, 'utf8');
      duckdb.vector_assign_string_element_len(vector, row, jsonBuf.subarray(0, n));
    },
  };
}

/**
 * Rows (at most 2048) into a new data chunk of the table's `types`, every column but `_seq`.
 * Called as soon as a slice of the batch is prepared, so the slice's JS strings die young
 * instead of living until the batch commits. With `started` (from `startChunk`), the `doc`
 * column was written while the rows were prepared and is left as it is.
 */
export function buildChunk(
  types: readonly DuckDBType[],
  cols: readonly ColumnSource[],
  rows: readonly Row[],
  started?: DuckDBDataChunk,
): BuiltChunk {
  const n = rows.length;
  if (n > VECTOR_SIZE) throw new Error(`a data chunk holds at most ${VECTOR_SIZE} rows`);
  const dc = started ?? newChunk(types);
  const chunk = dc.chunk;
  duckdb.data_chunk_set_size(chunk, n);
  column.length = n;
  for (let j = 0; j < cols.length; j++) {
    const { kind, src } = cols[j] as ColumnSource;
    if (kind === 'seq' || (kind === 'json' && started !== undefined)) continue;
    const vector = duckdb.data_chunk_get_vector(chunk, j);
    if (kind === 'none') {
      writeValidity(vector, n, () => true);
      continue;
    }
    let anyNull = false;
    for (let i = 0; i < n; i++) {
      const v = (rows[i] as Row)[src];
      column[i] = v;
      if (v === null || v === undefined) anyNull = true;
    }
    switch (kind) {
      case 'ts':
      case 'int':
        for (let i = 0; i < n; i++) {
          const v = column[i];
          i64[i] = typeof v === 'bigint' ? v : 0n;
        }
        duckdb.copy_data_to_vector(vector, 0, i64.buffer, 0, n * 8);
        break;
      case 'bool':
        for (let i = 0; i < n; i++) u8[i] = column[i] === true ? 1 : 0;
        duckdb.copy_data_to_vector(vector, 0, u8.buffer, 0, n);
        break;
      case 'str':
        writeStrings(vector, column, n, true);
        break;
      case 'json':
        writeStrings(vector, column, n);
        break;
      case 'strlist':
        writeLists(vector, column, n);
        break;
    }
    if (anyNull) writeValidity(vector, n, (i) => column[i] === null || column[i] === undefined);
  }
  column.length = 0;
  return { chunk: dc, rows: n };
}

const column: unknown[] = [];
let jsonBuf = Buffer.allocUnsafe(1 << 16);

/** Appends built chunks in order, numbering their rows from `seq0`. */
export function appendBuilt(
  ap: DuckDBAppender,
  cols: readonly ColumnSource[],
  chunks: readonly BuiltChunk[],
  seq0: bigint,
): void {
  const seqCol = cols.findIndex((c) => c.kind === 'seq');
  let seq = seq0;
  for (const { chunk, rows } of chunks) {
    if (seqCol >= 0) {
      for (let i = 0; i < rows; i++) i64[i] = seq + BigInt(i);
      duckdb.copy_data_to_vector(
        duckdb.data_chunk_get_vector(chunk.chunk, seqCol),
        0,
        i64.buffer,
        0,
        rows * 8,
      );
    }
    ap.appendDataChunk(chunk);
    seq += BigInt(rows);
  }
}

/** The table's column types as the appender sees them (JSON included: no cast on append). */
export function tableTypes(ap: DuckDBAppender): DuckDBType[] {
  return Array.from({ length: ap.columnCount }, (_, j) => ap.columnType(j));
}

/** Prepared rows into chunks of VECTOR_SIZE. */
export function buildChunks(
  types: readonly DuckDBType[],
  cols: readonly ColumnSource[],
  rows: readonly Row[],
): BuiltChunk[] {
  const out: BuiltChunk[] = [];
  for (let i = 0; i < rows.length; i += VECTOR_SIZE)
    out.push(buildChunk(types, cols, rows.slice(i, i + VECTOR_SIZE)));
  return out;
}

export const CHUNK_ROWS = VECTOR_SIZE;

const entries = new BigUint64Array(VECTOR_SIZE * 2);

/** A VARCHAR[] vector: (offset, length) entries, then every element into the child vector. */
function writeLists(vector: duckdb.Vector, lists: readonly unknown[], n: number): void {
  const items: string[] = [];
  for (let i = 0; i < n; i++) {
    const l = lists[i];
    entries[2 * i] = BigInt(items.length);
    if (Array.isArray(l)) {
      for (const x of l) items.push(x as string);
      entries[2 * i + 1] = BigInt(l.length);
    } else entries[2 * i + 1] = 0n;
  }
  duckdb.list_vector_reserve(vector, items.length);
  duckdb.list_vector_set_size(vector, items.length);
  if (items.length > 0) writeStrings(duckdb.list_vector_get_child(vector), items, items.length, true);
  duckdb.copy_data_to_vector(vector, 0, entries.buffer, 0, n * 16);
}
