// Alerts: a histogram stacked by severity, filters, rule × workload groups, and the table.
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { AlertsAnswer as Answer } from '../wire.js';
import { getJson } from './api.js';
import { href } from './route.js';

const SEVERITIES = ['critical', 'high', 'medium', 'low', 'policy', 'unknown'];
const WINDOWS: [string, number][] = [
  ['all', 0],
  ['15 min', 9e5],
  ['1 h', 36e5],
  ['24 h', 864e5],
  ['7 d', 6048e5],
];

function Histogram({ h: hist }: { h: Answer['histogram'] }) {
  const W = 900;
  const H = 120;
  const bs = hist.buckets;
  if (bs.length === 0) return h('div', { class: 'hist empty' }, 'no alerts in this window');
  const t0 = bs[0]?.t ?? 0;
  const t1 = (bs[bs.length - 1]?.t ?? 0) + hist.bucketMs;
  const n = Math.max(1, (t1 - t0) / hist.bucketMs);
  const max = Math.max(...bs.map((b) => Object.values(b.counts).reduce((a, c) => a + c, 0)));
  const bw = W / n;
  const rects = [];
  for (const b of bs) {
    let y = H;
    const x = ((b.t - t0) / hist.bucketMs) * bw;
    for (const s of SEVERITIES) {
      const c = b.counts[s] ?? 0;
      if (!c) continue;
      const hh = (c / max) * (H - 4);
      y -= hh;
      rects.push(
        h(
          'rect',
          { x: x + 1, y, width: Math.max(1, bw - 2), height: hh, class: `sev-${s}` },
          h('title', null, `${new Date(b.t).toISOString()} ${s}: ${c}`),
        ),
      );
    }
  }
  return h(
    'figure',
    { class: 'hist' },
    h(
      'svg',
      {
        viewBox: `0 0 ${W} ${H}`,
        preserveAspectRatio: 'none',
        role: 'img',
        'aria-label': 'alerts over time',
      },
      rects,
    ),
    h(
      'figcaption',
      null,
      `${new Date(t0).toISOString().slice(0, 19)}Z … ${new Date(t1).toISOString().slice(0, 19)}Z, ${hist.bucketMs / 1000} s buckets`,
      SEVERITIES.map((s) => h('span', { class: `legend sev-${s}` }, s)),
    ),
  );
}

function Select(p: { label: string; values: string[]; value: string; onChange: (v: string) => void }) {
  return h(
    'label',
    null,
    `${p.label} `,
    h(
      'select',
      {
        name: p.label,
        value: p.value,
        onChange: (e: Event) => p.onChange((e.target as HTMLSelectElement).value),
      },
      h('option', { value: '' }, 'any'),
      p.values.map((v) => h('option', { value: v }, v)),
    ),
  );
}

const FILTERS = ['severity', 'rule', 'namespace', 'image', 'pod', 'container'] as const;
const fromParams = (p: URLSearchParams): Record<string, string> =>
  Object.fromEntries(FILTERS.map((k) => [k, p.get(k) ?? '']));

