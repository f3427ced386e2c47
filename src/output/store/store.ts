// The embedded event store: one DuckDB database under a data directory. `write()` only queues;
// a flush loop turns batches into rows (JS) and appends them with the Appender inside one
// transaction per batch, so a crash loses at most uncommitted batches, never part of one.
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  BIGINT,
  type DuckDBConnection,
  DuckDBInstance,
  type DuckDBType,
  type DuckDBValue,
  LIST,
  listValue,
  VARCHAR,
} from '@duckdb/node-api';
import { D4cError } from '../../util/diagnostics.js';
import type { EcsDoc, Output, OutputStats } from '../index.js';
import { toJs } from './convert.js';
import { appendRows, type PrepareLimits, prepare, type Queued, type Row } from './prepare.js';
import {
  type AggregateOptions,
  compileAggregate,
  compileQuery,
  type QueryOptions,
  timeMicros,
} from './query.js';
import { columnDdl, createTableSql, PROMOTED, quoteIdent, TABLE } from './schema.js';

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
  /** DuckDB settings, e.g. `{ memory_limit: '1GB', threads: '2' }`; merged over our defaults. */
  duckdb?: Record<string, string>;
}

export interface StoreStats extends OutputStats {
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

const DEFAULT_DUCKDB: Record<string, string> = {
  // A checkpoint per ~16 MB WAL (DuckDB's default) costs far more per event than fewer, bigger
  // ones (docs/store.md); a 256 MB WAL replays in a few seconds after a crash.
  checkpoint_threshold: '256MB',
  memory_limit: '1GB',
};

/** A statement with bound values (and their types where inference would not do). */
interface Raw {
  sql: string;
  params: DuckDBValue[];
  types?: DuckDBType[];
}

/** Catalog name of the attached store file. */
const DB = 'store';

const STREAM_NAME = /^[a-z0-9][a-z0-9._-]{0,199}$/;
const MAX_TREE_DEPTH = 256;

export class EventStore implements Output {
  private queue: Queued[] = [];
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private retentionTimer: NodeJS.Timeout | undefined;
  private loop: Promise<void> | undefined;
  /** Serialises everything that uses the writer connection (batches, retention). */
  private chain: Promise<unknown> = Promise.resolve();
  private nextSeq: bigint;
  private taken = 0;
  private processed = 0;
  private readonly idle: DuckDBConnection[] = [];
  private readonly limits: PrepareLimits;
  private readonly validStreams = new Set<string>();
  private readonly s: StoreStats = {
    docsWritten: 0,
    docsDropped: {},
    queueDepth: 0,
    batches: 0,
    batchesFailed: 0,
    flushMs: { last: 0, max: 0, total: 0, count: 0 },
    docsFixed: {},
    retention: { runs: 0, deletedByAge: 0, deletedBySize: 0, lastRunMs: 0, errors: 0 },
    fileBytes: 0,
  };

  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    private readonly writer: DuckDBConnection,
    private readonly opts: Required<Omit<StoreOptions, 'maxAgeMs' | 'maxBytes' | 'duckdb'>> &
      Pick<StoreOptions, 'maxAgeMs' | 'maxBytes'>,
    lastSeq: bigint,
  ) {
    this.nextSeq = lastSeq + 1n;
    this.limits = { maxDocChars: opts.maxDocChars, maxStringChars: opts.maxStringChars };
    if (opts.retentionIntervalMs > 0 && (opts.maxAgeMs !== undefined || opts.maxBytes !== undefined)) {
      this.retentionTimer = setInterval(() => {
        this.runRetention().catch(() => {
          this.s.retention.errors++;
        });
      }, opts.retentionIntervalMs);
      this.retentionTimer.unref();
    }
  }

