// The store worker's input, columnar and binary: the caller's thread (remote.ts) reads what needs
// the object (checks, JSON, `@timestamp`, promoted values: prepare.ts, the in-thread code) and
// encodes up to 2,048 documents per message into typed arrays whose buffers are transferred, not
// copied. The worker fills DuckDB data chunks straight from these bytes (columnar-chunk.ts): no
// JSON.parse and no JS string per value on its side.
//
// Layout of a message (`Columns`): one UTF-8 arena holding every distinct string once (interned
// per message: entity ids, container ids, executables, streams repeat a lot) and every
// document's JSON; per column, CAP rows of int32 string ids (-1: NULL), int64 values with a null
// flag, or bool bytes (2: NULL); lists as (offset, length) into an array of element ids.
import type { EcsDoc } from '../ecs/index.js';
import { promote, type Row, timestampMicros } from './prepare.js';
import { type ColumnKind, PROMOTED } from './schema.js';

/** Documents per message: one data chunk (DuckDB's vector size). */
export const CAP = 2048;
/**
 * A message is posted early once its arena holds this many bytes: offsets are int32, and 2,048
 * documents of up to `maxDocChars` (1 Mi UTF-16 units, up to 3 MiB of UTF-8) would overflow them.
 */
export const MAX_BYTES = 64 << 20;

export interface Columns {
  /** Documents in this message. */
  n: number;
  /** UTF-8 bytes of the interned strings and of each document's JSON. */
  arena: Uint8Array;
  /** Byte offset and length in `arena` of each interned string (pairs, by id). */
  strs: Int32Array;
  /** Column-major, CAP rows per column (see `I32`, `I64`, `U8`). */
  i32: Int32Array;
  i64: BigInt64Array;
  u8: Uint8Array;
  /** String ids of list elements (lists point here). */
  elems: Int32Array;
}

/** Where promoted field k lives: its int32 column (ids; lists: offset, then length at +1), or int64 + u8 column. */
export interface Slot {
  kind: ColumnKind;
  col: number;
}

// Fixed columns: int32 0 stream id, 1 JSON offset, 2 JSON length; int64 0 @timestamp (u8 0: 1 = missing).
export const I32_STREAM = 0;
export const I32_JSON_OFF = 1;
export const I32_JSON_LEN = 2;
export const SLOTS: readonly Slot[] = (() => {
  let i32 = 3;
  let wide = 1; // int: int64 column with its null flag in the u8 column of the same index; bool: u8 only
  return PROMOTED.map(({ kind }): Slot => {
    if (kind === 'str') return { kind, col: i32++ };
    if (kind === 'strlist') {
      i32 += 2;
      return { kind, col: i32 - 2 };
    }
    return { kind, col: wide++ };
  });
})();
const I32_COLS = Math.max(
  3,
  ...SLOTS.filter((s) => s.kind !== 'int' && s.kind !== 'bool').map((s) => s.col + 2),
);
const WIDE_COLS = Math.max(
  1,
  ...SLOTS.filter((s) => s.kind === 'int' || s.kind === 'bool').map((s) => s.col + 1),
);

/** Encodes documents into messages on the caller's thread; `take()` hands over the buffers. */
export class ColumnEncoder {
  n = 0;
  private i32 = new Int32Array(I32_COLS * CAP);
  private i64 = new BigInt64Array(WIDE_COLS * CAP);
  private u8 = new Uint8Array(WIDE_COLS * CAP);
  private arena: Buffer;
  private used = 0;
  private strs = new Int32Array(1024);
  private nStr = 0;
  private elems = new Int32Array(4096);
  private nElems = 0;
  private ids = new Map<string, number>();
  /** Size of the last message's arena: the next one starts there, so it rarely grows. */
  private hint = 1 << 16;
  /** Buffers of committed messages the worker sent back (`recycle`), reused before allocating. */
  private readonly spare: ArrayBuffer[][] = [];
  private readonly row: unknown[] = new Array(PROMOTED.length);

  constructor() {
    this.arena = Buffer.from(new ArrayBuffer(this.hint));
  }

