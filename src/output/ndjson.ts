// NDJSON output: one document per line, to a file (appended) or to stdout ('-').
// Documents are serialised on write (cheap, and the caller may reuse its objects) and
// written in batches: at least once a second, whenever the buffer passes a size bound,
// and synchronously on close so that SIGINT/SIGTERM lose nothing already accepted.

import { closeSync, writeSync } from 'node:fs';
import { openOutputFile } from '../util/index.js';

export interface NdjsonOptions {
  /** Flush period in milliseconds (default 1000: the agent's contract is "at least once a second"). */
  flushMs?: number;
  /** Flush early once this many bytes are buffered (default 1 MiB). */
  maxBufferBytes?: number;
}

export interface NdjsonStats {
  docs: number;
  bytes: number;
  flushes: number;
  writeErrors: number;
  /** Documents accepted but not written because the destination failed. */
  dropped: number;
}

export class NdjsonOutput {
  private readonly fd: number;
  private readonly ownsFd: boolean;
  private chunks: string[] = [];
  private pendingBytes = 0;
  private pendingDocs = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly maxBufferBytes: number;
  readonly stats: NdjsonStats = { docs: 0, bytes: 0, flushes: 0, writeErrors: 0, dropped: 0 };

  constructor(
    readonly path: string,
    opts: NdjsonOptions = {},
  ) {
    this.maxBufferBytes = opts.maxBufferBytes ?? 1 << 20;
    if (path === '-') {
      this.fd = 1;
      this.ownsFd = false;
    } else {
      // 0600; never through a symlink planted in a shared directory (src/util/safe-open.ts).
      this.fd = openOutputFile(path, 'append');
      this.ownsFd = true;
    }
    this.timer = setInterval(() => this.flush(), opts.flushMs ?? 1000);
    this.timer.unref();
  }

  write(doc: unknown): void {
    if (this.closed) {
      this.stats.dropped++;
      return;
    }
    this.writeLine(JSON.stringify(doc));
  }

  /** Queues one already serialised document (no newline). */
  writeLine(text: string): void {
    if (this.closed) {
      this.stats.dropped++;
      return;
    }
    const line = `${text}\n`;
    this.chunks.push(line);
    this.pendingBytes += line.length;
    this.pendingDocs++;
    if (this.pendingBytes >= this.maxBufferBytes) this.flush();
  }

  /** Documents accepted and not yet written. */
  get pending(): number {
    return this.pendingDocs;
  }

  /** Writes everything buffered. Synchronous: a flush that returns has reached the kernel. */
  flush(): void {
    if (this.chunks.length === 0) return;
    const data = Buffer.from(this.chunks.join(''), 'utf8');
    const docs = this.pendingDocs;
    this.chunks = [];
    this.pendingBytes = 0;
    this.pendingDocs = 0;
    try {
      let off = 0;
      while (off < data.length) off += writeSync(this.fd, data, off, data.length - off);
      this.stats.docs += docs;
      this.stats.bytes += data.length;
      this.stats.flushes++;
    } catch {
      this.stats.writeErrors++;
      this.stats.dropped += docs;
    }
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.ownsFd) closeSync(this.fd);
  }
}
