// The store's engine, on whichever thread owns the DuckDB instance (the store worker, or the
// caller's thread with `worker: false`): one DuckDB database under a data directory. `write()`
// only queues; a flush loop turns batches into rows (JS) and appends them with the Appender inside
// one transaction per batch, so a crash loses at most uncommitted batches, never part of one.
import { rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  BIGINT,
  type DuckDBAppender,
  type DuckDBConnection,
  DuckDBInstance,
  type DuckDBType,
  type DuckDBValue,
  LIST,
  listValue,
  VARCHAR,
} from '@duckdb/node-api';
import type { EcsDoc } from '../ecs/index.js';
import { D4cError } from '../util/index.js';
import {
  appendBuilt,
  type BuiltChunk,
  buildChunk,
  CHUNK_ROWS,
  type ColumnSource,
  columnSources,
  releaseChunks,
  startChunk,
  tableTypes,
} from './chunk.js';
import { STORE_CODES } from './codes.js';
import { type Columns, decodeRows } from './columnar.js';
import { columnsChunk } from './columnar-chunk.js';
import { toJs } from './convert.js';
import { makeStoreDir, restrictStoreFiles, STORE_FILE_MODE } from './modes.js';
import { backfillSql, batchFile, insertSql, prepareJson, removeStaleBatchFiles } from './ndjson.js';
import type { DocWriter } from './options.js';
import {
  type AggregateRow,
  DEFAULT_DUCKDB,
  type ProcessTree,
  positive,
  type RetentionResult,
  type StoreOptions,
  type StoreStats,
  type StoreUsage,
} from './options.js';
import {
  appendRows,
  type PrepareLimits,
  type PrepareResult,
  prepare,
  type Queued,
  type Row,
} from './prepare.js';
import { type AggregateOptions, compileAggregate, compileQuery, type QueryOptions } from './query.js';
import { retain, usage } from './retention.js';
import { columnDdl, createTableSql, PROMOTED, TABLE } from './schema.js';
import { PROCESS_TREE_SQL, processEventsSql, sessionSql } from './trees.js';

/** A statement with bound values (and their types where inference would not do). */
interface Raw {
  sql: string;
  params: DuckDBValue[];
  types?: DuckDBType[];
}

/** A batch ready to commit: data chunks (default) or rows (the reference path). */
interface Prepared {
  chunks?: BuiltChunk[];
  rows?: Row[];
  /** The NDJSON path: the batch file and its longest line (UTF-16 units), or the text itself. */
  file?: { path: string; maxLine: number };
  text?: string;
  /** Rows in it (documents not dropped while preparing). */
  count: number;
  /** Ingest time used for documents without a timestamp. */
  now: bigint;
}

/** Rows `start…end` of a message from the store worker's caller (columnar.ts). */
interface Slice {
  m: Columns;
  start: number;
  end: number;
}

/** Documents taken from the queue together: objects (in-thread) or encoded rows (store worker). */
type Batch = { docs: Queued[]; n: number } | { slices: Slice[]; n: number };

/** Catalog name of the attached store file. */
const DB = 'store';

/** Failed transactions one batch may spend finding its refused rows (appendBisect). */
const BISECT_FAILURES = 200;

export const STREAM_NAME = /^[a-z0-9][a-z0-9._-]{0,199}$/;