  static async open(o: StoreOptions): Promise<EventStore> {
    const opts = {
      dir: o.dir,
      rowGroupSize: o.rowGroupSize ?? 32_768,
      batchSize: positive(o.batchSize, o.rowGroupSize ?? 32_768, 'batchSize'),
      flushIntervalMs: positive(o.flushIntervalMs, 500, 'flushIntervalMs'),
      maxQueue: positive(o.maxQueue, 200_000, 'maxQueue'),
      retentionIntervalMs: o.retentionIntervalMs ?? 60_000,
      maxDocChars: positive(o.maxDocChars, 1 << 20, 'maxDocChars'),
      maxStringChars: positive(o.maxStringChars, 64 << 10, 'maxStringChars'),
      maxAgeMs: o.maxAgeMs === undefined ? undefined : positive(o.maxAgeMs, 0, 'maxAgeMs'),
      maxBytes: o.maxBytes === undefined ? undefined : positive(o.maxBytes, 0, 'maxBytes'),
    };
    const path = join(o.dir, 'events.duckdb');
    const rowGroupSize = positive(o.rowGroupSize, 32_768, 'rowGroupSize');
    if (rowGroupSize % 2048 !== 0)
      throw new D4cError(
        'D4C-STORE-003',
        `invalid store option rowGroupSize: ${rowGroupSize} is not a multiple of 2048`,
      );
    let instance: DuckDBInstance | undefined;
    let writer: DuckDBConnection;
    try {
      mkdirSync(o.dir, { recursive: true });
      // The file is attached (not opened as the main database) so its row-group size can be set.
      instance = await DuckDBInstance.create(':memory:', { ...DEFAULT_DUCKDB, ...o.duckdb });
      writer = await connectStore(instance);
      await writer.run(`ATTACH '${path.replaceAll("'", "''")}' AS ${DB} (ROW_GROUP_SIZE ${rowGroupSize})`);
      await writer.run(`USE ${DB}`);
    } catch (e) {
      instance?.closeSync();
      throw new D4cError('D4C-STORE-001', `cannot open the event store: ${(e as Error).message}`, path);
    }
    await writer.run(createTableSql());
    // Columns promoted by a newer version are added to an older store; old rows read NULL there.
    const have = new Set(
      (
        await writer.runAndReadAll(
          `SELECT column_name FROM information_schema.columns WHERE table_name = '${TABLE}'`,
        )
      )
        .getRows()
        .map((r) => String(r[0])),
    );
    for (const f of PROMOTED)
      if (!have.has(f.name)) await writer.run(`ALTER TABLE ${TABLE} ADD COLUMN ${columnDdl(f)}`);
    const last = (
      await writer.runAndReadAll(`SELECT coalesce(max(_seq), 0) FROM ${TABLE}`)
    ).getRows()[0]?.[0];
    return new EventStore(path, instance, writer, opts, typeof last === 'bigint' ? last : 0n);
  }

  // ---- ingest -------------------------------------------------------------------------------

  write(doc: EcsDoc, stream: string): void {
    if (this.closed) {
      this.drop('closed');
      return;
    }
    if (!this.validStreams.has(stream)) {
      if (typeof stream !== 'string' || !STREAM_NAME.test(stream)) {
        this.drop('bad_stream');
        return;
      }
      if (this.validStreams.size < 10_000) this.validStreams.add(stream);
    }
    if (this.queue.length >= this.opts.maxQueue) {
      this.drop('queue_full');
      return;
    }
    this.queue.push({ doc, stream });
    if (this.queue.length >= this.opts.batchSize) this.kick();
    else if (this.timer === undefined) {
      this.timer = setTimeout(() => this.kick(), this.opts.flushIntervalMs);
      this.timer.unref();
    }
  }

  /** Documents queued and not yet taken by a flush (cheap; for producers' backpressure). */
  get pending(): number {
    return this.queue.length;
  }

  async flush(): Promise<void> {
    const target = this.taken + this.queue.length;
    while (this.processed < target) {
      this.kick();
      if (this.loop === undefined) break; // nothing left to wait for
      await this.loop.catch(() => {});
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    clearInterval(this.retentionTimer);
    clearTimeout(this.timer);
    await this.chain;
    // Checkpoint on DuckDB's threads now: closing would otherwise do it synchronously, blocking
    // the event loop for as long as the WAL takes to fold in.
    await this.writer.run('CHECKPOINT').catch(() => {});
    for (const c of this.idle.splice(0)) c.closeSync();
    this.writer.closeSync();
    this.instance.closeSync();
  }

  stats(): StoreStats {
    let fileBytes = 0;
    try {
      fileBytes = statSync(this.path).size;
    } catch {}
    return {
      ...this.s,
      docsDropped: { ...this.s.docsDropped },
      docsFixed: { ...this.s.docsFixed },
      flushMs: { ...this.s.flushMs },
      retention: { ...this.s.retention },
      queueDepth: this.queue.length,
      fileBytes,
    };
  }

  private drop(reason: string, n = 1): void {
    this.s.docsDropped[reason] = (this.s.docsDropped[reason] ?? 0) + n;
  }

  private kick(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.loop === undefined && this.queue.length > 0) {
      this.loop = this.flushLoop().finally(() => {
        this.loop = undefined;
        if (this.queue.length > 0 && !this.closed) this.kick();
      });
    }
  }

