// Retention: delete by age, then oldest-first until the bytes in use are under a cap. What frees
// space in DuckDB (whole row groups at CHECKPOINT; VACUUM does not) is measured in docs/store.md.
import { statSync } from 'node:fs';
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import type { RetentionResult, StoreUsage } from './options.js';
import { timeMicros } from './query.js';
import { TABLE } from './schema.js';

export async function usage(w: DuckDBConnection, path: string): Promise<StoreUsage> {
  const r = (
    await w.runAndReadAll(
      'SELECT block_size, used_blocks, free_blocks FROM pragma_database_size() WHERE database_name = current_database()',
    )
  ).getRows()[0];
  const num = (v: DuckDBValue | undefined) => Number(v ?? 0);
  const block = num(r?.[0]);
  let fileBytes = 0;
  let walBytes = 0;
  try {
    fileBytes = statSync(path).size;
  } catch {}
  try {
    walBytes = statSync(`${path}.wal`).size;
  } catch {}
  return { fileBytes, walBytes, usedBytes: num(r?.[1]) * block + walBytes, freeBytes: num(r?.[2]) * block };
}

export interface RetentionLimits {
  maxAgeMs?: number | undefined;
  maxBytes?: number | undefined;
  rowGroupSize: number;
}

const count = (rows: DuckDBValue[][]) => Number(rows[0]?.[0] ?? 0);

/** Runs on the writer connection; the caller serialises it with batch commits. */
export async function retain(
  w: DuckDBConnection,
  path: string,
  o: RetentionLimits,
  now: number,
): Promise<RetentionResult> {
  const before = await usage(w, path);
  let deletedByAge = 0;
  let deletedBySize = 0;
  if (o.maxAgeMs !== undefined) {
    const cutoff = timeMicros(now - o.maxAgeMs, 'retention');
    const res = await w.runAndReadAll(
      `DELETE FROM ${TABLE} WHERE "@timestamp" < make_timestamp($1::BIGINT)`,
      [cutoff],
    );
    deletedByAge = count(res.getRows());
    if (deletedByAge > 0) await w.run('CHECKPOINT');
  }
  const cap = o.maxBytes;
  if (cap !== undefined) {
    let u = await usage(w, path);
    if (u.walBytes > 0 && u.usedBytes > cap) {
      await w.run('CHECKPOINT'); // the WAL counts until checkpointed into (compressed) blocks
      u = await usage(w, path);
    }
    for (let i = 0; i < 8 && u.usedBytes > cap; i++) {
      const total = count((await w.runAndReadAll(`SELECT count(*) FROM ${TABLE}`)).getRows());
      if (total === 0) break;
      // Rows to drop to reach 90% of the cap (so the job is not at the edge on every tick),
      // plus one row group: blocks are freed per whole row group, and rows are stored in
      // ingest order, so the oldest row group is the one left partly deleted.
      const want = Math.ceil((total * (u.usedBytes - 0.9 * cap)) / u.usedBytes) + o.rowGroupSize;
      const res = await w.runAndReadAll(
        `DELETE FROM ${TABLE} WHERE "@timestamp" <= (SELECT quantile_disc("@timestamp", $1::DOUBLE) FROM ${TABLE})`,
        [Math.min(1, want / total)],
      );
      const n = count(res.getRows());
      deletedBySize += n;
      await w.run('CHECKPOINT');
      u = await usage(w, path);
      if (n === 0) break;
    }
  }
  return { deletedByAge, deletedBySize, before, after: await usage(w, path) };
}
