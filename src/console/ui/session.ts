// Session: the process tree of one entry leader's session, each process with its badges and its
// file, network and alert events in time order; collapsible; a jump between the session's alerts;
// its terminal output in a terminal (terminal.ts).
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { SessionAnswer as Answer, SessionProcess as Proc } from '../wire.js';
import { getJson } from './api.js';
import { href } from './route.js';
import { TerminalPlayer } from './terminal.js';

function ProcNode(p: {
  id: string;
  procs: Map<string, Proc>;
  closed: Set<string>;
  toggle: (id: string) => void;
  current: string;
}) {
  const x = p.procs.get(p.id);
  if (!x) return null;
  const open = !p.closed.has(x.entity);
  const badges = [
    x.interactive && h('span', { class: 'badge b-interactive' }, 'interactive'),
    x.capabilities.length > 0 &&
      h(
        'span',
        { class: 'badge b-caps', title: x.capabilities.join(' ') },
        x.capabilities.length === 1 ? x.capabilities[0] : `${x.capabilities.length} caps`,
      ),
    x.drift && h('span', { class: 'badge b-drift' }, 'drift'),
    x.alerts > 0 && h('span', { class: 'badge sev-high' }, `${x.alerts} alert${x.alerts > 1 ? 's' : ''}`),
    x.end && h('span', { class: 'badge b-end' }, `exit ${x.exitCode ?? '?'}`),
  ];
  return h(
    'li',
    {
      class: `proc${p.current === x.entity ? ' current' : ''}`,
      'data-entity': x.entity,
      id: `p-${x.entity}`,
    },
    h(
      'div',
      { class: 'proc-head' },
      h(
        'button',
        { class: 'toggle', 'aria-expanded': String(open), onClick: () => p.toggle(x.entity) },
        open ? '▾' : '▸',
      ),
      h('span', { class: 'pname' }, x.name || x.executable || x.entity),
      h('span', { class: 'pargs' }, x.args.slice(1).join(' ')),
      h('span', { class: 'pmeta' }, `pid ${x.pid ?? '?'} · ${x.user || '?'} · ${x.cwd || '?'}`),
      badges,
    ),
    open &&
      h(
        'ul',
        { class: 'events' },
        x.events.map((e) =>
          h(
            'li',
            { class: `ev ev-${e.kind}`, 'data-kind': e.kind },
            h('span', { class: 'ts' }, e.ts.slice(11, 23)),
            h('span', { class: 'kind' }, e.kind),
            h('span', null, e.summary),
          ),
        ),
      ),
    open &&
      x.children.length > 0 &&
      h(
        'ul',
        { class: 'children' },
        x.children.map((c) => h(ProcNode, { ...p, id: c })),
      ),
  );
}

export function SessionView({ params }: { params: URLSearchParams }) {
  const [data, setData] = useState<Answer | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [closed, setClosed] = useState<Set<string>>(new Set());
  const [at, setAt] = useState(-1);
  const key = params.toString();
  useEffect(() => {
    if (!params.get('id') && !params.get('entity')) {
      setErr('open a session from an alert (its "session" link) or from the Kubernetes view');
      return;
    }
    getJson<Answer>('/api/session', params).then(
      (d) => {
        setData(d);
        setErr(null);
        const focus = params.get('entity');
        setAt(focus ? d.alerts.findIndex((a) => a.entity === focus) : -1);
      },
      (e: Error) => setErr(e.message),
    );
  }, [key]);
  const current = data && at >= 0 ? (data.alerts[at]?.entity ?? '') : (params.get('entity') ?? '');
  useEffect(() => {
    if (current) document.getElementById(`p-${current}`)?.scrollIntoView({ block: 'center' });
  }, [current, data]);
  if (err) return h('p', { class: 'error', role: 'alert' }, err);
  if (!data) return h('p', null, 'loading…');
  const procs = new Map(data.processes.map((p) => [p.entity, p]));
  const toggle = (id: string) => {
    const s = new Set(closed);
    if (s.has(id)) s.delete(id);
    else s.add(id);
    setClosed(s);
  };
  const jump = (d: number) => {
    if (data.alerts.length === 0) return;
    const n = (at + d + data.alerts.length) % data.alerts.length;
    setAt(n);
    // Reopen the way to the alert's process.
    const s = new Set(closed);
    for (let e = data.alerts[n]?.entity; e; e = procs.get(e)?.parent) s.delete(e);
    setClosed(s);
  };
  const w = data.workload;
  return h(
    'section',
    { class: 'session' },
    h(
      'div',
      { class: 'toolbar' },
      h('strong', null, `session of ${procs.get(data.leader)?.name ?? data.leader}`),
      h(
        'span',
        { class: 'mut' },
        `${data.entryType || 'entry'} · ${[w.namespace, w.pod, w.container].filter((x) => x).join(' / ')} · ${w.image}`,
      ),
      h(
        'span',
        { 'data-testid': 'session-counts' },
        `${data.processes.length} processes, ${data.events} events, ${data.alerts.length} alerts`,
      ),
      h(
        'button',
        { name: 'prev-alert', onClick: () => jump(-1), disabled: data.alerts.length === 0 },
        '◀ alert',
      ),
      h('span', { 'data-testid': 'alert-at' }, data.alerts.length ? `${at + 1}/${data.alerts.length}` : '0'),
      h(
        'button',
        { name: 'next-alert', onClick: () => jump(1), disabled: data.alerts.length === 0 },
        'alert ▶',
      ),
      w.namespace &&
        h('a', { href: href('alerts', { namespace: w.namespace, pod: w.pod }) }, 'alerts of this pod'),
    ),
    data.truncated && h('p', { class: 'error' }, 'the session has more events than shown (the first 20000)'),
    h(
      'ul',
      { class: 'tree' },
      data.roots.map((r) => h(ProcNode, { id: r, procs, closed, toggle, current })),
    ),
    data.output.length > 0 && h(TerminalPlayer, { chunks: data.output }),
  );
}