  /** Prepares batch k+1 in JS while batch k commits on DuckDB's threads. */
  private async flushLoop(): Promise<void> {
    let pending: Promise<void> = Promise.resolve();
    while (this.queue.length > 0) {
      const t0 = performance.now();
      const batch = this.take();
      let prep: ReturnType<typeof prepare>;
      try {
        prep = prepare(batch, BigInt(Date.now()) * 1000n, this.limits);
      } catch {
        // prepare() guards each document; this is a bug, and it must not wedge flush().
        this.drop('internal_error', batch.length);
        this.processed += batch.length;
        continue;
      }
      for (const r of prep.dropped) this.drop(r);
      for (const f of prep.fixed) this.s.docsFixed[f] = (this.s.docsFixed[f] ?? 0) + 1;
      await pending;
      pending = this.serial(() => this.commit(prep.rows, batch.length, t0));
    }
    await pending;
  }

  private take(): Queued[] {
    let batch: Queued[];
    if (this.queue.length <= this.opts.batchSize) {
      batch = this.queue;
      this.queue = [];
    } else batch = this.queue.splice(0, this.opts.batchSize);
    this.taken += batch.length;
    return batch;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.chain.then(fn, fn);
    this.chain = p.catch(() => {});
    return p;
  }

  private async commit(rows: Row[], n: number, t0: number): Promise<void> {
    try {
      if (rows.length > 0) await this.appendBisect(rows, 0);
    } finally {
      this.processed += n;
      const ms = performance.now() - t0;
      const f = this.s.flushMs;
      f.last = ms;
      f.max = Math.max(f.max, ms);
      f.total += ms;
      f.count++;
    }
  }

  /**
   * Appends rows in one transaction. If the transaction fails, the halves are tried apart so a
   * single row DuckDB refuses costs only that row (`rejected`); when both halves fail too the
   * cause is the database, not the data, and the batch is dropped as `db_error`.
   */
  private async appendBisect(rows: Row[], depth: number): Promise<void> {
    try {
      await this.appendTx(rows);
      this.s.batches++;
      this.s.docsWritten += rows.length;
      return;
    } catch {
      this.s.batchesFailed++;
    }
    if (rows.length === 1) return this.drop('rejected');
    const mid = rows.length >> 1;
    const halves = [rows.slice(0, mid), rows.slice(mid)];
    const failedBefore = this.s.batchesFailed;
    for (const h of halves) {
      if (depth > 0 || this.s.batchesFailed - failedBefore < 1) await this.appendBisect(h, depth + 1);
      else this.drop('db_error', h.length);
    }
  }

  private async appendTx(rows: Row[]): Promise<void> {
    const w = this.writer;
    await w.run('BEGIN TRANSACTION');
    try {
      const ap = await w.createAppender(TABLE, 'main', DB);
      try {
        appendRows(ap, rows, this.nextSeq);
        ap.flushSync();
      } finally {
        try {
          ap.closeSync();
        } catch {}
      }
      await w.run('COMMIT');
      this.nextSeq += BigInt(rows.length);
    } catch (e) {
      await w.run('ROLLBACK').catch(() => {});
      throw e;
    }
  }

  // ---- retention ----------------------------------------------------------------------------

  async usage(): Promise<StoreUsage> {
    const r = (
      await this.writer.runAndReadAll(
        'SELECT block_size, used_blocks, free_blocks FROM pragma_database_size() WHERE database_name = current_database()',
      )
    ).getRows()[0];
    const num = (v: DuckDBValue | undefined) => Number(v ?? 0);
    const block = num(r?.[0]);
    let fileBytes = 0;
    let walBytes = 0;
    try {
      fileBytes = statSync(this.path).size;
    } catch {}
    try {
      walBytes = statSync(`${this.path}.wal`).size;
    } catch {}
    return { fileBytes, walBytes, usedBytes: num(r?.[1]) * block + walBytes, freeBytes: num(r?.[2]) * block };
  }

