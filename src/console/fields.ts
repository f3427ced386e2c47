// Reading ECS documents loosely: the store holds whatever the agent wrote, so every field is
// optional and any type; these helpers never throw (timeParam, for request parameters, does).
import { D4cError } from '../util/index.js';
import { CONSOLE_CODES } from './codes.js';

export function get(doc: unknown, path: string): unknown {
  let v: unknown = doc;
  for (const k of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    const o = v as Record<string, unknown>;
    v = k in o ? o[k] : undefined;
  }
  return v;
}

export const str = (v: unknown): string =>
  typeof v === 'string'
    ? v
    : typeof v === 'number' || typeof v === 'boolean'
      ? String(v)
      : Array.isArray(v)
        ? v.map(str).join(' ')
        : '';

export const list = (v: unknown): string[] =>
  Array.isArray(v) ? v.map(str).filter((x) => x) : v === undefined || v === null || v === '' ? [] : [str(v)];

/** A count from DuckDB (BIGINT comes back as a bigint). */
export const num = (v: unknown): number =>
  typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : 0;

/** A time query parameter (epoch ms or ISO-8601) as epoch ms; absent or empty: undefined. */
export function timeParam(v: string | null, what: string): number | undefined {
  if (v === null || v === '') return undefined;
  const ms = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(ms))
    throw new D4cError(CONSOLE_CODES.badTime.code, `invalid time for ${what}: ${JSON.stringify(v)}`);
  return ms;
}
