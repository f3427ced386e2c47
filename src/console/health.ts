// The Health view's API: the agent's live counters (the snapshot `/metrics` renders, when the
// console runs in the agent) and the agent-metrics documents in the store, for the rate plot.
import type { ConsoleStore } from './api.js';
import { get } from './fields.js';

export interface HealthPoint {
  t: number;
  /** Cumulative counters, flattened (`events_seen.exec`, `kernel_drops.ringbuf_reserve`, …). */
  counters: Record<string, number>;
}
export interface HealthAnswer {
  /** The live snapshot (`d4c agent --console`), or null for a store read on its own. */
  live: unknown;
  series: HealthPoint[];
}

function flatten(x: unknown, prefix: string, out: Record<string, number>): void {
  if (typeof x === 'number') out[prefix] = x;
  else if (x !== null && typeof x === 'object' && !Array.isArray(x))
    for (const [k, v] of Object.entries(x)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
}

export async function health(
  store: ConsoleStore,
  live: (() => unknown) | undefined,
  q: URLSearchParams,
): Promise<HealthAnswer> {
  const from = q.get('from');
  const docs = await store.query({
    filters: [{ field: 'event.kind', op: 'eq', value: 'metric' }],
    ...(from ? { from: /^\d+$/.test(from) ? Number(from) : from } : {}),
    order: 'desc',
    limit: 2000,
  });
  const series: HealthPoint[] = [];
  for (const d of docs.reverse()) {
    const m = get(d, 'cloud_defend.metrics');
    const t = Date.parse(String(get(d, '@timestamp')));
    if (!m || !Number.isFinite(t)) continue;
    const counters: Record<string, number> = {};
    flatten(m, '', counters);
    series.push({ t, counters });
  }
  return { live: live ? live() : null, series };
}