export function AlertsView({ params }: { params: URLSearchParams }) {
  const [data, setData] = useState<Answer | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [win, setWin] = useState(0);
  const [f, setF] = useState<Record<string, string>>(() => fromParams(params));
  // A click in another view (Kubernetes) arrives as new address parameters.
  const key = params.toString();
  useEffect(() => setF(fromParams(params)), [key]);
  const [grouped, setGrouped] = useState(false);
  useEffect(() => {
    const p = new URLSearchParams();
    if (win > 0) p.set('from', String(Date.now() - win));
    for (const [k, v] of Object.entries(f)) if (v) p.set(k, v);
    getJson<Answer>('/api/alerts', p).then(
      (d) => {
        setData(d);
        setErr(null);
      },
      (e: Error) => setErr(e.message),
    );
  }, [win, f]);
  const set = (k: string) => (v: string) => setF({ ...f, [k]: v });
  return h(
    'section',
    { class: 'alerts' },
    h(
      'div',
      { class: 'toolbar' },
      h(
        'label',
        null,
        'window ',
        h(
          'select',
          {
            name: 'window',
            value: String(win),
            onChange: (e: Event) => setWin(Number((e.target as HTMLSelectElement).value)),
          },
          WINDOWS.map(([l, ms]) => h('option', { value: String(ms) }, l)),
        ),
      ),
      data && [
        h(Select, {
          label: 'severity',
          values: data.facets.severity,
          value: f.severity ?? '',
          onChange: set('severity'),
        }),
        h(Select, { label: 'rule', values: data.facets.rule, value: f.rule ?? '', onChange: set('rule') }),
        h(Select, {
          label: 'namespace',
          values: data.facets.namespace,
          value: f.namespace ?? '',
          onChange: set('namespace'),
        }),
        h(Select, {
          label: 'image',
          values: data.facets.image,
          value: f.image ?? '',
          onChange: set('image'),
        }),
      ],
      (['pod', 'container'] as const).map(
        (k) =>
          f[k] &&
          h(
            'button',
            { class: 'chip', name: `clear-${k}`, onClick: () => setF({ ...f, [k]: '' }) },
            `${k}: ${f[k]} ×`,
          ),
      ),
      h(
        'label',
        null,
        h('input', {
          type: 'checkbox',
          name: 'group',
          checked: grouped,
          onChange: () => setGrouped(!grouped),
        }),
        ' group by rule × workload',
      ),
    ),
    err && h('p', { class: 'error', role: 'alert' }, err),
    data &&
      h(
        'div',
        null,
        h(
          'p',
          { class: 'count' },
          h('span', { 'data-testid': 'alert-count' }, String(data.total)),
          ` alert${data.total === 1 ? '' : 's'}`,
          data.truncated ? ` (the table shows the newest ${data.rows.length})` : '',
        ),
        h(Histogram, { h: data.histogram }),
        grouped
          ? h(
              'table',
              { class: 'groups' },
              h(
                'thead',
                null,
                h(
                  'tr',
                  null,
                  ['rule', 'workload', 'count', 'first seen', 'last seen'].map((c) => h('th', null, c)),
                ),
              ),
              h(
                'tbody',
                null,
                data.groups.map((g) =>
                  h(
                    'tr',
                    null,
                    h('td', { class: 'rule' }, g.rule),
                    h('td', null, g.workload),
                    h('td', { class: 'num' }, String(g.count)),
                    h('td', null, g.first),
                    h('td', null, g.last),
                  ),
                ),
              ),
            )
          : h(
              'table',
              { class: 'rows' },
              h(
                'thead',
                null,
                h(
                  'tr',
                  null,
                  [
                    'time',
                    'rule',
                    'severity',
                    'technique',
                    'namespace/pod/container',
                    'image',
                    'process',
                    'selectors',
                    '',
                  ].map((c) => h('th', null, c)),
                ),
              ),
              h(
                'tbody',
                null,
                data.rows.map((r) =>
                  h(
                    'tr',
                    { class: `kind-${r.kind}` },
                    h('td', { class: 'ts' }, r.ts),
                    h('td', { class: 'rule' }, r.rule),
                    h('td', null, h('span', { class: `badge sev-${r.severity}` }, r.severity)),
                    h('td', null, r.technique),
                    h('td', null, [r.namespace, r.pod, r.container].filter((x) => x).join(' / ')),
                    h('td', null, r.image),
                    h('td', { title: r.args }, r.process),
                    h('td', null, r.selectors.join(', ')),
                    h(
                      'td',
                      null,
                      r.entity &&
                        h(
                          'a',
                          { class: 'session-link', href: href('session', { entity: r.entity }) },
                          'session',
                        ),
                    ),
                  ),
                ),
              ),
            ),
      ),
  );
}
