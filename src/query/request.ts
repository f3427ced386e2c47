// A query and where its results go: what `d4c query`, the agent's query server and the client
// that forwards to it share (its own module, so run.ts, remote.ts and socket.ts form no cycle).
import type { EventStore, TimeBound } from '../store/index.js';

export type Lang = 'kql' | 'eql' | 'esql';

export interface QueryRequest {
  lang: Lang;
  text: string;
  /** NDJSON file (`-` = stdin); without it the store is queried. */
  events?: string;
  storeDir?: string;
  from?: TimeBound;
  to?: TimeBound;
  limit?: number;
  /** Name of the query in error messages. */
  queryName?: string;
  /** NOW() for ES|QL (tests). */
  now?: Date;
  /**
   * A store to read instead of opening `storeDir` (the agent's query server: its open store,
   * read-only). Not closed.
   */
  store?: Pick<EventStore, 'sql'>;
  /** Documents per page read from the store (default 10,000). */
  pageSize?: number;
  /** Awaited between pages of documents (the query server's deadline and backpressure). */
  pace?: () => Promise<void>;
  /** Most documents ES|QL's in-memory fallback reads from the store (default FALLBACK_MAX_DOCS). */
  fallbackMaxDocs?: number;
}

export interface QuerySink {
  emit(result: unknown): void;
  /** A warning line, already formatted (`<query>:1:5: warning: …`). */
  warn(line: string): void;
  /** A note about how the query runs (`querying through the agent …`), once. */
  note?(line: string): void;
  /** A result line already serialised (the agent's answer), printed as is. */
  emitLine?(line: string): void;
}
