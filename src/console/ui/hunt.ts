// Hunt: a KQL / EQL / ES|QL box over the store, the saved hunts, a results table with columns
// chosen from the fields, export as NDJSON or CSV; query errors with their position.
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { type ApiError, getJson } from './api.js';
import { href } from './route.js';

interface Saved {
  id: string;
  title: string;
  lang: string;
  query: string;
}
interface Answer {
  rows: unknown[];
  columns: string[];
  warnings: string[];
  truncated: boolean;
}

function field(x: unknown, path: string): string {
  let v: unknown = x;
  for (const k of path.split('.')) {
    if (v === null || typeof v !== 'object') return '';
    v = (v as Record<string, unknown>)[k];
  }
  return v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v);
}

const PREFERRED = [
  '@timestamp',
  'event.action',
  'process.executable',
  'process.args',
  'file.path',
  'orchestrator.namespace',
  'orchestrator.resource.name',
  'container.image.name',
];

export function HuntView() {
  const [saved, setSaved] = useState<Saved[]>([]);
  const [lang, setLang] = useState('kql');
  const [text, setText] = useState('');
  const [data, setData] = useState<Answer | null>(null);
  const [err, setErr] = useState<ApiError | null>(null);
  const [cols, setCols] = useState<string[]>([]);
  useEffect(() => {
    getJson<Saved[]>('/api/hunts').then(setSaved, () => {});
  }, []);
  const params = () => new URLSearchParams({ lang, q: text, limit: '1000' });
  const run = () => {
    setErr(null);
    getJson<Answer>('/api/hunt', params()).then(
      (d) => {
        setData(d);
        const pre = PREFERRED.filter((c) => d.columns.includes(c));
        setCols(pre.length ? pre : d.columns.slice(0, 8));
      },
      (e: ApiError) => {
        setData(null);
        setErr(e);
      },
    );
  };
  const load = (s: Saved) => {
    setLang(s.lang);
    setText(s.query);
  };
  return h(
    'section',
    { class: 'hunt' },
    h(
      'div',
      { class: 'toolbar' },
      h(
        'select',
        { name: 'lang', value: lang, onChange: (e: Event) => setLang((e.target as HTMLSelectElement).value) },
        ['kql', 'eql', 'esql'].map((l) =>
          h('option', { value: l }, l.toUpperCase().replace('ESQL', 'ES|QL')),
        ),
      ),
      saved.map((s) =>
        h('button', { class: 'saved', 'data-hunt': s.id, title: s.query, onClick: () => load(s) }, s.title),
      ),
    ),
    h('textarea', {
      name: 'query',
      rows: 4,
      spellcheck: false,
      value: text,
      onInput: (e: Event) => setText((e.target as HTMLTextAreaElement).value),
    }),
    h(
      'div',
      { class: 'toolbar' },
      h('button', { name: 'run', onClick: run }, 'run'),
      data &&
        h(
          'span',
          { 'data-testid': 'hunt-count' },
          `${data.rows.length} rows${data.truncated ? ' (limit reached)' : ''}`,
        ),
      data && h('a', { href: `/api/hunt?${params()}&format=ndjson`, download: 'hunt.ndjson' }, 'NDJSON'),
      data && h('a', { href: `/api/hunt?${params()}&format=csv`, download: 'hunt.csv' }, 'CSV'),
    ),
    err &&
      h(
        'p',
        { class: 'error', role: 'alert', 'data-testid': 'hunt-error' },
        err.line !== undefined ? `${err.line}:${err.col}: ` : '',
        err.message,
      ),
    data?.warnings.map((w) => h('p', { class: 'mut' }, w)),
    data &&
      h(
        'details',
        { class: 'columns' },
        h('summary', null, `columns (${cols.length} of ${data.columns.length})`),
        data.columns.map((c) =>
          h(
            'label',
            { class: 'col' },
            h('input', {
              type: 'checkbox',
              name: `col:${c}`,
              checked: cols.includes(c),
              onChange: () => setCols(cols.includes(c) ? cols.filter((x) => x !== c) : [...cols, c]),
            }),
            c,
          ),
        ),
      ),
    data &&
      h(
        'table',
        { class: 'rows hunt-rows' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            cols.map((c) => h('th', null, c)),
            h('th', null, ''),
          ),
        ),
        h(
          'tbody',
          null,
          data.rows.map((r) => {
            // Any event opens its session, as an alert does.
            const entity = field(r, 'process.entity_id');
            return h(
              'tr',
              null,
              cols.map((c) => h('td', null, field(r, c))),
              h(
                'td',
                null,
                entity && h('a', { class: 'session-link', href: href('session', { entity }) }, 'session'),
              ),
            );
          }),
        ),
      ),
  );
}
