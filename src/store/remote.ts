// The caller's side of the store worker: `write()` does what needs the object — checks,
// serialisation, `@timestamp` and the promoted values (prepare.ts, as in-thread) — and encodes
// documents into columnar messages whose buffers are transferred (columnar.ts); everything
// touching DuckDB runs in the worker (worker.ts). The queue between threads is bounded by
// `maxQueue` documents: beyond it `write()` drops and counts, like the in-thread store.
import { statSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import type { EcsDoc } from '../ecs/index.js';
import { D4cError, startThread } from '../util/index.js';
import { STORE_CODES } from './codes.js';
import { CAP, ColumnEncoder, MAX_BYTES } from './columnar.js';
import { STREAM_NAME } from './core.js';
import type { DocWriter } from './options.js';
import { positive, type StoreOptions, type StoreStats } from './options.js';
import { type PrepareLimits, stringify } from './prepare.js';
import type { CallMethod, FromWorker, Progress, ToWorker, WireError, WorkerInit } from './protocol.js';

function toError(e: WireError): Error {
  return e.code ? new D4cError(e.code, e.message, e.file) : new Error(e.message);
}

export class WorkerStore implements DocWriter {
  private closing: Promise<void> | undefined;
  private dead = false;
  /** The message being filled; posted when full (one data chunk) or at the next setImmediate. */
  private readonly enc = new ColumnEncoder();
  private scheduled = false;
  private sent = 0;
  private remote: Progress;
  private readonly dropped: Record<string, number> = {};
  private readonly fixed: Record<string, number> = {};
  private readonly fixBuf: string[] = [];
  private readonly validStreams = new Set<string>();
  private readonly calls = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private readonly postChunk = () => {
    this.scheduled = false;
    this.post();
  };

  private constructor(
    readonly path: string,
    private readonly worker: Worker,
    first: Progress,
    private readonly maxQueue: number,
    private readonly limits: PrepareLimits,
  ) {
    this.remote = first;
    worker.on('message', (m: FromWorker) => this.onMessage(m));
    worker.on('error', () => {}); // 'exit' follows and accounts for everything
    worker.on('exit', () => this.onExit());
    worker.unref(); // like the in-thread store's timers: only outstanding calls keep the process up
  }

  static async open(o: StoreOptions): Promise<WorkerStore> {
    // Options the caller's side needs are checked here, the rest by the worker's StoreCore.open.
    const maxQueue = positive(o.maxQueue, 200_000, 'maxQueue');
    const limits = {
      maxDocChars: positive(o.maxDocChars, 1 << 20, 'maxDocChars'),
      maxStringChars: positive(o.maxStringChars, 64 << 10, 'maxStringChars'),
    };
    const { worker: _, ...options } = o;
    const worker = startThread(import.meta.url, './worker.js', {
      workerData: { options } satisfies WorkerInit,
    });
    const first = await new Promise<FromWorker>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', (e) =>
        reject(new D4cError(STORE_CODES.cannotOpen.code, `cannot start the store worker: ${e.message}`)),
      );
    });
    if (first.t === 'openError') {
      await worker.terminate();
      throw toError(first.error);
    }
    if (first.t !== 'open')
      throw new D4cError(STORE_CODES.cannotOpen.code, 'the store worker did not open the store');
    return new WorkerStore(first.path, worker, first.progress, maxQueue, limits);
  }

  write(doc: EcsDoc, stream: string): void {
    const json = this.accept(doc, stream);
    if (json === undefined) return;
    const fixed = this.fixBuf;
    try {
      this.enc.add(doc, stream, json, fixed, 0);
    } catch {
      this.drop('internal_error'); // a bug in encoding; the half-written row is overwritten
      fixed.length = 0;
      return;
    } finally {
      this.countFixes();
    }
    if (this.enc.n >= CAP || this.enc.bytes >= MAX_BYTES) this.post();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.postChunk);
    }
  }

  /** The document's JSON, or undefined after counting why it is dropped (same reasons as in-thread). */
  private accept(doc: EcsDoc, stream: string): string | undefined {
    let reason: string;
    if (this.closing !== undefined || this.dead) reason = 'closed';
    else if (!this.validStreams.has(stream) && (typeof stream !== 'string' || !STREAM_NAME.test(stream)))
      reason = 'bad_stream';
    else if (this.pending >= this.maxQueue) reason = 'queue_full';
    else if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) reason = 'not_object';
    else {
      if (!this.validStreams.has(stream) && this.validStreams.size < 10_000) this.validStreams.add(stream);
      try {
        const json = stringify(doc, this.limits, this.fixBuf);
        if (json !== undefined) return json; // its repairs are counted with the document's others
        reason = 'too_large';
      } catch {
        reason = 'unserializable';
      }
      this.countFixes();
    }
    this.drop(reason);
    return undefined;
  }

  private countFixes(): void {
    if (this.fixBuf.length === 0) return;
    for (const f of this.fixBuf) this.fixed[f] = (this.fixed[f] ?? 0) + 1;
    this.fixBuf.length = 0;
  }

  /** Documents accepted and not yet committed or dropped by the worker. */
  get pending(): number {
    return this.sent + this.enc.n - this.remote.processed;
  }

  flush(): Promise<void> {
    if (this.dead) return Promise.resolve(); // everything in flight was counted as dropped
    return this.call('flush', []) as Promise<void>;
  }

  close(): Promise<void> {
    if (this.closing === undefined) {
      this.closing = this.dead
        ? Promise.resolve()
        : (async () => {
            const exited = new Promise((r) => this.worker.once('exit', r));
            this.worker.ref();
            await this.call('close', [], true).catch(() => {});
            await exited; // joined: the worker has closed DuckDB and ended
          })();
    }
    return this.closing;
  }

  stats(): StoreStats {
    const w = this.remote.stats;
    let fileBytes = 0;
    try {
      fileBytes = statSync(this.path).size;
    } catch {}
    return {
      ...w,
      docsDropped: merge(this.dropped, w.docsDropped),
      docsFixed: merge(this.fixed, w.docsFixed),
      flushMs: { ...w.flushMs },
      retention: { ...w.retention },
      queueDepth: this.pending,
      fileBytes,
    };
  }

  /** A store method run by the worker. Calls after close() fail like the in-thread store's. */
  call(method: CallMethod, args: unknown[], closing = false): Promise<unknown> {
    if ((this.closing !== undefined && !closing) || this.dead)
      return Promise.reject(new D4cError(STORE_CODES.closed.code, 'the event store is closed'));
    this.post();
    const id = ++this.nextId;
    const msg: ToWorker = { t: 'call', id, method, args };
    return new Promise((resolve, reject) => {
      this.worker.postMessage(msg); // throws (a rejection) on arguments that cannot be cloned
      this.calls.set(id, { resolve, reject });
      if (this.calls.size === 1) this.worker.ref();
    });
  }

  private post(): void {
    if (this.enc.n === 0 || this.dead) return;
    const { cols, transfer } = this.enc.take();
    const msg: ToWorker = { t: 'cols', cols };
    this.worker.postMessage(msg, transfer); // moved, not copied
    this.sent += cols.n;
  }

  private drop(reason: string, n = 1): void {
    this.dropped[reason] = (this.dropped[reason] ?? 0) + n;
  }

  private onMessage(m: FromWorker): void {
    if (m.t === 'free') {
      this.enc.recycle(m.buffers);
      return;
    }
    if (m.t === 'progress' || m.t === 'reply') this.remote = m.progress;
    if (m.t !== 'reply') return;
    const c = this.calls.get(m.id);
    if (!c) return;
    this.calls.delete(m.id);
    if (this.calls.size === 0 && this.closing === undefined) this.worker.unref(); // close() joins: stays ref'd
    if (m.ok) c.resolve(m.value);
    else c.reject(toError(m.error));
  }

  /** The worker ended: after close() as expected; otherwise whatever was in flight is lost and counted. */
  private onExit(): void {
    if (this.dead) return;
    this.dead = true;
    const lost = this.pending;
    if (lost > 0) this.drop('worker_exit', lost);
    this.sent = this.remote.processed;
    this.enc.reset();
    for (const c of this.calls.values())
      c.reject(new D4cError(STORE_CODES.closed.code, 'the event store is closed (its worker stopped)'));
    this.calls.clear();
  }
}

function merge(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out = { ...b };
  for (const [k, v] of Object.entries(a)) out[k] = (out[k] ?? 0) + v;
  return out;
}
