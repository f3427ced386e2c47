// Where the agent's served queries run (issue 22, finding 3): their JavaScript (parsing stored
// documents, KQL/EQL matching, the ES|QL in-memory evaluator, formatting the output) runs in a
// worker thread with a heap limit, and a deadline that terminates it — a query that loops or
// grows without end is stopped there, never on the agent's thread, which also drains the sensor
// and decides enforcement.
// The store's reads stay here, on the thread that owns the store: the store opens DuckDB
// in-memory and ATTACHes the file, so another thread cannot share that instance, and two
// instances on one file are not safe. DuckDB runs each read on its own threads; this thread
// only passes a page of rows (at most pageSize documents) to the worker, then yields.
import type { Worker } from 'node:worker_threads';
import type { EventStore, StoreRunInfo } from '../store/index.js';
import { D4cError, startThread } from '../util/index.js';
import { QUERY_CODES } from './codes.js';
import { type WireError, wireError } from './socket.js';
import type { FromThread, ThreadInit, ThreadJob, ToThread } from './thread-protocol.js';

/** The worker's heap limit (V8 old generation), MB: a fallback of 10,000 documents needs a few tens. */
export const DEFAULT_QUERY_HEAP_MB = 256;

/** Longest a worker may take to load (from source under load it takes a few seconds). */
const START_MS = 60_000;

export interface QueryThreadOptions {
  /** Heap limit of the query worker, MB (default DEFAULT_QUERY_HEAP_MB). */
  maxHeapMb?: number;
  /** An idle worker ends after this long (default: it stays); the next query starts another. */
  idleMs?: number;
  /** Test-only: the first worker spins after its first read (ThreadInit.testSpin). */
  testSpin?: boolean;
}

export type Outcome =
  | { ok: true; info: StoreRunInfo | null }
  | { ok: false; error: WireError; why: 'failed' | 'timeout' | 'memory' };

export interface ThreadIo {
  /** Output text (whole lines), in order. */
  write(text: string): void;
  /** Resolves when the worker may read its next page (the client has read enough). */
  pace(): Promise<void>;
}

export interface Running {
  /** The answer: the end, a failure, or the deadline (then the worker is being terminated). */
  answer: Promise<Outcome>;
  /** Settles when the query has stopped: its worker idle or ended, none of its reads in flight. */
  stopped: Promise<void>;
  /** The client went away: the query stops at its next read or page, or at its deadline. */
  cancel(): void;
}

export class QueryThreads {
  private worker: Worker | undefined;
  private closed = false;
  private readonly ready = new WeakMap<Worker, Promise<void>>();
  private idle: NodeJS.Timeout | undefined;
  private readonly heapMb: number;
  /** Workers started; queries stopped at their deadline or their heap limit. */
  readonly counts = { started: 0, terminated: 0, outOfMemory: 0 };

  constructor(
    private readonly store: Pick<EventStore, 'sql'>,
    private readonly o: QueryThreadOptions = {},
  ) {
    this.heapMb = o.maxHeapMb ?? DEFAULT_QUERY_HEAP_MB;
  }

  private start(): Worker {
    const init: ThreadInit = this.o.testSpin && this.counts.started === 0 ? { testSpin: true } : {};
    const w = startThread(import.meta.url, './thread.js', {
      workerData: init,
      resourceLimits: { maxOldGenerationSizeMb: this.heapMb },
    });
    this.counts.started++;
    w.on('error', () => {}); // each run reads it from 'exit'; unheard it would throw here
    w.once('exit', () => {
      if (this.worker === w) this.worker = undefined;
    });
    w.unref(); // an idle worker does not keep the process up
    this.ready.set(
      w,
      new Promise<void>((resolve) => {
        const onReady = (m: FromThread) => {
          if (m.t !== 'ready') return;
          w.off('message', onReady);
          resolve();
        };
        w.on('message', onReady);
      }),
    );
    this.worker = w;
    return w;
  }

  /** Starts the worker now, so that the next query does not wait for it. */
  warm(): void {
    if (!this.worker && !this.closed) this.start();
  }

  private stop(w: Worker): Promise<unknown> {
    if (this.worker === w) this.worker = undefined;
    return w.terminate();
  }

