// SpoolOutput: the Output the agent writes to for a remote destination. write() serialises the
// document and queues it in memory; at least every `flushIntervalMs` (default 250 ms, so an
// emitted event is in the spool file within a second) the queue is appended to the disk spool.
// A delivery loop reads batches from the spool, hands them to the remote sender, retries with
// exponential backoff and jitter, dead-letters permanent per-item failures, and acknowledges
// the batch (moving the persisted cursor) only when every item is stored or dead-lettered.

import { createHash } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import type { EcsDoc } from '../../ecs/index.js';
import type { Output, OutputStats } from '../output.js';
import { DiskSpool, type DiskSpoolOptions, type DiskSpoolStats, type SpoolBatch } from './disk.js';
import { encodeRecord, type SpoolItem } from './record.js';

/** A permanent per-item failure: the item goes to the dead-letter file with this reason. */
export interface DeadItem {
  item: SpoolItem;
  status: number;
  reason: string;
}

export interface SendOutcome {
  /** Items the remote stored (a duplicate create counts: the _id scheme made it idempotent). */
  stored: number;
  /** Of which were already there (409 on create). */
  duplicates: number;
  /** Transient per-item failures: sent again after a backoff. */
  retry: SpoolItem[];
  dead: DeadItem[];
}

/** A remote destination: the spool calls prepare() until it succeeds, then send() per batch. */
export interface RemoteSender {
  readonly name: string;
  /** One-time setup (templates); retried with backoff until it resolves. */
  prepare(signal: AbortSignal): Promise<void>;
  /** Sends one batch. Throws on whole-request failures (all retried); resolves with per-item results. */
  send(items: readonly SpoolItem[], signal: AbortSignal): Promise<SendOutcome>;
  /** Error text safe to log and expose (secrets removed). */
  describeError(e: unknown): string;
  close(): Promise<void>;
}

export interface SpoolOutputOptions extends DiskSpoolOptions {
  sender: RemoteSender;
  /** Documents per batch (default 1000). */
  batchMaxDocs?: number;
  /** Bytes per batch (default 5 MiB). */
  batchMaxBytes?: number;
  /** How often queued documents are appended to the spool (default 250 ms). */
  flushIntervalMs?: number;
  /** In-memory bytes that trigger an early append (default 4 MiB). */
  maxPendingBytes?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** NDJSON file for permanent failures (default DIR/dead-letter.ndjson). */
  deadLetterFile?: string;
  /** How long close() keeps delivering before leaving the rest in the spool (default 5000 ms). */
  closeTimeoutMs?: number;
  /** Called with redacted error text when a send fails (the agent logs it). */
  onError?: (message: string) => void;
}

export interface SpoolOutputStats extends OutputStats {
  output: string;
  spool: DiskSpoolStats;
  spoolBytes: number;
  docsDuplicate: number;
  deadLetters: number;
  batchesSent: number;
  batchesRetried: number;
  batchesFailed: number;
  itemsRetried: number;
  lastError: string | undefined;
  lastSuccessMs: number | undefined;
  consecutiveFailures: number;
}

const MAX_ID_BYTES = 512;
const ID_SAFE = /^[^\n]+$/;

/** The remote _id of a document: its `event.id`, else a hash of its JSON (also idempotent). */
export function docId(doc: EcsDoc, body: string): string {
  const ev = doc.event as { id?: unknown } | undefined;
  const id = ev && typeof ev === 'object' ? ev.id : undefined;
  if (typeof id === 'string' && id.length > 0 && ID_SAFE.test(id) && Buffer.byteLength(id) <= MAX_ID_BYTES)
    return id;
  return createHash('sha256').update(body).digest('base64url');
}

export function backoffDelay(attempt: number, initialMs: number, maxMs: number, rand = Math.random): number {
  const cap = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  // "Equal jitter": at least half the exponential delay, so a fleet never hammers in lockstep.
  return cap / 2 + rand() * (cap / 2);
}

