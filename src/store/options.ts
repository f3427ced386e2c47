// Options, counters and result types of the event store, and option checking.

import type { EcsDoc } from '../ecs/index.js';
import { D4cError } from '../util/index.js';
import { STORE_CODES } from './codes.js';

export interface StoreOptions {
  /** Data directory; created if missing. Holds `events.duckdb` (+ its `.wal`). */
  dir: string;
  /**
   * Flush when this many documents are queued. Default: `rowGroupSize`. A transaction appending a
   * whole row group is written straight into the database file instead of the WAL and then
   * again at checkpoint: ~20% less CPU per document than 5000-document batches (docs/store.md).
   */
  batchSize?: number;
  /** Flush at most this long after the first queued document. Default 500 ms. */
  flushIntervalMs?: number;
  /** Documents allowed in the queue; beyond it `write()` drops and counts (`queue_full`). Default 200,000. */
  maxQueue?: number;
  /** Retention by age: delete events whose `@timestamp` is older than this. */
  maxAgeMs?: number;
  /** Retention by size: keep the database's used bytes (blocks in use + WAL) under this. */
  maxBytes?: number;
  /** Period of the retention job. Default 60 s; 0 disables the timer (call `runRetention()`). */
  retentionIntervalMs?: number;
  /** Documents whose JSON is longer get long strings truncated; still too long: dropped. Default 1 Mi chars. */
  maxDocChars?: number;
  /** Longest string kept in an oversized document. Default 64 Ki chars. */
  maxStringChars?: number;
  /**
   * Rows per DuckDB row group. Deleted rows free disk blocks only when their whole row group is
   * deleted (or merged by a checkpoint), so this is the granularity of size retention.
   * Multiple of 2048; default 32768 (~30 MB of typical process events).
   */
  rowGroupSize?: number;
  /**
   * Run DuckDB, data chunks, commits and queries in a worker thread: `write()` then costs the
   * caller what needs the object (`JSON.stringify`, the promoted fields) and a columnar, binary
   * handoff (columnar.ts); the worker fills chunks from the bytes. Default false (docs/store.md
   * compares the two).
   */
  worker?: boolean;
  /**
   * How rows reach DuckDB: `chunks` (default) fills data chunks column by column (chunk.ts);
   * `rows` is the row-wise Appender path, kept as the reference (tests, benchmark); `json` hands
   * DuckDB the batch as text and fills the promoted columns in SQL (ndjson.ts, docs/store.md).
   */
  append?: 'chunks' | 'rows' | 'json';
  /** `append: 'json'` only: the batch text through a temporary file (default) or a bound parameter (measured in the benchmark). */
  jsonVia?: 'file' | 'param';
  /** DuckDB settings, e.g. `{ memory_limit: '1GB', threads: '2' }`; merged over our defaults. */
  duckdb?: Record<string, string>;
}

/**
 * What the store's engines (in this thread or in a worker) take documents through. It fits
 * src/output's Output contract without importing it: the store is a database outputs use.
 */
export interface DocWriter {
  write(doc: EcsDoc, stream: string): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** The counters every output reports (src/output's OutputStats), then the store's own. */
export interface StoreStats {
  docsWritten: number;
  docsDropped: Record<string, number>;
  queueDepth: number;
  [key: string]: unknown;
  batches: number;
  batchesFailed: number;
  /** Per-batch latency from leaving the queue to commit. */
  flushMs: { last: number; max: number; total: number; count: number };
  /** Repairs made to accepted documents, by kind. */
  docsFixed: Record<string, number>;
  retention: { runs: number; deletedByAge: number; deletedBySize: number; lastRunMs: number; errors: number };
  fileBytes: number;
}

export interface StoreUsage {
  fileBytes: number;
  walBytes: number;
  /** Bytes of blocks in use plus the WAL: what the size cap applies to. */
  usedBytes: number;
  freeBytes: number;
}

export interface RetentionResult {
  deletedByAge: number;
  deletedBySize: number;
  before: StoreUsage;
  after: StoreUsage;
}

export interface ProcessTree {
  entityId: string;
  /** Nearest first (parent, grandparent, …). */
  ancestors: string[];
  /** Breadth-first by depth. */
  descendants: string[];
  /** Every stored event of those processes, by time. */
  events: EcsDoc[];
}

export type AggregateRow = Record<string, unknown>;

export const DEFAULT_DUCKDB: Record<string, string> = {
  // A checkpoint per ~16 MB WAL (DuckDB's default) costs far more per event than fewer, bigger
  // ones (docs/store.md); a 256 MB WAL replays in a few seconds after a crash.
  checkpoint_threshold: '256MB',
  memory_limit: '1GB',
};

export function positive(v: number | undefined, dflt: number, name: string): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)
    throw new D4cError(STORE_CODES.badOption.code, `invalid store option ${name}: ${JSON.stringify(v)}`);
  return v;
}
