// Health: the agent's counters (events seen, drops by stage, outputs, rules, enforcement), live
// when the console runs in the agent, and a rate plot from the agent-metrics documents.
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { getJson } from './api.js';

interface Point {
  t: number;
  counters: Record<string, number>;
}
interface Answer {
  live: Record<string, unknown> | null;
  series: Point[];
}

function Rates({ series, keys }: { series: Point[]; keys: string[] }) {
  const W = 900;
  const H = 140;
  if (series.length < 2)
    return h('p', { class: 'mut' }, 'fewer than two agent-metrics documents in the store: no rate yet');
  // Per-second rates between consecutive documents of cumulative counters.
  const rates = series.slice(1).map((p, i) => {
    const q = series[i] as Point;
    const dt = Math.max(1, (p.t - q.t) / 1000);
    return { t: p.t, v: keys.map((k) => Math.max(0, ((p.counters[k] ?? 0) - (q.counters[k] ?? 0)) / dt)) };
  });
  const t0 = series[0]?.t ?? 0;
  const t1 = series[series.length - 1]?.t ?? t0 + 1;
  const max = Math.max(1e-9, ...rates.flatMap((r) => r.v));
  const x = (t: number) => ((t - t0) / Math.max(1, t1 - t0)) * W;
  const y = (v: number) => H - (v / max) * (H - 4);
  return h(
    'figure',
    { class: 'rates' },
    h(
      'svg',
      { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': 'rates' },
      keys.map((k, i) =>
        h(
          'polyline',
          { class: `line l${i % 6}`, points: rates.map((r) => `${x(r.t)},${y(r.v[i] ?? 0)}`).join(' ') },
          h('title', null, k),
        ),
      ),
    ),
    h(
      'figcaption',
      null,
      `per second, max ${max.toFixed(1)}: `,
      keys.map((k, i) => h('span', { class: `legend l${i % 6}` }, k)),
    ),
  );
}

function Table({ title, rows }: { title: string; rows: [string, number][] }) {
  return h(
    'table',
    { class: 'rows counters', 'data-group': title },
    h('thead', null, h('tr', null, h('th', null, title), h('th', null, ''))),
    h(
      'tbody',
      null,
      rows.map(([k, v]) =>
        h('tr', { 'data-counter': k }, h('td', null, k), h('td', { class: 'num' }, String(v))),
      ),
    ),
  );
}

function flat(x: unknown, prefix = '', out: [string, number][] = []): [string, number][] {
  if (typeof x === 'number') out.push([prefix, x]);
  else if (x && typeof x === 'object')
    for (const [k, v] of Object.entries(x)) flat(v, prefix ? `${prefix}.${k}` : k, out);
  return out;
}

export function HealthView() {
  const [data, setData] = useState<Answer | null>(null);
  const [err, setErr] = useState<string | null>(null);
  useEffect(() => {
    const load = () => getJson<Answer>('/api/health').then(setData, (e: Error) => setErr(e.message));
    load();
    const t = setInterval(load, 5000);
    return () => clearInterval(t);
  }, []);
  if (err) return h('p', { class: 'error', role: 'alert' }, err);
  if (!data) return h('p', null, 'loading…');
  const last = data.series[data.series.length - 1]?.counters ?? {};
  const keys = Object.keys(last).filter((k) =>
    /^(events_seen|docs_emitted|kernel_drops|user_drops)\./.test(k),
  );
  const groups: [string, [string, number][]][] = data.live
    ? Object.entries(data.live).map(([k, v]) => [k, flat(v)])
    : [...new Set(Object.keys(last).map((k) => k.split('.')[0] ?? k))].map((g) => [
        g,
        Object.entries(last).filter(([k]) => k === g || k.startsWith(`${g}.`)),
      ]);
  return h(
    'section',
    { class: 'health' },
    h(
      'p',
      { 'data-testid': 'health-source' },
      data.live
        ? 'live from the agent (as /metrics)'
        : `from ${data.series.length} agent-metrics documents in the store`,
    ),
    h(Rates, { series: data.series, keys }),
    h(
      'div',
      { class: 'counter-groups' },
      groups.map(([g, rows]) => h(Table, { title: g, rows })),
    ),
  );
}