export class SpoolOutput implements Output {
  private readonly disk: DiskSpool;
  private readonly sender: RemoteSender;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly abort = new AbortController();
  private wake: (() => void) | undefined;
  private readonly loopDone: Promise<void>;
  private inFlight = 0;
  private closed = false;
  private readonly drainWaiters: (() => void)[] = [];
  private readonly o: Required<
    Pick<
      SpoolOutputOptions,
      | 'batchMaxDocs'
      | 'batchMaxBytes'
      | 'maxPendingBytes'
      | 'backoffInitialMs'
      | 'backoffMaxMs'
      | 'closeTimeoutMs'
    >
  >;
  private readonly deadLetterFile: string;
  private readonly s = {
    docsWritten: 0,
    docsDuplicate: 0,
    deadLetters: 0,
    batchesSent: 0,
    batchesRetried: 0,
    batchesFailed: 0,
    itemsRetried: 0,
    lastError: undefined as string | undefined,
    lastSuccessMs: undefined as number | undefined,
    consecutiveFailures: 0,
    prepared: false,
  };
  private readonly dropped: Record<string, number> = {};

  constructor(private readonly opts: SpoolOutputOptions) {
    this.disk = new DiskSpool(opts.dir, opts);
    this.sender = opts.sender;
    this.o = {
      batchMaxDocs: opts.batchMaxDocs ?? 1000,
      batchMaxBytes: opts.batchMaxBytes ?? 5 * 2 ** 20,
      maxPendingBytes: opts.maxPendingBytes ?? 4 * 2 ** 20,
      backoffInitialMs: opts.backoffInitialMs ?? 250,
      backoffMaxMs: opts.backoffMaxMs ?? 30_000,
      closeTimeoutMs: opts.closeTimeoutMs ?? 5000,
    };
    this.deadLetterFile = opts.deadLetterFile ?? `${opts.dir}/dead-letter.ndjson`;
    this.timer = setInterval(() => this.spill(), opts.flushIntervalMs ?? 250);
    this.timer.unref();
    this.loopDone = this.loop();
  }

  write(doc: EcsDoc, stream: string): void {
    if (this.closed) {
      this.drop('closed');
      return;
    }
    let body: string | undefined;
    try {
      body = JSON.stringify(doc);
    } catch {
      body = undefined;
    }
    if (typeof body !== 'string') {
      this.drop('unserializable');
      return;
    }
    const rec = encodeRecord({ stream, id: docId(doc, body), body });
    this.pending.push(rec);
    this.pendingBytes += rec.length;
    if (this.pendingBytes >= this.o.maxPendingBytes) this.spill();
  }

  private drop(reason: string, n = 1): void {
    this.dropped[reason] = (this.dropped[reason] ?? 0) + n;
  }

  /** Appends the in-memory queue to the spool file. */
  private spill(): void {
    if (this.pending.length === 0) return;
    const recs = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    try {
      this.disk.append(recs);
    } catch (e) {
      this.drop('spool_error', recs.length);
      this.s.lastError = `spool: ${(e as Error).message}`;
    }
    this.wake?.();
  }

  /** Resolves when everything written before the call is in the spool file (or counted as dropped). */
  async flush(): Promise<void> {
    this.spill();
  }

  /** Resolves when everything written so far has been acknowledged by the remote (or timeout). */
  async drain(timeoutMs = 60_000): Promise<boolean> {
    this.spill();
    if (this.isDrained()) return true;
    return new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs);
      this.drainWaiters.push(() => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }

  private isDrained(): boolean {
    return this.pending.length === 0 && this.inFlight === 0 && this.disk.caughtUp;
  }

