// The embedded event store's public face. With `worker: true` the DuckDB instance, data chunks,
// commits, retention and queries live in a worker thread (remote.ts ↔ worker.ts) and `write()`
// only serialises, reads the promoted fields and encodes them for a binary handoff; by default
// the same engine (core.ts) runs on the caller's thread (docs/store.md compares the two).
import { resolve } from 'node:path';
import type { EcsDoc } from '../ecs/index.js';
import { D4cError } from '../util/index.js';
import { STORE_CODES } from './codes.js';
import { StoreCore } from './core.js';
import type {
  AggregateRow,
  DocWriter,
  ProcessTree,
  RetentionResult,
  StoreOptions,
  StoreStats,
  StoreUsage,
} from './options.js';
import type { AggregateOptions, QueryOptions } from './query.js';
import { WorkerStore } from './remote.js';

/**
 * Data directories open in this process. DuckDB's file lock is per process, so a second open of
 * the same file from this process (another thread included) would succeed and two engines would
 * write one file; refuse it like another process's open.
 */
const OPEN = new Set<string>();

export class EventStore implements DocWriter {
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly key: string,
    readonly path: string,
    private readonly local: StoreCore | undefined,
    private readonly remote: WorkerStore | undefined,
  ) {}

  static async open(o: StoreOptions): Promise<EventStore> {
    const key = typeof o?.dir === 'string' ? resolve(o.dir) : '';
    if (OPEN.has(key))
      throw new D4cError(
        STORE_CODES.cannotOpen.code,
        'cannot open the event store: it is already open in this process',
        key,
      );
    OPEN.add(key);
    try {
      if (o.worker === true) {
        const w = await WorkerStore.open(o);
        return new EventStore(key, w.path, undefined, w);
      }
      const core = await StoreCore.open(o);
      return new EventStore(key, core.path, core, undefined);
    } catch (e) {
      OPEN.delete(key);
      throw e;
    }
  }

  /** Queues one document. Never throws, never blocks; drops are counted in `stats()`. */
  write(doc: EcsDoc, stream: string): void {
    ((this.local ?? this.remote) as DocWriter).write(doc, stream);
  }

  /** Documents accepted and not yet committed or dropped (cheap; for producers' backpressure). */
  get pending(): number {
    return (this.local ?? (this.remote as WorkerStore)).pending;
  }

  flush(): Promise<void> {
    return ((this.local ?? this.remote) as DocWriter).flush();
  }

  close(): Promise<void> {
    this.closing ??= ((this.local ?? this.remote) as DocWriter).close().finally(() => OPEN.delete(this.key));
    return this.closing;
  }

  stats(): StoreStats {
    return (this.local ?? (this.remote as WorkerStore)).stats();
  }

  private run<T>(method: Exclude<keyof StoreCore & string, 'write'>, args: unknown[]): Promise<T> {
    if (this.local) {
      const f = this.local[method] as unknown as (...a: unknown[]) => Promise<T>;
      return f.apply(this.local, args);
    }
    return (this.remote as WorkerStore).call(method as never, args) as Promise<T>;
  }

  usage(): Promise<StoreUsage> {
    return this.run('usage', []);
  }

  /** Deletes by age, then oldest-first by `@timestamp` until under the size cap; checkpoints. */
  runRetention(now = Date.now()): Promise<RetentionResult> {
    return this.run('runRetention', [now]);
  }

  /** Documents matching `o`, ordered by `@timestamp` then ingest order. */
  query(o: QueryOptions = {}): Promise<EcsDoc[]> {
    return this.run('query', [o]);
  }

  aggregate(o: AggregateOptions): Promise<AggregateRow[]> {
    return this.run('aggregate', [o]);
  }

  processTree(entityId: string, limit = 10_000): Promise<ProcessTree> {
    return this.run('processTree', [entityId, limit]);
  }

  /** Every event of the session (its leader and everything with that session leader), by time. */
  sessionTree(sessionEntityId: string, limit = 10_000): Promise<EcsDoc[]> {
    return this.run('sessionTree', [sessionEntityId, limit]);
  }

  /**
   * Internal: raw SQL over the `events` table for the ES|QL translator. Not a public API: the
   * caller owns the SQL's safety (bind values as `$n` params) and the schema may change.
   */
  sql(text: string, params: (string | number | boolean | bigint | null)[] = []): Promise<AggregateRow[]> {
    return this.run('sql', [text, params]);
  }
}