  /** Deletes by age, then oldest-first by `@timestamp` until under the size cap; checkpoints. */
  runRetention(now = Date.now()): Promise<RetentionResult> {
    return this.serial(async () => {
      const t0 = performance.now();
      const before = await this.usage();
      let deletedByAge = 0;
      let deletedBySize = 0;
      const w = this.writer;
      if (this.opts.maxAgeMs !== undefined) {
        const cutoff = timeMicros(now - this.opts.maxAgeMs, 'retention');
        deletedByAge = Number(
          (
            await w.runAndReadAll(`DELETE FROM ${TABLE} WHERE "@timestamp" < make_timestamp($1::BIGINT)`, [
              cutoff,
            ])
          ).getRows()[0]?.[0] ?? 0,
        );
        if (deletedByAge > 0) await w.run('CHECKPOINT');
      }
      const cap = this.opts.maxBytes;
      if (cap !== undefined) {
        let u = await this.usage();
        if (u.walBytes > 0 && u.usedBytes > cap) {
          await w.run('CHECKPOINT'); // the WAL counts until checkpointed into (compressed) blocks
          u = await this.usage();
        }
        for (let i = 0; i < 8 && u.usedBytes > cap; i++) {
          const total = Number(
            (await w.runAndReadAll(`SELECT count(*) FROM ${TABLE}`)).getRows()[0]?.[0] ?? 0,
          );
          if (total === 0) break;
          // Rows to drop to reach 90% of the cap (so the job is not at the edge on every tick),
          // plus one row group: blocks are freed per whole row group, and rows are stored in
          // ingest order, so the oldest row group is the one left partly deleted.
          const want = Math.ceil((total * (u.usedBytes - 0.9 * cap)) / u.usedBytes) + this.opts.rowGroupSize;
          const frac = Math.min(1, want / total);
          const res = await w.runAndReadAll(
            `DELETE FROM ${TABLE} WHERE "@timestamp" <= (SELECT quantile_disc("@timestamp", $1::DOUBLE) FROM ${TABLE})`,
            [frac],
          );
          const n = Number(res.getRows()[0]?.[0] ?? 0);
          deletedBySize += n;
          await w.run('CHECKPOINT');
          u = await this.usage();
          if (n === 0) break;
        }
      }
      const s = this.s.retention;
      s.runs++;
      s.deletedByAge += deletedByAge;
      s.deletedBySize += deletedBySize;
      s.lastRunMs = performance.now() - t0;
      return { deletedByAge, deletedBySize, before, after: await this.usage() };
    });
  }

  // ---- queries ------------------------------------------------------------------------------

