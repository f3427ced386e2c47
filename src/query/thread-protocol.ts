// Messages between the query server (serve.ts, through query-thread.ts) and its query worker
// (thread.ts). The worker runs the query's JavaScript; every store read goes through the server,
// which owns the store (see query-thread.ts on why).
import type { AggregateRow, StoreRunInfo } from '../store/index.js';
import type { WireError, WireRequest } from './socket.js';

/** A query as the worker runs it: the client's request and the server's bounds. */
export interface ThreadJob {
  req: WireRequest;
  pageSize: number;
  fallbackMaxDocs: number;
}

export interface ThreadInit {
  /**
   * Test-only: after its first store read the worker spins without yielding, as a query stuck
   * in its own computation would (query-thread.test.ts checks that the deadline stops it).
   */
  testSpin?: boolean;
}

export type SqlParams = (string | number | boolean | bigint | null)[];

export type ToThread =
  | { t: 'run'; job: ThreadJob }
  | { t: 'rows'; id: number; rows: AggregateRow[] }
  /** A read or a pace refused: the store's error, or the client went away. */
  | { t: 'refused'; id: number; error: { code?: string; message: string; file?: string } }
  | { t: 'paced'; id: number };

export type FromThread =
  /** Loaded: the query's deadline starts when the worker can run it. */
  | { t: 'ready' }
  | { t: 'sql'; id: number; text: string; params: SqlParams }
  /** Before each page: answered when the client has read enough of the output. */
  | { t: 'pace'; id: number }
  /** Output lines, already formatted (results and warning control lines), in order. */
  | { t: 'out'; text: string }
  | { t: 'done'; info: StoreRunInfo | null }
  | { t: 'error'; error: WireError };