export class StoreCore implements DocWriter {
  private queue: Queued[] = [];
  /** The store worker's input: encoded messages, and how many documents they hold. */
  private slices: Slice[] = [];
  private sliceDocs = 0;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private retentionTimer: NodeJS.Timeout | undefined;
  private loop: Promise<void> | undefined;
  /** Serialises everything that uses the writer connection (batches, retention). */
  private chain: Promise<unknown> = Promise.resolve();
  private nextSeq: bigint;
  private taken = 0;
  private files = 0;
  /** Documents taken from the queue and committed or dropped. */
  processed = 0;
  /** Called after each batch commit and retention run (the worker reports counters then). */
  onChange: (() => void) | undefined;
  /** Called when an encoded message is committed (or dropped) whole: its buffers can be reused. */
  onDone: ((m: Columns) => void) | undefined;
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
    private readonly opts: Required<Omit<StoreOptions, 'maxAgeMs' | 'maxBytes' | 'duckdb' | 'worker'>> &
      Pick<StoreOptions, 'maxAgeMs' | 'maxBytes'>,
    lastSeq: bigint,
    private readonly cols: readonly ColumnSource[],
    private readonly types: readonly DuckDBType[],
  ) {
    this.nextSeq = lastSeq + 1n;
    this.limits = { maxDocChars: opts.maxDocChars, maxStringChars: opts.maxStringChars };
    if (opts.retentionIntervalMs > 0 && (opts.maxAgeMs !== undefined || opts.maxBytes !== undefined)) {
      this.retentionTimer = setInterval(() => {
        this.runRetention().catch(() => {
          this.s.retention.errors++;
          this.onChange?.();
        });
      }, opts.retentionIntervalMs);
      this.retentionTimer.unref();
    }
  }

  static async open(o: StoreOptions): Promise<StoreCore> {
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
      append: o.append ?? 'chunks',
      jsonVia: o.jsonVia ?? 'file',
    };
    if (opts.append !== 'chunks' && opts.append !== 'rows' && opts.append !== 'json')
      throw new D4cError(
        STORE_CODES.badOption.code,
        `invalid store option append: ${JSON.stringify(o.append)}`,
      );
    const path = join(o.dir, 'events.duckdb');
    const rowGroupSize = positive(o.rowGroupSize, 32_768, 'rowGroupSize');
    if (rowGroupSize % 2048 !== 0)
      throw new D4cError(
        STORE_CODES.badOption.code,
        `invalid store option rowGroupSize: ${rowGroupSize} is not a multiple of 2048`,
      );
    let instance: DuckDBInstance | undefined;
    let writer: DuckDBConnection;
    try {
      makeStoreDir(o.dir);
      removeStaleBatchFiles(o.dir); // a crash's uncommitted batch (its documents are lost, as documented)
      // The file is attached (not opened as the main database) so its row-group size can be set.
      instance = await DuckDBInstance.create(':memory:', { ...DEFAULT_DUCKDB, ...o.duckdb });
      writer = await connectStore(instance);
      await writer.run(`ATTACH '${path.replaceAll("'", "''")}' AS ${DB} (ROW_GROUP_SIZE ${rowGroupSize})`);
      await writer.run(`USE ${DB}`);
      restrictStoreFiles([path, `${path}.wal`]);
      // No statement on any connection (the query socket's included) reaches a file outside the
      // store directory: no read_csv('/etc/shadow'), COPY … TO, ATTACH or extension install. The
      // store's own batch files live in the directory. Once off, DuckDB cannot turn it back on.
      const allowed = `${resolve(o.dir)}/`.replaceAll("'", "''");
      await writer.run(`SET allowed_directories = ['${allowed}']`);
      await writer.run('SET enable_external_access = false');
    } catch (e) {
      instance?.closeSync();
      throw new D4cError(
        STORE_CODES.cannotOpen.code,
        `cannot open the event store: ${(e as Error).message}`,
        path,
      );
    }
    await writer.run(createTableSql());
    // Columns promoted by a newer version are added to an older store and filled from `doc`.
    const columns = async () =>
      (
        await writer.runAndReadAll(
          `SELECT column_name FROM information_schema.columns WHERE table_catalog = '${DB}' AND table_name = '${TABLE}' ORDER BY ordinal_position`,
        )
      )
        .getRows()
        .map((r) => String(r[0]));
    const have = new Set(await columns());
    const added = PROMOTED.filter((f) => !have.has(f.name));
    for (const f of added) await writer.run(`ALTER TABLE ${TABLE} ADD COLUMN ${columnDdl(f)}`);
    if (added.length > 0 && have.size > 0) await writer.run(backfillSql(added));
    const cols = columnSources(await columns());
    const probe = await writer.createAppender(TABLE, 'main', DB);
    const types = tableTypes(probe);
    probe.closeSync();
    const last = (
      await writer.runAndReadAll(`SELECT coalesce(max(_seq), 0) FROM ${TABLE}`)
    ).getRows()[0]?.[0];
    return new StoreCore(path, instance, writer, opts, typeof last === 'bigint' ? last : 0n, cols, types);
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
    this.enqueue({ doc, stream });
  }

  private enqueue(q: Queued): void {
    this.queue.push(q);
    this.queued();
  }

  private queued(): void {
    if (this.pending >= this.opts.batchSize) this.kick();
    else if (this.timer === undefined) {
      this.timer = setTimeout(() => this.kick(), this.opts.flushIntervalMs);
      this.timer.unref();
    }
  }

  /**
   * Queues documents the store worker's caller admitted and encoded (columnar.ts): checked,
   * serialised, promoted values read. Bounded by the caller.
   */
  writeColumns(m: Columns): void {
    if (this.closed) {
      this.drop('closed', m.n);
      this.processed += m.n; // the caller's `pending` counts them until now
      return;
    }
    if (m.n === 0) return;
    this.slices.push({ m, start: 0, end: m.n });
    this.sliceDocs += m.n;
    this.queued();
  }

  /** Documents queued and not yet taken by a flush (cheap; for producers' backpressure). */
  get pending(): number {
    return this.queue.length + this.sliceDocs;
  }

  async flush(): Promise<void> {
    const target = this.taken + this.pending;
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
      queueDepth: this.pending,
      fileBytes,
    };
  }

  private drop(reason: string, n = 1): void {
    this.s.docsDropped[reason] = (this.s.docsDropped[reason] ?? 0) + n;
  }

  private kick(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.loop === undefined && this.pending > 0) {
      this.loop = this.flushLoop().finally(() => {
        this.loop = undefined;
        if (this.pending > 0 && !this.closed) this.kick();
      });
    }
  }

  /**
   * Prepares batch k+1 in JS while batch k commits on DuckDB's threads. Preparing is synchronous,
   * so it starts only once batch k has been appended and its COMMIT handed to DuckDB: started
   * earlier, it would hold the thread while batch k waits to append, and the two would run in
   * turn instead of side by side (measured: ~9 µs of idle thread per document).
   */
  private async flushLoop(): Promise<void> {
    let pending: Promise<void> = Promise.resolve();
    let handedOff: Promise<void> = Promise.resolve();
    while (this.pending > 0) {
      await handedOff;
      if (this.pending === 0) break;
      const t0 = performance.now();
      const batch = this.take();
      let prep: Prepared;
      try {
        prep = this.prepareBatch(batch);
      } catch {
        // prepare() guards each document; this is a bug, and it must not wedge flush().
        this.drop('internal_error', batch.n);
        this.processed += batch.n;
        continue;
      }
      await pending;
      let handOff = () => {};
      handedOff = new Promise<void>((resolve) => {
        handOff = resolve;
      });
      pending = this.serial(() => this.commit(prep, batch, t0, handOff)).finally(handOff);
    }
    await pending;
  }

  /**
   * Rows (the reference path) or data chunks, built a slice at a time so that each slice's
   * strings are garbage before the next is made. Drops and repairs are counted here, once.
   */
  private prepareBatch(b: Batch): Prepared {
    const now = BigInt(Date.now()) * 1000n;
    if ('slices' in b) {
      // Admitted and counted by the caller: every document becomes a row.
      const chunks: BuiltChunk[] = [];
      for (const { m, start, end } of b.slices)
        for (let i = start; i < end; i += CHUNK_ROWS)
          chunks.push(columnsChunk(this.types, this.cols, m, i, Math.min(CHUNK_ROWS, end - i), now));
      return { chunks, count: b.n, now };
    }
    const batch = b.docs;
    const count = (p: Pick<PrepareResult, 'dropped' | 'fixed'>) => {
      for (const r of p.dropped) this.drop(r);
      for (const f of p.fixed) this.s.docsFixed[f] = (this.s.docsFixed[f] ?? 0) + 1;
    };
    if (this.opts.append === 'rows') {
      const p = prepare(batch, now, this.limits);
      count(p);
      return { rows: p.rows, count: p.rows.length, now };
    }
    if (this.opts.append === 'json') {
      const p = prepareJson(batch, now, this.limits);
      count(p);
      if (p.count === 0) return { count: 0, now };
      if (this.opts.jsonVia === 'param') return { text: p.text, count: p.count, now };
      const path = batchFile(this.opts.dir, this.files++);
      writeFileSync(path, p.text, { mode: STORE_FILE_MODE });
      return { file: { path, maxLine: p.maxLine }, count: p.count, now };
    }
    const chunks: BuiltChunk[] = [];
    let n = 0;
    for (let i = 0; i < batch.length; i += CHUNK_ROWS) {
      const { chunk, writeJson } = startChunk(this.types, this.cols);
      const p = prepare(batch.slice(i, i + CHUNK_ROWS), now, this.limits, writeJson);
      count(p);
      if (p.rows.length > 0) chunks.push(buildChunk(this.types, this.cols, p.rows, chunk));
      n += p.rows.length;
    }
    return { chunks, count: n, now };
  }

  private take(): Batch {
    if (this.queue.length === 0) return this.takeSlices();
    let batch: Queued[];
    if (this.queue.length <= this.opts.batchSize) {
      batch = this.queue;
      this.queue = [];
    } else batch = this.queue.splice(0, this.opts.batchSize);
    this.taken += batch.length;
    return { docs: batch, n: batch.length };
  }

  /** Up to `batchSize` encoded documents; a message that does not fit is split. */
  private takeSlices(): Batch {
    const slices: Slice[] = [];
    let n = 0;
    while (n < this.opts.batchSize && this.slices.length > 0) {
      const s = this.slices[0] as Slice;
      const room = this.opts.batchSize - n;
      if (s.end - s.start <= room) {
        slices.push(s);
        this.slices.shift();
        n += s.end - s.start;
      } else {
        slices.push({ m: s.m, start: s.start, end: s.start + room });
        s.start += room;
        n += room;
      }
    }
    this.sliceDocs -= n;
    this.taken += n;
    return { slices, n };
  }

  /** The batch as prepared rows (the row-wise fallback; drops and repairs were counted). */
  private rowsOf(b: Batch, now: bigint): Row[] {
    if ('docs' in b) return prepare(b.docs, now, this.limits).rows;
    return b.slices.flatMap(({ m, start, end }) => decodeRows(m, start, end, now));
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.chain.then(fn, fn);
    this.chain = p.catch(() => {});
    return p;
  }

  /** `handOff` is called when what is left of the batch runs on DuckDB's threads (its COMMIT). */
  private async commit(
    prep: Prepared,
    batch: Batch,
    t0: number,
    handOff: () => void = () => {},
  ): Promise<void> {
    try {
      if (prep.count === 0) return;
      if (prep.file || prep.text !== undefined) {
        const f = prep.file;
        let ok: boolean;
        try {
          ok = await this.committed(prep.count, () =>
            f
              ? this.sqlTx(
                  prep.count,
                  insertSql({ file: f.path, maxLineBytes: 3 * f.maxLine }, this.nextSeq),
                  undefined,
                  handOff,
                )
              : this.sqlTx(prep.count, insertSql('param', this.nextSeq), [prep.text ?? ''], handOff),
          );
        } finally {
          if (f) rmSync(f.path, { force: true });
        }
        if (!ok) await this.appendBisect(this.rowsOf(batch, prep.now), true);
        return;
      }
      if (prep.chunks) {
        const chunks = prep.chunks;
        let ok: boolean;
        try {
          ok = await this.committed(prep.count, () =>
            this.appendTx(prep.count, (ap) => appendBuilt(ap, this.cols, chunks, this.nextSeq), handOff),
          );
        } finally {
          releaseChunks(this.types, chunks);
        }
        // Find the refused rows the row-wise way (rare): the same documents, prepared again as
        // rows with the same ingest time (drops and repairs were counted already).
        if (!ok) await this.appendBisect(this.rowsOf(batch, prep.now), true);
      } else await this.appendBisect(prep.rows ?? []);
    } finally {
      this.processed += batch.n;
      if ('slices' in batch && this.onDone)
        for (const s of batch.slices) if (s.end === s.m.n) this.onDone(s.m);
      const ms = performance.now() - t0;
      const f = this.s.flushMs;
      f.last = ms;
      f.max = Math.max(f.max, ms);
      f.total += ms;
      f.count++;
      this.onChange?.();
    }
  }

  /**
   * Appends rows in one transaction. If it fails, the halves are tried apart, down to single rows,
   * so each row DuckDB refuses costs only itself (`rejected`), however many there are and in
   * whichever half. A failing database (disk full, I/O error) fails every half too: the failed
   * transactions of one batch are bounded (`BISECT_FAILURES`, ~a dozen refused rows' worth in
   * a full batch), and what is left when they run out is dropped as `db_error`. `failedOnce`:
   * the whole batch already failed (as chunks), so go straight to the halves.
   */
  private async appendBisect(
    rows: Row[],
    failedOnce = false,
    budget = { left: BISECT_FAILURES },
  ): Promise<void> {
    if (!failedOnce) {
      if (budget.left <= 0) return this.drop('db_error', rows.length);
      if (await this.tryRows(rows)) return;
      budget.left--;
    }
    if (rows.length === 1) return this.drop('rejected');
    const mid = rows.length >> 1;
    await this.appendBisect(rows.slice(0, mid), false, budget);
    await this.appendBisect(rows.slice(mid), false, budget);
  }

  /** Rows in one transaction; false (counted in `batchesFailed`) if it failed. */
  private tryRows(rows: Row[]): Promise<boolean> {
    return this.committed(rows.length, () =>
      this.appendTx(rows.length, (ap) => appendRows(ap, this.cols, rows, this.nextSeq)),
    );
  }

  /** Runs one batch's transaction `tx` of `n` rows and counts it: committed (true) or failed. */
  private async committed(n: number, tx: () => Promise<void>): Promise<boolean> {
    try {
      await tx();
      // The WAL appears (again after each checkpoint) under the process umask: keep it 0600.
      restrictStoreFiles([`${this.path}.wal`]);
      this.s.batches++;
      this.s.docsWritten += n;
      return true;
    } catch {
      this.s.batchesFailed++;
      return false;
    }
  }

  /** One transaction: `fill` appends `n` rows numbered from `nextSeq`, then COMMIT. */
  private async appendTx(
    n: number,
    fill: (ap: DuckDBAppender) => void,
    handOff: () => void = () => {},
  ): Promise<void> {
    const w = this.writer;
    await w.run('BEGIN TRANSACTION');
    try {
      const ap = await w.createAppender(TABLE, 'main', DB);
      try {
        fill(ap);
        ap.flushSync();
      } finally {
        try {
          ap.closeSync();
        } catch {}
      }
      const committed = w.run('COMMIT');
      handOff();
      await committed;
      this.nextSeq += BigInt(n);
    } catch (e) {
      await w.run('ROLLBACK').catch(() => {});
      throw e;
    }
  }

  /** One transaction: a statement that inserts `n` rows numbered from `nextSeq`, then COMMIT. */
  private async sqlTx(
    n: number,
    sql: string,
    params?: string[],
    handOff: () => void = () => {},
  ): Promise<void> {
    const w = this.writer;
    await w.run('BEGIN TRANSACTION');
    try {
      const inserted = w.run(sql, params);
      handOff(); // the INSERT does the work, on DuckDB's threads
      await inserted;
      await w.run('COMMIT');
      this.nextSeq += BigInt(n);
    } catch (e) {
      await w.run('ROLLBACK').catch(() => {});
      throw e;
    }
  }

  // ---- retention ----------------------------------------------------------------------------

  usage(): Promise<StoreUsage> {
    return usage(this.writer, this.path);
  }

  /** Deletes by age, then oldest-first by `@timestamp` until under the size cap; checkpoints. */
  runRetention(now = Date.now()): Promise<RetentionResult> {
    return this.serial(async () => {
      const t0 = performance.now();
      const r = await retain(this.writer, this.path, this.opts, now);
      const s = this.s.retention;
      s.runs++;
      s.deletedByAge += r.deletedByAge;
      s.deletedBySize += r.deletedBySize;
      s.lastRunMs = performance.now() - t0;
      this.onChange?.();
      return r;
    });
  }

  // ---- queries ------------------------------------------------------------------------------

  /** Readers use their own connections: they see committed batches and run beside a commit. */
  private async withReader<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    if (this.closed) throw new D4cError(STORE_CODES.closed.code, 'the event store is closed');
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
      throw new D4cError(STORE_CODES.badQuery.code, `invalid entity id ${JSON.stringify(entityId)}`);
    const sql = PROCESS_TREE_SQL;
    const rows = await this.rows({ sql, params: [entityId] });
    const ancestors = rows.filter((r) => r[0] === 'a').map((r) => String(r[1]));
    const descendants = rows.filter((r) => r[0] === 'd').map((r) => String(r[1]));
    const events = await this.docs({
      sql: processEventsSql(checkLimit(limit)),
      params: [listValue([entityId, ...ancestors, ...descendants])],
      types: [LIST(VARCHAR)],
    });
    return { entityId, ancestors, descendants, events };
  }

  /** Every event of the session (its leader and everything with that session leader), by time. */
  async sessionTree(sessionEntityId: string, limit = 10_000): Promise<EcsDoc[]> {
    if (typeof sessionEntityId !== 'string' || sessionEntityId.length === 0 || sessionEntityId.length > 512)
      throw new D4cError(STORE_CODES.badQuery.code, `invalid entity id ${JSON.stringify(sessionEntityId)}`);
    return this.docs({
      sql: sessionSql(checkLimit(limit)),
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

function checkLimit(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > 1_000_000)
    throw new D4cError(
      STORE_CODES.badLimit.code,
      `invalid limit ${JSON.stringify(n)}: expected an integer from 1 to 1000000`,
    );
  return n;
}
