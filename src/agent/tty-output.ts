// Terminal output (issue 17): the sensor's tty write records batched per process into
// `text_output` documents. A batch is flushed after a quiet interval or once it holds
// `flushBytes`; text is decoded as a UTF-8 stream per process (a character split across writes is
// joined, invalid bytes become U+FFFD); past `maxBytesPerProcess` nothing more is kept and every
// byte not kept is counted as skipped, on the document and in the counters.
import { StringDecoder } from 'node:string_decoder';
import type { ProcessEntry } from '../process/index.js';
import type { TtyEvent } from '../sensor/index.js';

export interface TtyOutputOptions {
  /** Bytes kept per process over its life (`--tty-max-bytes-per-process`). */
  maxBytesPerProcess: number;
  /** A batch goes out once its process wrote nothing for this long. */
  quietMs: number;
  /** ... or once it holds this many bytes. */
  flushBytes: number;
}

const EMPTY = Buffer.alloc(0);

export const TTY_DEFAULTS: TtyOutputOptions = {
  maxBytesPerProcess: 512 * 1024,
  quietMs: 500,
  flushBytes: 64 * 1024,
};

/** One flushed batch: what the `text_output` document says. */
export interface TtyBatch {
  entry: ProcessEntry;
  /** The last record of the batch (its header: process, cgroup, time). */
  last: TtyEvent;
  text: string;
  /** Bytes of this batch kept (as written, before UTF-8 repair). */
  captured: number;
  /** Bytes of this batch written but not kept: past a record's size or the per-process cap. */
  skipped: number;
  /** The process has reached its cap (this batch or an earlier one). */
  exceeded: boolean;
  /** Where in the batch bytes were skipped (offset counts the batch's captured bytes before it). */
  gaps: { offset: number; length: number }[];
  major: number;
  minor: number;
}

export interface TtyCounters {
  records: number;
  batches: number;
  bytesCaptured: number;
  bytesSkipped: number;
  /** Processes that reached the cap. */
  processesCapped: number;
}

interface State {
  decoder: StringDecoder;
  parts: string[];
  captured: number;
  skipped: number;
  /** Kept over the process's life (the cap). */
  kept: number;
  exceeded: boolean;
  gaps: { offset: number; length: number }[];
  last: TtyEvent | undefined;
  lastMs: number;
  major: number;
  minor: number;
}

export class TtyOutput {
  readonly counters: TtyCounters = {
    records: 0,
    batches: 0,
    bytesCaptured: 0,
    bytesSkipped: 0,
    processesCapped: 0,
  };
  private readonly open = new Map<ProcessEntry, State>();
  // Per-process cap bookkeeping outlives batches; dropped with the entry (weak).
  private readonly seen = new WeakMap<ProcessEntry, State>();

  constructor(
    private readonly o: TtyOutputOptions,
    private readonly flush: (b: TtyBatch) => void,
  ) {}

  /** One write record of `entry`. `nowMs`: the agent's clock, for the quiet interval. */
  onWrite(entry: ProcessEntry, e: TtyEvent, nowMs: number): void {
    this.counters.records++;
    let s = this.seen.get(entry);
    if (s === undefined) {
      s = {
        decoder: new StringDecoder('utf8'),
        parts: [],
        captured: 0,
        skipped: 0,
        kept: 0,
        exceeded: false,
        gaps: [],
        last: undefined,
        lastMs: nowMs,
        major: e.major,
        minor: e.minor,
      };
      this.seen.set(entry, s);
    }
    if (!this.open.has(entry)) this.open.set(entry, s);
    // The record's data is a view into the frame buffer: decoded (copied) here, now.
    const room = Math.max(0, this.o.maxBytesPerProcess - s.kept);
    const take = Math.min(room, e.data.length);
    if (take > 0) s.parts.push(s.decoder.write(take === e.data.length ? e.data : e.data.subarray(0, take)));
    s.kept += take;
    s.captured += take;
    // Beyond the record (the kernel copies D4C_TTY_MAX bytes of a write) and beyond the cap.
    const skip = e.total - take;
    if (skip > 0) {
      s.skipped += skip;
      // Consecutive skips (past the cap) make one gap; the list stays short.
      const g = s.gaps.at(-1);
      if (g && g.offset === s.captured) g.length += skip;
      else s.gaps.push({ offset: s.captured, length: skip });
    }
    if (!s.exceeded && take < e.data.length) {
      s.exceeded = true;
      this.counters.processesCapped++;
    }
    // Kept for its header only: the frame buffer behind `data` is not held on to.
    e.data = EMPTY;
    s.last = e;
    s.lastMs = nowMs;
    s.major = e.major;
    s.minor = e.minor;
    if (s.captured >= this.o.flushBytes) this.emit(entry, s);
  }

  /** Flushes the batches quiet for `quietMs`; call on a timer. */
  tick(nowMs: number): void {
    for (const [entry, s] of this.open) if (nowMs - s.lastMs >= this.o.quietMs) this.emit(entry, s);
  }

  /** The process exited, or the agent stops: what it wrote goes out now. */
  end(entry: ProcessEntry): void {
    const s = this.open.get(entry);
    if (s) this.emit(entry, s, true);
  }

  flushAll(): void {
    for (const [entry, s] of this.open) this.emit(entry, s, true);
  }

  get pending(): number {
    return this.open.size;
  }

  private emit(entry: ProcessEntry, s: State, final = false): void {
    this.open.delete(entry);
    if (final) s.parts.push(s.decoder.end());
    const text = s.parts.join('');
    s.parts = [];
    const last = s.last;
    if (last === undefined || (text === '' && s.skipped === 0)) return;
    this.counters.batches++;
    this.counters.bytesCaptured += s.captured;
    this.counters.bytesSkipped += s.skipped;
    const b: TtyBatch = {
      entry,
      last,
      text,
      captured: s.captured,
      skipped: s.skipped,
      exceeded: s.exceeded,
      gaps: s.gaps,
      major: s.major,
      minor: s.minor,
    };
    s.captured = 0;
    s.skipped = 0;
    s.gaps = [];
    this.flush(b);
  }
}
