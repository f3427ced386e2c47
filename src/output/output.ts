// The contract every output keeps: documents go in without blocking the caller and each output
// batches them on its own schedule.
import type { EcsDoc } from '../ecs/index.js';

export interface Output {
  /** Queues one document for `stream` (e.g. `logs-cloud_defend.process-default`). Never throws, never blocks. */
  write(doc: EcsDoc, stream: string): void;
  /** Resolves when everything queued before the call is durable (or counted as dropped). */
  flush(): Promise<void>;
  /** Flushes, stops timers and releases resources; later writes are dropped and counted. */
  close(): Promise<void>;
  stats(): OutputStats;
}

/** Counters every output reports; outputs add their own fields. */
export interface OutputStats {
  docsWritten: number;
  /** Documents not written, by reason (e.g. `queue_full`, `closed`, `rejected`). */
  docsDropped: Record<string, number>;
  queueDepth: number;
  [key: string]: unknown;
}
