// The store worker's side of the columnar handoff (columnar.ts): a message's rows into a DuckDB
// data chunk straight from its bytes. Integers, timestamps and booleans are copied per column in
// one call; a string of at most 12 ASCII bytes without NUL becomes an inlined `string_t` in a
// buffer copied per column; a longer one is passed once per distinct string per vector
// (`vector_assign_string_element_len`, the bytes as they are), its repeats copied as `string_t`
// (as chunk.ts does). NUL and non-ASCII short values take the native call, like chunk.ts, so the
// stored values are identical (chunk.test.ts compares every path with the row-wise one).
import type { DuckDBType } from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';
import { type BuiltChunk, CHUNK_ROWS, type ColumnSource, newChunk, writeValidity } from './chunk.js';
import { CAP, type Columns, I32_JSON_LEN, I32_JSON_OFF, I32_STREAM, SLOTS, type Slot } from './columnar.js';

if (CAP > CHUNK_ROWS) throw new Error('a columnar message must fit in one data chunk');

const strBuf = new Uint8Array(CHUNK_ROWS * 16);
const strView = new DataView(strBuf.buffer);
const strWords = new Int32Array(strBuf.buffer);
const i64 = new BigInt64Array(CHUNK_ROWS);
const u8 = new Uint8Array(CHUNK_ROWS);
const entries = new BigUint64Array(CHUNK_ROWS * 2);
let items = new Int32Array(CHUNK_ROWS);
/** Per string id of the current message: the first row of the current vector holding it, or -1. */
let firstRow = new Int32Array(1024).fill(-1);
const touched: number[] = [];
const longs: number[] = []; // pairs: row, string id
const dups: number[] = []; // pairs: row, row whose string_t it copies

/** A string of at most 12 bytes, ASCII without NUL: stored inline. */
function inlinable(arena: Uint8Array, off: number, len: number): boolean {
  if (len > 12) return false;
  for (let k = off; k < off + len; k++) {
    const b = arena[k] as number;
    if (b === 0 || b > 0x7f) return false;
  }
  return true;
}

/**
 * Per message, the inlined `string_t` (4 words) of each interned string that fits one, or -1 in
 * its first word: built once, so a row costs four word copies instead of a byte loop and checks.
 */
const inlined = new WeakMap<Columns, Int32Array>();

function inlineTable(m: Columns): Int32Array {
  let t = inlined.get(m);
  if (t !== undefined) return t;
  const n = m.strs.length >> 1;
  t = new Int32Array(4 * n);
  const bytes = new Uint8Array(t.buffer);
  for (let id = 0; id < n; id++) {
    const so = m.strs[2 * id] as number;
    const len = m.strs[2 * id + 1] as number;
    if (!inlinable(m.arena, so, len)) {
      t[4 * id] = -1;
      continue;
    }
    t[4 * id] = len; // native byte order, as DuckDB's own string_t length
    for (let k = 0; k < len; k++) bytes[16 * id + 4 + k] = m.arena[so + k] as number;
  }
  inlined.set(m, t);
  return t;
}

/**
 * Interned strings `ids[from…from+count]` (ids ≥ 0; NULLs are the caller's validity) into a
 * VARCHAR vector, in pieces of the vector size (list children may be longer).
 */
function writeIds(vector: duckdb.Vector, m: Columns, ids: Int32Array, from: number, count: number): void {
  const { arena, strs } = m;
  const tbl = inlineTable(m);
  if (firstRow.length < strs.length / 2) firstRow = new Int32Array(strs.length).fill(-1);
  for (let off = 0; off < count; off += CHUNK_ROWS) {
    const n = Math.min(CHUNK_ROWS, count - off);
    strBuf.fill(0, 0, n * 16);
    for (let i = 0; i < n; i++) {
      const id = ids[from + off + i] as number;
      if (id < 0) continue;
      const w = 4 * id;
      if ((tbl[w] as number) >= 0) {
        const o = 4 * i;
        strWords[o] = tbl[w] as number;
        strWords[o + 1] = tbl[w + 1] as number;
        strWords[o + 2] = tbl[w + 2] as number;
        strWords[o + 3] = tbl[w + 3] as number;
      } else longs.push(off + i, id);
    }
    duckdb.copy_data_to_vector(vector, off * 16, strBuf.buffer, 0, n * 16);
  }
  for (let k = 0; k < longs.length; k += 2) {
    const row = longs[k] as number;
    const id = longs[k + 1] as number;
    const first = firstRow[id] as number;
    if (first >= 0) {
      dups.push(row, first);
      continue;
    }
    firstRow[id] = row;
    touched.push(id);
    const so = strs[2 * id] as number;
    duckdb.vector_assign_string_element_len(
      vector,
      row,
      arena.subarray(so, so + (strs[2 * id + 1] as number)),
    );
  }
  longs.length = 0;
  for (const id of touched) firstRow[id] = -1;
  touched.length = 0;
  copyRepeats(vector);
}

/** Rows in `dups` get the `string_t` of the row holding the same string (one read-back, one write). */
function copyRepeats(vector: duckdb.Vector): void {
  if (dups.length === 0) return;
  let last = 0;
  for (let k = 0; k < dups.length; k += 2) last = Math.max(last, dups[k] as number);
  const data = duckdb.vector_get_data(vector, (last + 1) * 16);
  for (let k = 0; k < dups.length; k += 2) {
    const to = (dups[k] as number) * 16;
    const from = (dups[k + 1] as number) * 16;
    data.copyWithin(to, from, from + 16);
  }
  dups.length = 0;
  duckdb.copy_data_to_vector(vector, 0, data.buffer as ArrayBuffer, data.byteOffset, (last + 1) * 16);
}