  /**
   * Adds a document already admitted (`json` is what is stored). Repairs are pushed on `fixed`
   * (`fixedBefore`: its length before this document). Every column of the row is written, so a
   * row left half-written by a throw is simply overwritten by the next document.
   */
  add(doc: EcsDoc, stream: string, json: string, fixed: string[], fixedBefore: number): void {
    const r = this.n;
    const ts = timestampMicros(doc, null, fixed); // missing: the worker stamps its batch's ingest time
    promote(doc, this.row, 0, fixed, fixedBefore);
    const i32 = this.i32;
    i32[I32_STREAM * CAP + r] = this.intern(stream);
    const off = this.used;
    this.put(json);
    i32[I32_JSON_OFF * CAP + r] = off;
    i32[I32_JSON_LEN * CAP + r] = this.used - off;
    this.u8[r] = ts === null ? 1 : 0;
    this.i64[r] = ts ?? 0n;
    for (let k = 0; k < SLOTS.length; k++) {
      const { kind, col } = SLOTS[k] as Slot;
      const v = this.row[k];
      const at = col * CAP + r;
      switch (kind) {
        case 'str':
          i32[at] = typeof v === 'string' ? this.intern(v) : -1;
          break;
        case 'int':
          this.u8[at] = typeof v === 'bigint' ? 0 : 1;
          this.i64[at] = typeof v === 'bigint' ? v : 0n;
          break;
        case 'bool':
          this.u8[at] = v === true ? 1 : v === false ? 0 : 2;
          break;
        case 'strlist':
          if (Array.isArray(v)) {
            i32[at] = this.nElems;
            i32[at + CAP] = v.length;
            for (const x of v) this.elem(this.intern(x as string));
          } else {
            i32[at] = 0;
            i32[at + CAP] = -1;
          }
          break;
      }
    }
    this.n = r + 1;
  }

  /** UTF-8 bytes in the message so far. */
  get bytes(): number {
    return this.used;
  }

  /** The message so far and the buffers to transfer with it; the encoder starts a new one. */
  take(): { cols: Columns; transfer: ArrayBuffer[] } {
    const cols: Columns = {
      n: this.n,
      arena: new Uint8Array(this.arena.buffer, 0, this.used),
      strs: this.strs.subarray(0, 2 * this.nStr),
      i32: this.i32,
      i64: this.i64,
      u8: this.u8,
      elems: this.elems.subarray(0, this.nElems),
    };
    const transfer = buffersOf(cols);
    this.hint = Math.max(1 << 16, this.used + (this.used >> 3));
    this.reset();
    return { cols, transfer };
  }

  /** Starts an empty message (the last one was taken or is abandoned). */
  reset(): void {
    this.n = 0;
    this.used = 0;
    this.nStr = 0;
    this.nElems = 0;
    this.ids.clear();
    // Every column of a row is written by `add`, and the arena and id arrays from 0: reused
    // buffers need no clearing. Reuse spares the allocation, the kernel's page faults on fresh
    // memory and the unmapping of freed memory (~0.7–2 µs per document, measured).
    const b = this.spare.pop();
    if (b !== undefined) {
      const [arena, strs, i32, i64, u8, elems] = b as [ArrayBuffer, ...ArrayBuffer[]];
      this.arena = Buffer.from(arena);
      this.strs = new Int32Array(strs as ArrayBuffer);
      this.i32 = new Int32Array(i32 as ArrayBuffer);
      this.i64 = new BigInt64Array(i64 as ArrayBuffer);
      this.u8 = new Uint8Array(u8 as ArrayBuffer);
      this.elems = new Int32Array(elems as ArrayBuffer);
      return;
    }
    this.i32 = new Int32Array(I32_COLS * CAP);
    this.i64 = new BigInt64Array(WIDE_COLS * CAP);
    this.u8 = new Uint8Array(WIDE_COLS * CAP);
    this.arena = Buffer.from(new ArrayBuffer(this.hint));
    this.strs = new Int32Array(this.strs.length);
    this.elems = new Int32Array(this.elems.length);
  }

