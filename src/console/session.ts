// The Session view's API: every event of one session (its entry leader and everything under it),
// folded into a process tree with the file, network, alert and output events of each process.
import type { EcsDoc } from '../output/index.js';
import { D4cError } from '../util/index.js';
import type { ConsoleStore } from './api.js';
import { alertRow } from './api.js';
import { CONSOLE_CODES } from './codes.js';
import { get, list, str } from './fields.js';
import type { SessionAnswer, SessionEvent, SessionProcess } from './wire.js';

export type { SessionAnswer, SessionEvent, SessionProcess } from './wire.js';

const MAX_EVENTS = 20_000;

function kindOf(d: EcsDoc): SessionEvent['kind'] {
  if (str(get(d, 'event.kind')) === 'alert') return 'alert';
  const action = str(get(d, 'event.action'));
  if (action === 'text_output') return 'output';
  const cat = list(get(d, 'event.category'));
  if (cat.includes('file')) return 'file';
  if (cat.includes('network')) return 'network';
  if (cat.includes('process')) return 'process';
  return 'other';
}

function summary(d: EcsDoc, kind: SessionEvent['kind']): string {
  const action = str(get(d, 'event.action'));
  switch (kind) {
    case 'file':
      return `${action} ${str(get(d, 'file.path'))}`;
    case 'network': {
      const dst = str(get(d, 'destination.ip')) || str(get(d, 'destination.address'));
      const src = str(get(d, 'source.ip'));
      const port = str(get(d, 'destination.port')) || str(get(d, 'source.port'));
      return `${action} ${dst || src}${port ? `:${port}` : ''}`;
    }
    case 'alert':
      return alertRow(d).rule;
    case 'output':
      return 'terminal output';
    case 'process':
      if (action === 'end') return `end, exit ${str(get(d, 'process.exit_code')) || '?'}`;
      return `${action} ${str(get(d, 'process.args')) || str(get(d, 'process.executable'))}`;
    default:
      return action;
  }
}

function node(entity: string): SessionProcess {
  return {
    entity,
    parent: '',
    pid: null,
    name: '',
    executable: '',
    args: [],
    user: '',
    cwd: '',
    interactive: false,
    capabilities: [],
    drift: false,
    start: '',
    end: '',
    exitCode: null,
    children: [],
    events: [],
    alerts: 0,
  };
}

/** Folds a session's documents (any order) into its tree. */
export function buildSession(leader: string, docs: EcsDoc[], truncated: boolean): SessionAnswer {
  docs.sort((a, b) => str(get(a, '@timestamp')).localeCompare(str(get(b, '@timestamp'))));
  const procs = new Map<string, SessionProcess>();
  const answer: SessionAnswer = {
    leader,
    entryType: '',
    workload: { namespace: '', pod: '', container: '', image: '' },
    roots: [],
    processes: [],
    alerts: [],
    output: [],
    events: docs.length,
    truncated,
  };
  for (const d of docs) {
    const entity = str(get(d, 'process.entity_id'));
    if (!entity) continue;
    const p = procs.get(entity) ?? node(entity);
    procs.set(entity, p);
    const kind = kindOf(d);
    const ts = str(get(d, '@timestamp'));
    const action = str(get(d, 'event.action'));
    // The process's own fields: the newest exec (or fork) names it; alerts copy them too.
    if (kind === 'process' || !p.executable) {
      p.parent = str(get(d, 'process.parent.entity_id')) || p.parent;
      const pid = get(d, 'process.pid');
      if (typeof pid === 'number') p.pid = pid;
      if (action !== 'end') {
        p.name = str(get(d, 'process.name')) || p.name;
        p.executable = str(get(d, 'process.executable')) || p.executable;
        const args = list(get(d, 'process.args'));
        if (args.length) p.args = args;
        p.user = str(get(d, 'process.user.name')) || str(get(d, 'process.user.id')) || p.user;
        p.cwd = str(get(d, 'process.working_directory')) || p.cwd;
        p.interactive ||= get(d, 'process.interactive') === true;
        const caps = list(get(d, 'process.thread.capabilities.effective'));
        if (caps.length) p.capabilities = caps;
        p.start = str(get(d, 'process.start')) || p.start || ts;
      }
    }
    p.drift ||= get(d, 'process.drift') === true;
    if (action === 'end') {
      p.end = str(get(d, 'process.end')) || ts;
      const code = get(d, 'process.exit_code');
      if (typeof code === 'number') p.exitCode = code;
    }
    const ev: SessionEvent = { ts, kind, action, summary: summary(d, kind) };
    if (kind === 'alert') {
      const r = alertRow(d);
      ev.severity = r.severity;
      p.alerts++;
      answer.alerts.push({ ts, entity, rule: r.rule, severity: r.severity });
    }
    if (kind === 'output') {
      const text = str(get(d, 'process.io.text'));
      answer.output.push({ ts, entity, text });
    }
    p.events.push(ev);
    if (entity === leader) {
      answer.entryType = str(get(d, 'process.entry_leader.entry_meta.type')) || answer.entryType;
      answer.workload = {
        namespace: str(get(d, 'orchestrator.namespace')) || answer.workload.namespace,
        pod: str(get(d, 'orchestrator.resource.name')) || answer.workload.pod,
        container: str(get(d, 'container.name')) || answer.workload.container,
        image: str(get(d, 'container.image.name')) || answer.workload.image,
      };
    }
  }
  for (const p of procs.values()) {
    const parent = procs.get(p.parent);
    if (parent && p.entity !== leader && parent !== p) parent.children.push(p.entity);
    else answer.roots.push(p.entity);
  }
  const byStart = (a: string, b: string) =>
    (procs.get(a)?.start ?? '').localeCompare(procs.get(b)?.start ?? '');
  for (const p of procs.values()) p.children.sort(byStart);
  answer.roots.sort((a, b) => (a === leader ? -1 : b === leader ? 1 : byStart(a, b)));
  answer.processes = [...procs.values()].sort((a, b) => byStart(a.entity, b.entity));
  return answer;
}

/** `?id=` an entry leader's entity id, or `?entity=` any process (its entry leader is looked up). */
export async function session(store: ConsoleStore, q: URLSearchParams): Promise<SessionAnswer> {
  let leader = q.get('id') ?? '';
  const entity = q.get('entity') ?? '';
  if (!leader && entity) {
    const [d] = await store.query({
      filters: [{ field: 'process.entity_id', op: 'eq', value: entity }],
      limit: 1,
    });
    if (!d) throw new D4cError(CONSOLE_CODES.noProcess.code, `no events of process ${entity} in the store`);
    leader =
      str(get(d, 'process.entry_leader.entity_id')) ||
      str(get(d, 'process.session_leader.entity_id')) ||
      entity;
  }
  if (!leader)
    throw new D4cError(CONSOLE_CODES.sessionParams.code, 'give ?id=ENTRY_LEADER or ?entity=PROCESS');
  const under = await store.query({
    filters: [{ field: 'process.entry_leader.entity_id', op: 'eq', value: leader }],
    limit: MAX_EVENTS,
  });
  // The leader's own events, where they do not name themselves as entry leader.
  const own = await store.query({
    filters: [
      { field: 'process.entity_id', op: 'eq', value: leader },
      { field: 'process.entry_leader.entity_id', op: 'neq', value: leader },
    ],
    limit: MAX_EVENTS,
  });
  if (under.length === 0 && own.length === 0)
    throw new D4cError(CONSOLE_CODES.noSession.code, `no session ${leader} in the store`);
  return buildSession(leader, [...under, ...own], under.length === MAX_EVENTS);
}