/** Each row's JSON (never repeated: no dedupe). */
function writeJson(vector: duckdb.Vector, m: Columns, start: number, n: number): void {
  const offs = m.i32.subarray(I32_JSON_OFF * CAP + start);
  const lens = m.i32.subarray(I32_JSON_LEN * CAP + start);
  strBuf.fill(0, 0, n * 16);
  for (let i = 0; i < n; i++) {
    const so = offs[i] as number;
    const len = lens[i] as number;
    if (!inlinable(m.arena, so, len)) continue;
    strView.setUint32(i * 16, len, true);
    for (let k = 0; k < len; k++) strBuf[i * 16 + 4 + k] = m.arena[so + k] as number;
  }
  duckdb.copy_data_to_vector(vector, 0, strBuf.buffer, 0, n * 16);
  for (let i = 0; i < n; i++) {
    const so = offs[i] as number;
    const len = lens[i] as number;
    if (!inlinable(m.arena, so, len))
      duckdb.vector_assign_string_element_len(vector, i, m.arena.subarray(so, so + len));
  }
}

/** A VARCHAR[] vector from (offset, length) pairs into the message's element ids; length -1 is NULL. */
function writeList(vector: duckdb.Vector, m: Columns, col: number, start: number, n: number): boolean {
  let total = 0;
  let anyNull = false;
  for (let i = 0; i < n; i++) {
    const len = m.i32[(col + 1) * CAP + start + i] as number;
    entries[2 * i] = BigInt(total);
    entries[2 * i + 1] = BigInt(Math.max(len, 0));
    if (len < 0) anyNull = true;
    else total += len;
  }
  if (items.length < total) items = new Int32Array(Math.max(total, 2 * items.length));
  let at = 0;
  for (let i = 0; i < n; i++) {
    const off = m.i32[col * CAP + start + i] as number;
    const len = m.i32[(col + 1) * CAP + start + i] as number;
    if (len > 0) items.set(m.elems.subarray(off, off + len), at);
    at += Math.max(len, 0);
  }
  duckdb.list_vector_reserve(vector, total);
  duckdb.list_vector_set_size(vector, total);
  if (total > 0) writeIds(duckdb.list_vector_get_child(vector), m, items, 0, total);
  duckdb.copy_data_to_vector(vector, 0, entries.buffer, 0, n * 16);
  return anyNull;
}

/**
 * Rows `start…start+n` of message `m` into a new data chunk of the table's `types`, every column
 * but `_seq` (written at append time). Documents without a valid `@timestamp` get `nowMicros`.
 */
export function columnsChunk(
  types: readonly DuckDBType[],
  cols: readonly ColumnSource[],
  m: Columns,
  start: number,
  n: number,
  nowMicros: bigint,
): BuiltChunk {
  const dc = newChunk(types);
  duckdb.data_chunk_set_size(dc.chunk, n);
  for (let j = 0; j < cols.length; j++) {
    const { kind, src } = cols[j] as ColumnSource;
    if (kind === 'seq') continue;
    const vector = duckdb.data_chunk_get_vector(dc.chunk, j);
    if (kind === 'none') {
      writeValidity(vector, n, () => true);
      continue;
    }
    if (kind === 'json') {
      writeJson(vector, m, start, n);
      continue;
    }
    if (kind === 'ts') {
      // Straight from the message; only documents without a timestamp are patched (reading a
      // BigInt64Array element makes a BigInt, which is what the direct copy avoids).
      duckdb.copy_data_to_vector(vector, 0, m.i64.buffer as ArrayBuffer, m.i64.byteOffset + start * 8, n * 8);
      let missing = false;
      for (let i = 0; i < n && !missing; i++) missing = m.u8[start + i] === 1;
      if (missing) {
        for (let i = 0; i < n; i++) i64[i] = m.u8[start + i] === 1 ? nowMicros : (m.i64[start + i] as bigint);
        duckdb.copy_data_to_vector(vector, 0, i64.buffer, 0, n * 8);
      }
      continue;
    }
    if (src === 0) {
      // `_stream`: never NULL.
      writeIds(vector, m, m.i32, I32_STREAM * CAP + start, n);
      continue;
    }
    const { col } = SLOTS[src - 2] as Slot;
    const at = col * CAP + start;
    let anyNull = false;
    switch (kind) {
      case 'str': {
        const ids = m.i32;
        for (let i = 0; i < n && !anyNull; i++) anyNull = (ids[at + i] as number) < 0;
        writeIds(vector, m, ids, at, n);
        if (anyNull) writeValidity(vector, n, (i) => (ids[at + i] as number) < 0);
        break;
      }
      case 'int':
        duckdb.copy_data_to_vector(vector, 0, m.i64.buffer as ArrayBuffer, m.i64.byteOffset + at * 8, n * 8);
        for (let i = 0; i < n && !anyNull; i++) anyNull = m.u8[at + i] === 1;
        if (anyNull) writeValidity(vector, n, (i) => m.u8[at + i] === 1);
        break;
      case 'bool':
        for (let i = 0; i < n; i++) {
          const b = m.u8[at + i] as number;
          u8[i] = b === 1 ? 1 : 0;
          if (b === 2) anyNull = true;
        }
        duckdb.copy_data_to_vector(vector, 0, u8.buffer, 0, n);
        if (anyNull) writeValidity(vector, n, (i) => m.u8[at + i] === 2);
        break;
      case 'strlist':
        if (writeList(vector, m, col, start, n))
          writeValidity(vector, n, (i) => (m.i32[(col + 1) * CAP + start + i] as number) < 0);
        break;
    }
  }
  return { chunk: dc, rows: n };
}
