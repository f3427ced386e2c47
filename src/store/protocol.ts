// Messages between the EventStore facade (caller's thread) and the store worker (worker.ts).
import type { Columns } from './columnar.js';
import type { StoreOptions, StoreStats } from './options.js';

/** Store methods the worker answers (everything that touches DuckDB). */
export type CallMethod =
  | 'flush'
  | 'close'
  | 'usage'
  | 'runRetention'
  | 'query'
  | 'aggregate'
  | 'processTree'
  | 'sessionTree'
  | 'sql';

export type ToWorker =
  /** Documents admitted and encoded on the caller's thread (columnar.ts), buffers transferred. */
  { t: 'cols'; cols: Columns } | { t: 'call'; id: number; method: CallMethod; args: unknown[] };

/** The worker's counters, and how many documents it has committed or dropped so far. */
export interface Progress {
  stats: StoreStats;
  processed: number;
}

export interface WireError {
  code?: string;
  message: string;
  file?: string;
}

export type FromWorker =
  | { t: 'open'; path: string; progress: Progress }
  | { t: 'openError'; error: WireError }
  | { t: 'progress'; progress: Progress }
  /** A committed message's buffers, back for reuse (transferred). */
  | { t: 'free'; buffers: ArrayBuffer[] }
  | { t: 'reply'; id: number; ok: true; value: unknown; progress: Progress }
  | { t: 'reply'; id: number; ok: false; error: WireError; progress: Progress };

export interface WorkerInit {
  options: Omit<StoreOptions, 'worker'>;
}
