// DuckDB result values to plain JS (numbers, ISO strings, arrays) for callers of the store.
import { DuckDBListValue, DuckDBTimestampValue, type DuckDBValue } from '@duckdb/node-api';

export function microsToIso(micros: bigint): string {
  const ms = micros / 1000n;
  const rest = Number(((micros % 1000n) + 1000n) % 1000n);
  const iso = new Date(Number(ms - (micros < 0n && rest !== 0 ? 1n : 0n))).toISOString();
  return rest === 0 ? iso : `${iso.slice(0, -1)}${String(rest).padStart(3, '0')}Z`;
}

export function toJs(v: DuckDBValue): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof DuckDBTimestampValue) return microsToIso(v.micros);
  if (v instanceof DuckDBListValue) return v.items.map(toJs);
  return String(v);
}
