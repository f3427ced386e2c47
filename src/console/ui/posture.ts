// Posture: the hardening report `d4c posture --json` prints (the same function over the same
// store), per workload: each finding's severity, what was seen, and the Kubernetes field to change.
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { getJson } from './api.js';

// The report's shape (src/baseline/posture.ts; its module reads node: the UI keeps its own copy).
interface Finding {
  check: string;
  severity: string;
  field: string;
  fix: string;
  summary: string;
  events: number;
  first: string;
  last: string;
  examples: string[];
}
interface PostureReport {
  via: string;
  workloads: { workload: string; events: number; findings: Finding[] }[];
}

const WINDOWS: [string, string][] = [
  ['all', ''],
  ['1 h', '1h'],
  ['24 h', '24h'],
  ['7 d', '7d'],
];

export function PostureView() {
  const [since, setSince] = useState('');
  const [by, setBy] = useState('workload');
  const [data, setData] = useState<PostureReport | null>(null);
  const [err, setErr] = useState<string | null>(null);
  useEffect(() => {
    setData(null);
    const q = new URLSearchParams({ by, ...(since ? { since } : {}) });
    getJson<PostureReport>('/api/posture', q).then(
      (d) => {
        setData(d);
        setErr(null);
      },
      (e: Error) => setErr(e.message),
    );
  }, [since, by]);
  const select = (name: string, value: string, set: (v: string) => void, opts: [string, string][]) =>
    h(
      'select',
      { name, value, onChange: (e: Event) => set((e.target as HTMLSelectElement).value) },
      opts.map(([l, v]) => h('option', { value: v }, l)),
    );
  const n = data?.workloads.reduce((a, w) => a + w.findings.length, 0) ?? 0;
  return h(
    'section',
    { class: 'posture' },
    h(
      'div',
      { class: 'toolbar' },
      h('label', null, 'window ', select('since', since, setSince, WINDOWS)),
      h(
        'label',
        null,
        'by ',
        select('by', by, setBy, [
          ['workload', 'workload'],
          ['image', 'image'],
        ]),
      ),
      data &&
        h('span', { 'data-testid': 'posture-counts' }, `${data.workloads.length} workloads, ${n} findings`),
    ),
    err && h('p', { class: 'error', role: 'alert' }, err),
    !data && !err && h('p', null, 'reading every process, file and network event of the window…'),
    data?.workloads.map((w) =>
      h(
        'div',
        { class: 'workload', 'data-workload': w.workload },
        h(
          'h3',
          null,
          w.workload,
          h('span', { class: 'mut' }, ` ${w.events} events`),
          w.findings.length === 0 && h('span', { class: 'mut' }, ' · nothing to change seen'),
        ),
        w.findings.length > 0 &&
          h(
            'table',
            { class: 'rows findings' },
            h(
              'thead',
              null,
              h(
                'tr',
                null,
                ['severity', 'finding', 'change', 'to', 'events', 'last seen'].map((c) => h('th', null, c)),
              ),
            ),
            h(
              'tbody',
              null,
              w.findings.map((f) =>
                h(
                  'tr',
                  { 'data-check': f.check },
                  h('td', { class: 'severity' }, h('span', { class: `badge sev-${f.severity}` }, f.severity)),
                  h('td', { class: 'summary', title: f.examples.join('\n') }, f.summary),
                  h('td', { class: 'field' }, h('code', null, f.field)),
                  h('td', { class: 'fix' }, f.fix),
                  h('td', { class: 'num' }, String(f.events)),
                  h('td', { class: 'ts' }, f.last.slice(0, 19).replace('T', ' ')),
                ),
              ),
            ),
          ),
      ),
    ),
  );
}
