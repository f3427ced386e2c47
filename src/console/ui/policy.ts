// Policy: the running policy, an editor validated as you type (`d4c policy validate`'s messages
// and positions, marked at their line), and a test of the draft over the store's events.
import { h } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { getJson } from './api.js';

interface Diag {
  code: string;
  severity: string;
  message: string;
  line: number;
  col: number;
  text: string;
}
interface Sample {
  ts: string;
  action: string;
  process: string;
  target: string;
  workload: string;
}
interface TestAnswer {
  ok: boolean;
  diagnostics: Diag[];
  events: number;
  evaluated: number;
  truncated: boolean;
  selectors: { name: string; hits: number; samples: Sample[] }[];
  responses: { name: string; actions: string[]; hits: number }[];
}

async function post<T>(path: string, text: string, params = ''): Promise<T> {
  const r = await fetch(`${path}${params ? `?${params}` : ''}`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain', 'x-d4c-console': '1' },
    body: text,
  });
  const b = (await r.json()) as T | { error: { message: string } };
  if (!r.ok) throw new Error((b as { error: { message: string } }).error.message);
  return b as T;
}

const WINDOWS: [string, number][] = [
  ['all', 0],
  ['1 h', 36e5],
  ['24 h', 864e5],
];

export function PolicyView() {
  const [name, setName] = useState('');
  const [text, setText] = useState<string | null>(null);
  const [diags, setDiags] = useState<Diag[]>([]);
  const [test, setTest] = useState<TestAnswer | null>(null);
  const [win, setWin] = useState(0);
  const [err, setErr] = useState<string | null>(null);
  const area = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLPreElement>(null);
  useEffect(() => {
    getJson<{ name: string; text: string }>('/api/policy').then(
      (p) => {
        setName(p.name);
        setText(p.text);
      },
      (e: Error) => setErr(e.message),
    );
  }, []);
  useEffect(() => {
    if (text === null) return;
    // Validated a moment after the last key, as the same validator the CLI runs.
    const t = setTimeout(() => {
      post<{ diagnostics: Diag[] }>('/api/policy/validate', text).then(
        (v) => setDiags(v.diagnostics),
        (e: Error) => setErr(e.message),
      );
    }, 250);
    return () => clearTimeout(t);
  }, [text]);
  if (err) return h('p', { class: 'error', role: 'alert' }, err);
  if (text === null) return h('p', null, 'loading…');
  const lines = text.split('\n');
  const bad = new Map<number, Diag>();
  for (const d of diags) if (!bad.has(d.line) || d.severity === 'error') bad.set(d.line, d);
  const goTo = (d: Diag) => {
    const el = area.current;
    if (!el) return;
    let off = 0;
    for (let i = 0; i < d.line - 1; i++) off += (lines[i]?.length ?? 0) + 1;
    el.focus();
    el.setSelectionRange(off + d.col - 1, off + (lines[d.line - 1]?.length ?? 0));
  };
  const runTest = () => {
    const p = win > 0 ? `from=${Date.now() - win}` : '';
    post<TestAnswer>('/api/policy/test', text, p).then(setTest, (e: Error) => setErr(e.message));
  };
  const errors = diags.filter((d) => d.severity === 'error').length;
  return h(
    'section',
    { class: 'policy' },
    h(
      'div',
      { class: 'toolbar' },
      h('strong', null, `running: ${name}`),
      h(
        'span',
        { 'data-testid': 'policy-status', class: errors ? 'error' : 'ok' },
        errors ? `${errors} error${errors > 1 ? 's' : ''}` : 'valid',
      ),
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
      h('button', { name: 'test', onClick: runTest, disabled: errors > 0 }, 'test the draft over the store'),
    ),
    h(
      'div',
      { class: 'editor' },
      h(
        'pre',
        { class: 'gutter', ref: gutter, 'aria-hidden': 'true' },
        lines.map((_, i) =>
          h(
            'div',
            {
              class: bad.has(i + 1) ? `bad ${bad.get(i + 1)?.severity}` : '',
              'data-line': i + 1,
              title: bad.get(i + 1)?.message,
            },
            String(i + 1),
          ),
        ),
      ),
      h('textarea', {
        ref: area,
        name: 'policy',
        spellcheck: false,
        wrap: 'off',
        value: text,
        rows: Math.min(40, Math.max(12, lines.length)),
        onInput: (e: Event) => setText((e.target as HTMLTextAreaElement).value),
        onScroll: (e: Event) => {
          if (gutter.current) gutter.current.scrollTop = (e.target as HTMLTextAreaElement).scrollTop;
        },
      }),
    ),
    h(
      'ul',
      { class: 'diags' },
      diags.map((d) =>
        h(
          'li',
          { class: `diag ${d.severity}`, 'data-line': d.line, onClick: () => goTo(d) },
          h('code', null, d.text),
          ` (${d.code})`,
        ),
      ),
    ),
    test &&
      h(
        'div',
        { class: 'draft-test' },
        h(
          'p',
          { 'data-testid': 'draft-summary' },
          `${test.evaluated} of ${test.events} events evaluated${test.truncated ? ' (the newest 100000)' : ''}`,
        ),
        h(
          'table',
          { class: 'rows selectors' },
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              ['selector', 'hits', 'samples'].map((c) => h('th', null, c)),
            ),
          ),
          h(
            'tbody',
            null,
            test.selectors.map((s) =>
              h(
                'tr',
                { 'data-selector': s.name },
                h('td', null, s.name),
                h('td', { class: 'num' }, String(s.hits)),
                h(
                  'td',
                  null,
                  s.samples.map((x) =>
                    h(
                      'div',
                      { class: 'sample' },
                      `${x.ts.slice(11, 19)} ${x.action} ${x.process} ${x.target} ${x.workload}`,
                    ),
                  ),
                ),
              ),
            ),
          ),
        ),
        h(
          'table',
          { class: 'rows responses' },
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              ['response', 'actions', 'hits'].map((c) => h('th', null, c)),
            ),
          ),
          h(
            'tbody',
            null,
            test.responses.map((r) =>
              h(
                'tr',
                { 'data-response': r.name },
                h('td', null, r.name),
                h('td', null, r.actions.join(', ')),
                h('td', { class: 'num' }, String(r.hits)),
              ),
            ),
          ),
        ),
      ),
  );
}
