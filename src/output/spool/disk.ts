// The disk spool: append-only segment files of checksummed records, a read position (what has
// been handed to the remote) and an ack cursor (what the remote has acknowledged), persisted in
// `cursor.json` after each acknowledgement. Bounded by bytes: when full, the oldest segment or
// the newest records are dropped (by configuration) and every dropped record is counted.
// Synchronous file I/O on purpose: appends are batched (a few per second), reads happen once per
// bulk request, and sync calls keep the crash-ordering easy to reason about.

import {
  closeSync,
  existsSync,
  fdatasyncSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { D4cError } from '../../util/diagnostics.js';
import { pidAlive } from '../../util/pid.js';
import { SPOOL_CODES } from './codes.js';
import { decodePayload, parseRecord, type SpoolItem } from './record.js';

export type FullPolicy = 'drop_oldest' | 'drop_newest';

export interface DiskSpoolOptions {
  dir: string;
  /** Bound on the bytes of segment files (default 1 GiB). */
  maxBytes?: number;
  /** Segment size (default maxBytes/8, within 64 KiB–64 MiB): the granularity of drop_oldest. */
  segmentBytes?: number;
  fullPolicy?: FullPolicy;
  /** fdatasync segment appends and the cursor file (default false: the page cache survives kill -9). */
  fsync?: boolean;
}

interface Segment {
  seq: number;
  bytes: number;
  records: number;
  fd: number;
}

export interface Pos {
  seq: number;
  off: number;
}

export interface SpoolBatch {
  items: SpoolItem[];
  bytes: number;
  end: Pos;
}

export interface DiskSpoolStats {
  spoolBytes: number;
  spoolMaxBytes: number;
  segments: number;
  /** Records on disk not yet acknowledged (including those in flight). */
  unacked: number;
  appended: number;
  acked: number;
  /** Dropped records by reason: spool_full_oldest, spool_full_newest, too_large, torn, corrupt. */
  dropped: Record<string, number>;
}

const SEG_RE = /^(\d{16})\.seg$/;
const segName = (seq: number) => `${String(seq).padStart(16, '0')}.seg`;

export class DiskSpool {
  readonly maxBytes: number;
  readonly segmentBytes: number;
  readonly fullPolicy: FullPolicy;
  private readonly fsync: boolean;
  private readonly segs: Segment[] = [];
  private diskBytes = 0;
  private read: Pos & { recs: number } = { seq: 0, off: 0, recs: 0 };
  private cursor: Pos = { seq: 0, off: 0 };
  private ackedRecsInCursorSeg = 0;
  private appended = 0;
  private acked = 0;
  private unackedRecs = 0;
  private readonly dropped: Record<string, number> = {};
  private closed = false;

  constructor(
    readonly dir: string,
    opts: Omit<DiskSpoolOptions, 'dir'> = {},
  ) {
    this.maxBytes = opts.maxBytes ?? 2 ** 30;
    if (!(this.maxBytes >= 4096))
      throw new D4cError(SPOOL_CODES.tooSmall.code, `spool size must be at least 4096 bytes`);
    this.segmentBytes =
      opts.segmentBytes ?? Math.min(64 * 2 ** 20, Math.max(64 * 1024, Math.floor(this.maxBytes / 8)));
    this.fullPolicy = opts.fullPolicy ?? 'drop_oldest';
    this.fsync = opts.fsync ?? false;
    try {
      mkdirSync(dir, { recursive: true, mode: 0o750 });
    } catch (e) {
      throw new D4cError(
        SPOOL_CODES.cannotOpen.code,
        `cannot create spool directory ${dir}: ${(e as Error).message}`,
      );
    }
    this.lock();
    try {
      this.cursor = this.loadCursor();
      this.read = { ...this.cursor, recs: 0 };
      this.recover();
      this.rotate();
    } catch (e) {
      this.unlock();
      if (e instanceof D4cError) throw e;
      throw new D4cError(
        SPOOL_CODES.cannotOpen.code,
        `cannot open spool ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
  }

  /** One process per spool: a lock file with our pid; a dead owner's lock (kill -9) is taken over. */
  private lock(): void {
    const path = join(this.dir, 'spool.lock');
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = openSync(path, 'wx', 0o640);
        writeSync(fd, String(process.pid));
        closeSync(fd);
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new D4cError(
            SPOOL_CODES.cannotOpen.code,
            `cannot lock spool ${this.dir}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
          );
        }
      }
      let owner = Number.NaN;
      try {
        owner = Number(readFileSync(path, 'utf8').trim());
      } catch {}
      if (Number.isSafeInteger(owner) && owner > 0 && owner !== process.pid && pidAlive(owner))
        throw new D4cError(SPOOL_CODES.inUse.code, `spool ${this.dir} is in use by process ${owner}`);
      try {
        unlinkSync(path);
      } catch {}
    }
    throw new D4cError(SPOOL_CODES.inUse.code, `spool ${this.dir} is locked`);
  }

  private unlock(): void {
    try {
      unlinkSync(join(this.dir, 'spool.lock'));
    } catch {}
  }

  private loadCursor(): Pos {
    const p = join(this.dir, 'cursor.json');
    if (!existsSync(p)) return { seq: 0, off: 0 };
    try {
      const c = JSON.parse(readFileSync(p, 'utf8')) as Partial<Pos>;
      if (Number.isSafeInteger(c.seq) && Number.isSafeInteger(c.off))
        return { seq: c.seq as number, off: c.off as number };
    } catch {
      // An unreadable cursor (never expected: it is replaced by rename) means replay from the start;
      // the remote's _id scheme absorbs the duplicates.
    }
    this.bump('cursor_reset');
    return { seq: 0, off: 0 };
  }

  /** Scans existing segments: counts records, truncates a torn tail, drops acknowledged segments. */
  private recover(): void {
    const seqs = readdirSync(this.dir)
      .map((n) => SEG_RE.exec(n))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    for (const seq of seqs) {
      const path = join(this.dir, segName(seq));
      if (seq < this.cursor.seq) {
        unlinkSync(path);
        continue;
      }
      const buf = readFileSync(path);
      let off = 0;
      let records = 0;
      let before = 0;
      while (off < buf.length) {
        const r = parseRecord(buf, off);
        if (r.kind !== 'record') {
          // A crash mid-append leaves a partial record (incomplete) or garbage: cut it off.
          this.bump(r.kind === 'incomplete' ? 'torn' : 'corrupt');
          break;
        }
        if (seq === this.cursor.seq && off < this.cursor.off) before++;
        off += r.size;
        records++;
      }
      const fd = openSync(path, 'r+');
      if (off < buf.length) ftruncateSync(fd, off);
      this.segs.push({ seq, bytes: off, records, fd });
      this.diskBytes += off;
      if (seq === this.cursor.seq) this.ackedRecsInCursorSeg = before;
    }
    const first = this.segs[0];
    if (!first || first.seq > this.cursor.seq) this.cursor = { seq: first?.seq ?? 0, off: 0 };
    const cur = this.segs[0];
    if (cur && cur.seq === this.cursor.seq && this.cursor.off > cur.bytes) this.cursor.off = cur.bytes;
    if (!cur || cur.seq !== this.cursor.seq) this.ackedRecsInCursorSeg = 0;
    this.read = { ...this.cursor, recs: this.ackedRecsInCursorSeg };
    this.unackedRecs = this.segs.reduce((n, s) => n + s.records, 0) - this.ackedRecsInCursorSeg;
  }

  private get writeSeg(): Segment {
    return this.segs[this.segs.length - 1] as Segment;
  }

  private rotate(): void {
    const seq = (this.segs[this.segs.length - 1]?.seq ?? this.cursor.seq) + 1;
    const fd = openSync(join(this.dir, segName(seq)), 'a+', 0o640);
    this.segs.push({ seq, bytes: 0, records: 0, fd });
  }

  private bump(reason: string, n = 1): void {
    this.dropped[reason] = (this.dropped[reason] ?? 0) + n;
  }

  /** Deletes the oldest segment; its records not yet handed to the remote are dropped and counted. */
  private dropOldest(): boolean {
    if (this.segs.length < 2) {
      if (this.writeSeg.bytes === 0) return false;
      this.rotate();
    }
    const seg = this.segs.shift() as Segment;
    let lost = 0;
    if (this.read.seq < seg.seq) lost = seg.records;
    else if (this.read.seq === seg.seq) lost = seg.records - this.read.recs;
    // Records already read stay in flight and are acknowledged normally; the rest are lost.
    if (lost > 0) this.bump('spool_full_oldest', lost);
    this.unackedRecs -= lost;
    const next = this.segs[0] as Segment;
    if (this.read.seq <= seg.seq) this.read = { seq: next.seq, off: 0, recs: 0 };
    this.diskBytes -= seg.bytes;
    closeSync(seg.fd);
    unlinkSync(join(this.dir, segName(seg.seq)));
    return true;
  }

  /** Appends framed records (encodeRecord); returns how many were stored (the rest are counted drops). */
  append(records: readonly Buffer[]): number {
    if (this.closed) throw new D4cError(SPOOL_CODES.closed.code, 'spool is closed');
    const chunks: Buffer[] = [];
    let chunkBytes = 0;
    let stored = 0;
    const flushChunks = () => {
      if (chunks.length === 0) return;
      const buf = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, chunkBytes);
      const seg = this.writeSeg;
      let o = 0;
      while (o < buf.length) o += writeSync(seg.fd, buf, o, buf.length - o, seg.bytes + o);
      seg.bytes += buf.length;
      if (this.fsync) fdatasyncSync(seg.fd);
      chunks.length = 0;
      chunkBytes = 0;
    };
    for (const rec of records) {
      if (rec.length > this.maxBytes / 2) {
        this.bump('too_large');
        continue;
      }
      if (this.diskBytes + rec.length > this.maxBytes) {
        if (this.fullPolicy === 'drop_newest') {
          this.bump('spool_full_newest');
          continue;
        }
        flushChunks();
        while (this.diskBytes + rec.length > this.maxBytes && this.dropOldest()) {}
        if (this.diskBytes + rec.length > this.maxBytes) {
          this.bump('spool_full_oldest');
          continue;
        }
      }
      if (
        this.writeSeg.bytes + chunkBytes > 0 &&
        this.writeSeg.bytes + chunkBytes + rec.length > this.segmentBytes
      ) {
        flushChunks();
        this.rotate();
      }
      chunks.push(rec);
      chunkBytes += rec.length;
      this.writeSeg.records++;
      this.diskBytes += rec.length;
      stored++;
    }
    flushChunks();
    this.appended += stored;
    this.unackedRecs += stored;
    return stored;
  }

  /**
   * Reads the next batch after the read position, or undefined if none. A batch never spans
   * segments, so the records acknowledged in the cursor's segment are known exactly.
   */
  readBatch(maxDocs: number, maxBytes: number): SpoolBatch | undefined {
    for (;;) {
      const idx = this.segs.findIndex((s) => s.seq === this.read.seq);
      const seg = idx >= 0 ? (this.segs[idx] as Segment) : this.segs.find((s) => s.seq > this.read.seq);
      if (!seg) return undefined;
      if (idx < 0) this.read = { seq: seg.seq, off: 0, recs: 0 };
      if (this.read.off < seg.bytes) return this.readFrom(seg, maxDocs, maxBytes);
      if (seg === this.writeSeg) return undefined;
      const next = this.segs[this.segs.indexOf(seg) + 1] as Segment;
      this.read = { seq: next.seq, off: 0, recs: 0 };
    }
  }

  private readFrom(seg: Segment, maxDocs: number, maxBytes: number): SpoolBatch | undefined {
    const items: SpoolItem[] = [];
    let bytes = 0;
    while (items.length < maxDocs && bytes < maxBytes && this.read.off < seg.bytes) {
      const want = Math.min(seg.bytes - this.read.off, Math.max(maxBytes - bytes, 64 * 1024));
      let buf = Buffer.allocUnsafe(want);
      buf = buf.subarray(0, readSync(seg.fd, buf, 0, want, this.read.off));
      let off = 0;
      while (off < buf.length && items.length < maxDocs && bytes < maxBytes) {
        const r = parseRecord(buf, off);
        if (r.kind === 'incomplete') {
          if (off > 0) break; // the outer loop reads on from this record
          // One record larger than the chunk: read it whole.
          const len = buf.length >= 4 ? buf.readUInt32LE(0) + 8 : 8;
          if (len > seg.bytes - this.read.off || len <= buf.length) {
            this.corruptRest(seg);
            break;
          }
          buf = Buffer.allocUnsafe(len);
          buf = buf.subarray(0, readSync(seg.fd, buf, 0, len, this.read.off));
          continue;
        }
        if (r.kind === 'bad') {
          this.corruptRest(seg);
          break;
        }
        items.push(decodePayload(r.payload));
        bytes += r.size;
        off += r.size;
        this.read.off += r.size;
        this.read.recs++;
      }
    }
    if (items.length === 0) return undefined;
    return { items, bytes, end: { seq: this.read.seq, off: this.read.off } };
  }

  /** The rest of a segment is unreadable (disk corruption): skip it, counting its records. */
  private corruptRest(seg: Segment): void {
    const lost = seg.records - this.read.recs;
    this.bump('corrupt', Math.max(1, lost));
    this.unackedRecs -= Math.max(0, lost);
    this.read.off = seg.bytes;
    this.read.recs = seg.records;
  }

  /** Records the remote's acknowledgement of a batch (its `end` and record count); persists the cursor. */
  ack(end: Pos, records: number): void {
    if (this.closed) return;
    const first = this.segs[0] as Segment;
    if (end.seq < first.seq) {
      // The batch's segment was dropped (spool full) while it was in flight.
      this.cursor = { seq: first.seq, off: 0 };
      this.ackedRecsInCursorSeg = 0;
    } else {
      this.ackedRecsInCursorSeg = end.seq === this.cursor.seq ? this.ackedRecsInCursorSeg + records : records;
      this.cursor = { ...end };
    }
    this.acked += records;
    this.unackedRecs = Math.max(0, this.unackedRecs - records);
    this.persistCursor();
    while (this.segs.length > 1) {
      const s = this.segs[0] as Segment;
      if (s.seq > this.cursor.seq || (s.seq === this.cursor.seq && this.cursor.off < s.bytes)) break;
      this.segs.shift();
      this.diskBytes -= s.bytes;
      closeSync(s.fd);
      unlinkSync(join(this.dir, segName(s.seq)));
    }
  }

  private persistCursor(): void {
    const tmp = join(this.dir, 'cursor.json.tmp');
    const fd = openSync(tmp, 'w', 0o640);
    writeSync(fd, JSON.stringify(this.cursor));
    if (this.fsync) fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, join(this.dir, 'cursor.json'));
  }

  /** Nothing on disk beyond the read position. */
  get caughtUp(): boolean {
    const w = this.writeSeg;
    return this.read.seq === w.seq && this.read.off >= w.bytes;
  }

  /** Forget the read position: the next batch starts at the ack cursor again (a batch was abandoned). */
  rewind(): void {
    const first = this.segs[0] as Segment;
    if (this.cursor.seq < first.seq) this.read = { seq: first.seq, off: 0, recs: 0 };
    else this.read = { ...this.cursor, recs: this.ackedRecsInCursorSeg };
  }

  stats(): DiskSpoolStats {
    return {
      spoolBytes: this.diskBytes,
      spoolMaxBytes: this.maxBytes,
      segments: this.segs.length,
      unacked: this.unackedRecs,
      appended: this.appended,
      acked: this.acked,
      dropped: { ...this.dropped },
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.segs) closeSync(s.fd);
    // An empty write segment is no use to the next run (it opens a new one).
    const w = this.writeSeg;
    if (w && w.bytes === 0) unlinkSync(join(this.dir, segName(w.seq)));
    this.unlock();
  }
}