  /** Readers use their own connections: they see committed batches and run beside a commit. */
  private async withReader<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    if (this.closed) throw new D4cError('D4C-STORE-002', 'the event store is closed');
    const c = this.idle.pop() ?? (await connectStore(this.instance));
    try {
      return await fn(c);
    } finally {
      if (this.closed || this.idle.length >= 4) c.closeSync();
      else this.idle.push(c);
    }
  }

  private async rows(q: Raw): Promise<DuckDBValue[][]> {
    return this.withReader(async (c) => (await c.runAndReadAll(q.sql, q.params, q.types)).getRows());
  }

  /**
   * Documents of the events `q` selects (a query returning `_seq`, in result order). Two steps
   * because reading `doc` decompresses whole column segments: selecting on the narrow columns
   * first, then reading `doc` only in the `_seq` range found (zone maps skip the rest), avoids
   * decompressing every stored document for a query that returns a few.
   */
  private async docs(q: Raw): Promise<EcsDoc[]> {
    const seqs = (await this.rows(q)).map((r) => r[0] as bigint);
    if (seqs.length === 0) return [];
    let lo = seqs[0] as bigint;
    let hi = lo;
    for (const x of seqs) {
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    const rows = await this.rows({
      sql: `SELECT _seq, doc FROM ${TABLE} WHERE _seq BETWEEN $1 AND $2 AND _seq IN (SELECT unnest($3))`,
      params: [lo, hi, listValue(seqs)],
      types: [BIGINT, BIGINT, LIST(BIGINT)],
    });
    const bySeq = new Map<bigint, string>();
    for (const r of rows) bySeq.set(r[0] as bigint, r[1] as string);
    const out: EcsDoc[] = [];
    for (const x of seqs) {
      const d = bySeq.get(x);
      if (d !== undefined) out.push(JSON.parse(d) as EcsDoc); // deleted by retention in between: skipped
    }
    return out;
  }

  async query(o: QueryOptions = {}): Promise<EcsDoc[]> {
    return this.docs(compileQuery(o));
  }

  async aggregate(o: AggregateOptions): Promise<AggregateRow[]> {
    const q = compileAggregate(o);
    return (await this.rows(q)).map((r) => {
      const out: AggregateRow = {};
      q.keys.forEach((k, i) => {
        const v = toJs(r[i] ?? null);
        out[k] = q.jsonKeys.has(k) && typeof v === 'string' ? JSON.parse(v) : v;
      });
      return out;
    });
  }

  async processTree(entityId: string, limit = 10_000): Promise<ProcessTree> {
    if (typeof entityId !== 'string' || entityId.length === 0 || entityId.length > 512)
      throw new D4cError('D4C-STORE-011', `invalid entity id ${JSON.stringify(entityId)}`);
    const e = '"process.entity_id"';
    const p = '"process.parent.entity_id"';
    const sql = `WITH RECURSIVE
      edges AS MATERIALIZED (SELECT DISTINCT ${e} AS c, ${p} AS p FROM ${TABLE}
        WHERE ${e} IS NOT NULL AND ${p} IS NOT NULL AND ${e} <> ${p}),
      anc(id, d) AS (SELECT $1::VARCHAR, 0 UNION
        SELECT edges.p, anc.d + 1 FROM edges JOIN anc ON edges.c = anc.id WHERE anc.d < ${MAX_TREE_DEPTH}),
      des(id, d) AS (SELECT $1::VARCHAR, 0 UNION
        SELECT edges.c, des.d + 1 FROM edges JOIN des ON edges.p = des.id WHERE des.d < ${MAX_TREE_DEPTH})
      SELECT 'a', id, min(d) AS d FROM anc WHERE id <> $1 GROUP BY id
      UNION ALL SELECT 'd', id, min(d) AS d FROM des WHERE id <> $1 GROUP BY id
      ORDER BY 1, 3, 2`;
    const rows = await this.rows({ sql, params: [entityId] });
    const ancestors = rows.filter((r) => r[0] === 'a').map((r) => String(r[1]));
    const descendants = rows.filter((r) => r[0] === 'd').map((r) => String(r[1]));
    const events = await this.docs({
      sql: `SELECT _seq FROM ${TABLE} WHERE ${e} IN (SELECT unnest($1::VARCHAR[]))
        ORDER BY "@timestamp", _seq LIMIT ${checkLimit(limit)}`,
      params: [listValue([entityId, ...ancestors, ...descendants])],
      types: [LIST(VARCHAR)],
    });
    return { entityId, ancestors, descendants, events };
  }

  /** Every event of the session (its leader and everything with that session leader), by time. */
  async sessionTree(sessionEntityId: string, limit = 10_000): Promise<EcsDoc[]> {
    if (typeof sessionEntityId !== 'string' || sessionEntityId.length === 0 || sessionEntityId.length > 512)
      throw new D4cError('D4C-STORE-011', `invalid entity id ${JSON.stringify(sessionEntityId)}`);
    return this.docs({
      sql: `SELECT _seq FROM ${TABLE} WHERE ${quoteIdent('process.session_leader.entity_id')} = $1
        OR ${quoteIdent('process.entity_id')} = $1 ORDER BY "@timestamp", _seq LIMIT ${checkLimit(limit)}`,
      params: [sessionEntityId],
    });
  }

  /**
   * Internal: raw SQL over the `events` table for the ES|QL translator. Not a public API: the
   * caller owns the SQL's safety (bind values as `$n` params) and the schema may change.
   */
  async sql(
    text: string,
    params: (string | number | boolean | bigint | null)[] = [],
  ): Promise<AggregateRow[]> {
    return this.withReader(async (c) => {
      const reader = await c.runAndReadAll(text, params);
      const names = reader.columnNames();
      return reader.getRows().map((r) => {
        const o: AggregateRow = {};
        names.forEach((n, i) => {
          o[n] = toJs(r[i] ?? null);
        });
        return o;
      });
    });
  }
}

/** A connection whose default database is the store (each connection has its own `USE`). */
async function connectStore(instance: DuckDBInstance): Promise<DuckDBConnection> {
  const c = await instance.connect();
  await c.run(`USE ${DB}`).catch(() => {}); // before ATTACH (the first connection) there is nothing to use
  return c;
}

function positive(v: number | undefined, dflt: number, name: string): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)
    throw new D4cError('D4C-STORE-003', `invalid store option ${name}: ${JSON.stringify(v)}`);
  return v;
}

function checkLimit(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > 1_000_000)
    throw new D4cError(
      'D4C-STORE-014',
      `invalid limit ${JSON.stringify(n)}: expected an integer from 1 to 1000000`,
    );
  return n;
}