  /** Runs one query (the caller runs one at a time). */
  run(job: ThreadJob, io: ThreadIo, deadlineMs: number): Running {
    clearTimeout(this.idle);
    const w = this.worker ?? this.start();
    const reads = new Set<Promise<void>>();
    let ended = false;
    let killed: Promise<unknown> | undefined;
    let failure: (Error & { code?: string }) | undefined;
    let settle!: (o: Outcome) => void;
    const answer = new Promise<Outcome>((r) => {
      settle = r;
    });
    const post = (m: ToThread) => {
      if (!ended) w.postMessage(m);
    };
    const finish = (o: Outcome, terminate: boolean) => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      w.off('message', onMessage).off('error', onError).off('exit', onExit);
      if (terminate) {
        this.counts.terminated++;
        killed = this.stop(w).then(() => this.warm()); // the next query finds one ready
      } else if (this.worker === w) this.idleLater(w);
      settle(o);
    };
    const fail = (code: string, message: string, why: 'timeout' | 'memory' | 'failed') => ({
      ok: false as const,
      error: wireError(new D4cError(code, message)),
      why,
    });
    // A client that went away stops its query at the worker's next read or page (the deadline
    // still bounds it): terminating would cost the next query a worker start.
    let gone = false;
    const GONE = { code: QUERY_CODES.clientGone.code, message: 'the client went away' };
    const onMessage = (m: FromThread) => {
      if (gone && (m.t === 'sql' || m.t === 'pace')) {
        post({ t: 'refused', id: m.id, error: GONE });
        return;
      }
      switch (m.t) {
        case 'sql': {
          const p = this.store.sql(m.text, m.params).then(
            (rows) => post({ t: 'rows', id: m.id, rows }),
            (e: unknown) => post({ t: 'refused', id: m.id, error: storeError(e) }),
          );
          reads.add(p);
          void p.finally(() => reads.delete(p));
          return;
        }
        case 'pace':
          io.pace().then(() => post({ t: 'paced', id: m.id }));
          return;
        case 'out':
          if (!ended) io.write(m.text);
          return;
        case 'done':
          finish({ ok: true, info: m.info }, false);
          return;
        case 'error':
          finish({ ok: false, error: m.error, why: 'failed' }, false);
      }
    };
    const onError = (e: Error) => {
      failure = e;
    };
    const onExit = () => {
      if (failure?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        this.counts.outOfMemory++;
        this.warm();
        finish(
          fail(
            QUERY_CODES.outOfMemory.code,
            `the query needed more than the ${this.heapMb} MB of memory a served query may use; it was stopped`,
            'memory',
          ),
          false,
        );
      } else
        finish(
          fail(
            QUERY_CODES.workerFailed.code,
            `the query worker stopped: ${failure?.message ?? 'it exited'}`,
            'failed',
          ),
          false,
        );
    };
    w.on('message', onMessage).on('error', onError).on('exit', onExit);
    const expire = () =>
      setTimeout(
        () =>
          finish(fail(QUERY_CODES.timeout.code, `query timed out after ${deadlineMs} ms`, 'timeout'), true),
        deadlineMs,
      );
    // The deadline bounds the query's own work, from when the worker can run it (starting one
    // loads d4c's query code: seconds from source; the server starts it ahead of the first query
    // and again after one is stopped). A worker that does not start at all is bounded too.
    let timer = setTimeout(
      () =>
        finish(
          fail(
            QUERY_CODES.workerFailed.code,
            `the query worker stopped: not started within ${START_MS} ms`,
            'failed',
          ),
          true,
        ),
      START_MS,
    );
    void this.ready.get(w)?.then(() => {
      if (ended) return;
      clearTimeout(timer);
      timer = expire();
      w.postMessage({ t: 'run', job } satisfies ToThread);
    });
    return {
      answer,
      stopped: answer.then(async () => {
        await killed;
        // A read in flight when the worker was stopped still holds DuckDB: the slot waits for it.
        while (reads.size > 0) await Promise.allSettled([...reads]);
      }),
      cancel: () => {
        gone = true;
      },
    };
  }

  private idleLater(w: Worker): void {
    if (this.o.idleMs === undefined) return;
    this.idle = setTimeout(() => {
      if (this.worker === w) void this.stop(w);
    }, this.o.idleMs);
    this.idle.unref();
  }

  /** Ends the worker (the server closes). */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idle);
    const w = this.worker;
    this.worker = undefined;
    await w?.terminate();
  }
}

function storeError(e: unknown): { code?: string; message: string; file?: string } {
  if (e instanceof D4cError) return { code: e.code, message: e.message, ...(e.file ? { file: e.file } : {}) };
  return { message: e instanceof Error ? e.message : String(e) };
}