  private sleep(ms: number): Promise<void> {
    const signal = this.abort.signal;
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const done = () => {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const t = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private failed(e: unknown, attempt: number): Promise<void> {
    this.s.batchesFailed++;
    this.s.consecutiveFailures++;
    this.s.lastError = this.sender.describeError(e);
    this.opts.onError?.(this.s.lastError);
    return this.sleep(backoffDelay(attempt, this.o.backoffInitialMs, this.o.backoffMaxMs));
  }

  private async loop(): Promise<void> {
    const signal = this.abort.signal;
    let attempt = 0;
    while (!signal.aborted && !this.s.prepared) {
      try {
        await this.sender.prepare(signal);
        this.s.prepared = true;
      } catch (e) {
        if (signal.aborted) return;
        await this.failed(e, attempt++);
      }
    }
    while (!signal.aborted) {
      try {
        if (!(await this.step())) return;
      } catch (e) {
        // A spool I/O error (EIO, ENOSPC on the cursor): keep the loop alive, report, back off.
        this.inFlight = 0;
        this.disk.rewind();
        await this.failed(e, attempt++);
      }
    }
  }

  /** One batch: read, deliver, acknowledge. False when closing mid-batch. */
  private async step(): Promise<boolean> {
    const signal = this.abort.signal;
    const batch = this.disk.readBatch(this.o.batchMaxDocs, this.o.batchMaxBytes);
    if (!batch) {
      for (const w of this.drainWaiters.splice(0)) w();
      await new Promise<void>((resolve) => {
        const done = () => {
          signal.removeEventListener('abort', done);
          this.wake = undefined;
          resolve();
        };
        this.wake = done;
        signal.addEventListener('abort', done, { once: true });
      });
      return true;
    }
    this.inFlight = batch.items.length;
    const done = await this.deliver(batch);
    this.inFlight = 0;
    if (!done) {
      this.disk.rewind(); // closing mid-batch: the batch stays in the spool for the next run
      return false;
    }
    this.disk.ack(batch.end, batch.items.length);
    return true;
  }

  /** Sends a batch until every item is stored or dead-lettered; false if aborted first. */
  private async deliver(batch: SpoolBatch): Promise<boolean> {
    const signal = this.abort.signal;
    let items: readonly SpoolItem[] = batch.items;
    let attempt = 0;
    while (items.length > 0) {
      if (signal.aborted) return false;
      let out: SendOutcome;
      try {
        out = await this.sender.send(items, signal);
      } catch (e) {
        if (signal.aborted) return false;
        this.s.batchesRetried++;
        await this.failed(e, attempt++);
        continue;
      }
      this.s.batchesSent++;
      this.s.consecutiveFailures = 0;
      this.s.lastSuccessMs = Date.now();
      this.s.docsWritten += out.stored;
      this.s.docsDuplicate += out.duplicates;
      if (out.dead.length > 0) this.deadLetter(out.dead);
      items = out.retry;
      if (items.length > 0) {
        this.s.batchesRetried++;
        this.s.itemsRetried += items.length;
        await this.sleep(backoffDelay(attempt++, this.o.backoffInitialMs, this.o.backoffMaxMs));
      }
    }
    return true;
  }

  private deadLetter(dead: readonly DeadItem[]): void {
    let text = '';
    const now = new Date().toISOString();
    for (const d of dead) {
      text += `{"@timestamp":${JSON.stringify(now)},"output":${JSON.stringify(this.sender.name)},"stream":${JSON.stringify(d.item.stream)},"id":${JSON.stringify(d.item.id)},"status":${d.status},"reason":${JSON.stringify(d.reason)},"doc":${d.item.body}}\n`;
    }
    try {
      appendFileSync(this.deadLetterFile, text, { mode: 0o640 });
      this.s.deadLetters += dead.length;
    } catch (e) {
      // The dead-letter file itself failed: the documents are lost, and counted as such.
      this.drop('dead_letter_error', dead.length);
      this.s.lastError = `dead-letter file: ${(e as Error).message}`;
    }
  }

  health(): { ok: boolean; reason?: string } {
    if (this.closed) return { ok: false, reason: `${this.sender.name}: closed` };
    if (this.s.consecutiveFailures >= 3)
      return {
        ok: false,
        reason: `${this.sender.name}: ${this.s.consecutiveFailures} failed attempts: ${this.s.lastError}`,
      };
    return { ok: true };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.spill();
    this.closed = true;
    clearInterval(this.timer);
    await this.drain(this.o.closeTimeoutMs);
    this.abort.abort();
    await this.loopDone;
    this.disk.close();
    await this.sender.close();
  }

  stats(): SpoolOutputStats {
    const spool = this.disk.stats();
    const docsDropped: Record<string, number> = { ...this.dropped };
    for (const [k, v] of Object.entries(spool.dropped)) docsDropped[k] = (docsDropped[k] ?? 0) + v;
    return {
      output: this.sender.name,
      docsWritten: this.s.docsWritten,
      docsDropped,
      queueDepth: this.pending.length + spool.unacked,
      spool,
      spoolBytes: spool.spoolBytes,
      docsDuplicate: this.s.docsDuplicate,
      deadLetters: this.s.deadLetters,
      batchesSent: this.s.batchesSent,
      batchesRetried: this.s.batchesRetried,
      batchesFailed: this.s.batchesFailed,
      itemsRetried: this.s.itemsRetried,
      lastError: this.s.lastError,
      lastSuccessMs: this.s.lastSuccessMs,
      consecutiveFailures: this.s.consecutiveFailures,
    };
  }
}
