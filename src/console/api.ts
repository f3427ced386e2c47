// The console's read-only API over the store (the same `EventStore` the agent writes). Every
// answer is JSON; nothing here writes to the store or the agent.
import type { EcsDoc } from '../output/index.js';
import type { EventStore } from '../store/index.js';
import { D4cError } from '../util/index.js';
import { get, list, str } from './fields.js';
import type { AlertGroup, AlertRow, AlertsAnswer } from './wire.js';

export type { AlertGroup, AlertRow, AlertsAnswer } from './wire.js';

export type ConsoleStore = Pick<EventStore, 'query' | 'aggregate' | 'sql'>;

const MAX_ALERTS = 10_000;

/** One alert document as a table row: rule detections name their rule; policy alerts their selectors. */
export function alertRow(d: EcsDoc): AlertRow {
  const rule = str(get(d, 'rule.name'));
  const selectors = get(d, 'cloud_defend.matched_selectors');
  const sel = Array.isArray(selectors) ? selectors.map(str) : [];
  // `threat` is one object or a list; technique ids are lists (Elastic's rule format).
  const threats = get(d, 'threat');
  const tech: string[] = [];
  for (const t of Array.isArray(threats) ? threats : threats ? [threats] : []) {
    const ts = get(t, 'technique');
    for (const x of Array.isArray(ts) ? ts : ts ? [ts] : []) tech.push(...list(get(x, 'id')));
  }
  return {
    ts: str(get(d, '@timestamp')),
    rule: rule || (sel.length ? `policy: ${sel.join(', ')}` : 'policy alert'),
    kind: rule ? 'rule' : 'policy',
    severity: str(get(d, 'rule.severity')) || (rule ? 'unknown' : 'policy'),
    technique: tech.join(', '),
    namespace: str(get(d, 'orchestrator.namespace')),
    pod: str(get(d, 'orchestrator.resource.name')),
    container: str(get(d, 'container.name')),
    image: str(get(d, 'container.image.name')),
    process: str(get(d, 'process.executable')) || str(get(d, 'process.name')),
    args: str(get(d, 'process.args')),
    selectors: sel,
    session: str(get(d, 'process.entry_leader.entity_id')) || str(get(d, 'process.session_leader.entity_id')),
    entity: str(get(d, 'process.entity_id')),
  };
}

function timeParam(v: string | null, what: string): number | undefined {
  if (v === null || v === '') return undefined;
  const ms = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(ms))
    throw new D4cError('D4C-CONSOLE-002', `invalid time for ${what}: ${JSON.stringify(v)}`);
  return ms;
}

/** A bucket width giving ~60 bars over the window. */
function bucketFor(spanMs: number): number {
  const steps = [1e3, 5e3, 1e4, 3e4, 6e4, 3e5, 6e5, 18e5, 36e5, 108e5, 216e5, 864e5];
  for (const s of steps) if (spanMs / s <= 60) return s;
  return 864e5 * 7;
}

export async function alerts(store: ConsoleStore, q: URLSearchParams): Promise<AlertsAnswer> {
  const from = timeParam(q.get('from'), 'from');
  const to = timeParam(q.get('to'), 'to');
  const docs = await store.query({
    filters: [{ field: 'event.kind', op: 'eq', value: 'alert' }],
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
    order: 'desc',
    limit: MAX_ALERTS,
  });
  const all = docs.map(alertRow);
  const facets = {
    severity: [...new Set(all.map((r) => r.severity))].sort(),
    rule: [...new Set(all.map((r) => r.rule))].sort(),
    namespace: [...new Set(all.map((r) => r.namespace).filter((x) => x))].sort(),
    image: [...new Set(all.map((r) => r.image).filter((x) => x))].sort(),
  };
  const want = (k: keyof AlertRow) => q.getAll(k).filter((x) => x !== '');
  const filters = (['severity', 'rule', 'namespace', 'image', 'pod', 'container'] as const).map(
    (k) => [k, new Set(want(k))] as const,
  );
  const rows = all.filter((r) => filters.every(([k, s]) => s.size === 0 || s.has(r[k] as string)));
  const groups = new Map<string, AlertGroup>();
  for (const r of rows) {
    const workload = [r.namespace, r.pod || r.container].filter((x) => x).join('/') || '(host)';
    const key = `${r.rule}\u0000${workload}`;
    const g = groups.get(key);
    if (!g) groups.set(key, { rule: r.rule, workload, count: 1, first: r.ts, last: r.ts });
    else {
      g.count++;
      if (r.ts < g.first) g.first = r.ts;
      if (r.ts > g.last) g.last = r.ts;
    }
  }
  const times = rows.map((r) => Date.parse(r.ts)).filter((t) => Number.isFinite(t));
  const lo = from ?? (times.length ? Math.min(...times) : Date.now() - 36e5);
  const hi = to ?? (times.length ? Math.max(...times) + 1 : Date.now());
  const bucketMs = bucketFor(Math.max(1, hi - lo));
  const byT = new Map<number, Record<string, number>>();
  for (const r of rows) {
    const t = Math.floor(Date.parse(r.ts) / bucketMs) * bucketMs;
    if (!Number.isFinite(t)) continue;
    const c = byT.get(t) ?? {};
    c[r.severity] = (c[r.severity] ?? 0) + 1;
    byT.set(t, c);
  }
  return {
    total: rows.length,
    truncated: docs.length === MAX_ALERTS,
    rows: rows.slice(0, 1000),
    groups: [...groups.values()].sort((a, b) => b.count - a.count),
    histogram: {
      bucketMs,
      buckets: [...byT].sort((a, b) => a[0] - b[0]).map(([t, counts]) => ({ t, counts })),
    },
    facets,
  };
}