  /** Takes back the buffers of a message the worker is done with (`buffersOf` order). */
  recycle(buffers: ArrayBuffer[]): void {
    if (this.spare.length < 8 && buffers.length === 6) this.spare.push(buffers); // ≤ ~40 MB kept
  }

  private intern(s: string): number {
    let id = this.ids.get(s);
    if (id !== undefined) return id;
    id = this.nStr++;
    if (2 * this.nStr > this.strs.length) this.strs = grow(this.strs, 2 * this.nStr);
    const off = this.used;
    this.put(s);
    this.strs[2 * id] = off;
    this.strs[2 * id + 1] = this.used - off;
    this.ids.set(s, id);
    return id;
  }

  /** UTF-8 of a well-formed string (prepare.ts made it so) at the end of the arena. */
  private put(s: string): void {
    const need = this.used + 3 * s.length; // UTF-8 takes at most 3 bytes per UTF-16 unit
    if (need > this.arena.length) {
      let size = this.arena.length * 2;
      while (size < need) size *= 2;
      const next = Buffer.from(new ArrayBuffer(size));
      this.arena.copy(next, 0, 0, this.used);
      this.arena = next;
    }
    const len = s.length;
    if (len <= 32) {
      // Short ASCII (most promoted values) byte by byte: cheaper than a native call.
      const a = this.arena;
      let k = 0;
      while (k < len) {
        const c = s.charCodeAt(k);
        if (c > 0x7f) break;
        a[this.used + k++] = c;
      }
      if (k === len) {
        this.used += len;
        return;
      }
    }
    // Buffer's own UTF-8 writer, without `write()`'s argument handling (Node's undocumented but
    // long-standing method).
    this.used += (this.arena as unknown as Utf8Writer).utf8Write(s, this.used);
  }

  private elem(id: number): void {
    if (this.nElems === this.elems.length) this.elems = grow(this.elems, this.nElems + 1);
    this.elems[this.nElems++] = id;
  }
}

/** The buffers under a message, to transfer it (and back, once committed). */
export function buffersOf(m: Columns): ArrayBuffer[] {
  return [m.arena, m.strs, m.i32, m.i64, m.u8, m.elems].map((a) => a.buffer as ArrayBuffer);
}

interface Utf8Writer {
  utf8Write(s: string, offset: number): number;
}

function grow(a: Int32Array, min: number): Int32Array<ArrayBuffer> {
  let size = a.length * 2;
  while (size < min) size *= 2;
  const out = new Int32Array(size);
  out.set(a);
  return out;
}

const decoder = new TextDecoder();

/**
 * Rows `start…end` of a message back as prepared rows (prepare.ts `Row`), for the rare row-wise
 * bisection after a failed chunk transaction: correctness over speed.
 */
export function decodeRows(m: Columns, start: number, end: number, nowMicros: bigint): Row[] {
  const str = (id: number) =>
    id < 0
      ? null
      : decoder.decode(
          m.arena.subarray(
            m.strs[2 * id] as number,
            (m.strs[2 * id] as number) + (m.strs[2 * id + 1] as number),
          ),
        );
  const rows: Row[] = [];
  for (let r = start; r < end; r++) {
    const row: Row = [str(m.i32[I32_STREAM * CAP + r] as number), m.u8[r] === 1 ? nowMicros : m.i64[r]];
    for (const { kind, col } of SLOTS) {
      const at = col * CAP + r;
      if (kind === 'str') row.push(str(m.i32[at] as number));
      else if (kind === 'int') row.push(m.u8[at] === 1 ? null : m.i64[at]);
      else if (kind === 'bool') row.push(m.u8[at] === 2 ? null : m.u8[at] === 1);
      else {
        const off = m.i32[at] as number;
        const len = m.i32[at + CAP] as number;
        row.push(len < 0 ? null : Array.from(m.elems.subarray(off, off + len), (id) => str(id) as string));
      }
    }
    const off = m.i32[I32_JSON_OFF * CAP + r] as number;
    row.push(decoder.decode(m.arena.subarray(off, off + (m.i32[I32_JSON_LEN * CAP + r] as number))));
    rows.push(row);
  }
  return rows;
}
