// Candidate documents for KQL/EQL over the store, streamed in pages in (@timestamp, ingest)
// order: keyset pagination on the narrow columns, then the page's documents by `_seq` (reading
// `doc` only for the rows selected; see docs/store.md on why two steps). Stops as soon as the
// caller stops iterating, so `--limit 10` reads one page, not the whole store.
import type { EventStore } from '../store/index.js';
import { type TimeBound, timeMicros } from '../store/index.js';

export interface ScanOptions {
  from?: TimeBound;
  to?: TimeBound;
  /** Only documents whose `event.category` holds one of these (EQL's category test). */
  categories?: readonly string[];
  pageSize?: number;
  /** Awaited before each page (the agent's query server: deadline, yield, backpressure). */
  onPage?: () => Promise<void>;
}

export async function* scanStore(
  store: Pick<EventStore, 'sql'>,
  o: ScanOptions = {},
): AsyncGenerator<unknown> {
  const params: (string | number | bigint)[] = [];
  const p = (v: string | number | bigint): string => {
    params.push(v);
    return `$${params.length}`;
  };
  const conds: string[] = [];
  if (o.from !== undefined)
    conds.push(`"@timestamp" >= make_timestamp(${p(timeMicros(o.from, 'from'))}::BIGINT)`);
  if (o.to !== undefined) conds.push(`"@timestamp" < make_timestamp(${p(timeMicros(o.to, 'to'))}::BIGINT)`);
  if (o.categories !== undefined) {
    if (o.categories.length === 0) return;
    conds.push(
      `(${o.categories.map((c) => `list_contains("event.category", ${p(c)}::VARCHAR)`).join(' OR ')})`,
    );
  }
  const size = o.pageSize ?? 10_000;
  const base = params.length;
  let after: { ts: bigint; seq: bigint } | null = null;
  for (;;) {
    await o.onPage?.();
    params.length = base;
    const where = [...conds];
    if (after) {
      const t = `make_timestamp(${p(after.ts)}::BIGINT)`;
      where.push(`("@timestamp" > ${t} OR ("@timestamp" = ${t} AND _seq > ${p(after.seq)}::BIGINT))`);
    }
    const keys = await store.sql(
      `SELECT _seq::VARCHAR AS s, epoch_us("@timestamp")::VARCHAR AS t FROM events${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY "@timestamp", _seq LIMIT ${size}`,
      params,
    );
    if (keys.length === 0) return;
    const seqs = keys.map((k) => BigInt(String(k.s)));
    let lo = seqs[0] as bigint;
    let hi = lo;
    for (const s of seqs) {
      if (s < lo) lo = s;
      if (s > hi) hi = s;
    }
    // `_seq` values come from the database (integers): inlining them is safe.
    const rows = await store.sql(
      `SELECT _seq::VARCHAR AS s, doc FROM events WHERE _seq BETWEEN ${lo} AND ${hi} AND _seq IN (${seqs.join(',')})`,
    );
    const bySeq = new Map<string, string>();
    for (const r of rows) bySeq.set(String(r.s), String(r.doc));
    for (const s of seqs) {
      const d = bySeq.get(String(s));
      if (d !== undefined) yield JSON.parse(d); // deleted by retention in between: skipped
    }
    const last = keys[keys.length - 1] as Record<string, unknown>;
    after = { ts: BigInt(String(last.t)), seq: BigInt(String(last.s)) };
    if (keys.length < size) return;
  }
}
