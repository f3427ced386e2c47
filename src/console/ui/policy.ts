// Policy: the running policy, an editor validated as you type (`d4c policy validate`'s messages
// and positions, as CodeMirror lint markers at their line:col), and a test of the draft over the
// store's events.
import { h } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { getJson } from './api.js';
import { type PolicyEditor, policyEditor } from './editor.js';

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
  const host = useRef<HTMLDivElement>(null);
  const editor = useRef<PolicyEditor | null>(null);
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
  const loaded = text !== null;
  useEffect(() => {
    // Made once the running policy is here; from then on the editor owns the text.
    if (text === null || !host.current || editor.current) return;
    editor.current = policyEditor(host.current, text, setText);
    return () => {
      editor.current?.destroy();
      editor.current = null;
    };
  }, [loaded]);
  useEffect(() => editor.current?.mark(diags), [diags]);
  if (err) return h('p', { class: 'error', role: 'alert' }, err);
  if (text === null) return h('p', null, 'loading…');
  const goTo = (d: Diag) => editor.current?.select(d.line, d.col);
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
    h('div', { class: 'editor', ref: host, 'data-testid': 'policy-editor' }),
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
