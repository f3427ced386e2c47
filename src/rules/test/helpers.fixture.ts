export { describeElastic, ELASTIC_RULES_DIR, HAVE_ELASTIC_RULES } from '../../../test/reference.js';
export const CID = 'c0ffee'.repeat(10).slice(0, 60) + 'beef';

export type Doc = Record<string, unknown>;

let counter = 0;
let clock = Date.parse('2026-11-28T00:00:00.000Z');

/** Advances the event clock by `ms` (default 100 ms) and returns the new ISO timestamp. */
export function tick(ms = 100): string {
  clock += ms;
  return new Date(clock).toISOString();
}

export interface ProcSpec {
  args: string[];
  name?: string;
  executable?: string;
  interactive?: boolean;
  working_directory?: string;
  parent?: Record<string, unknown>;
  entry_leader?: Record<string, unknown>;
  [k: string]: unknown;
}

function base(category: string, action: string, type: string, gapMs?: number): Doc {
  counter++;
  return {
    '@timestamp': tick(gapMs),
    event: {
      id: `ev-${counter}`,
      kind: 'event',
      category: [category],
      action,
      type: [type],
      module: 'cloud_defend',
      dataset: `cloud_defend.${category}`,
    },
    data_stream: { type: 'logs', dataset: `cloud_defend.${category}`, namespace: 'default' },
    agent: { type: 'cloud-defend', id: 'agent-1' },
    host: { os: { type: 'linux' }, name: 'node-1', id: 'host-1' },
    container: {
      id: CID,
      name: 'web',
      image: { name: 'docker.io/library/nginx', tag: '1.27' },
      security_context: { privileged: false },
    },
    orchestrator: { type: 'kubernetes', namespace: 'default', resource: { name: 'web-0', type: 'pod' } },
    user: { id: '0', name: 'root' },
  };
}

function procFields(p: ProcSpec): Doc {
  const name = p.name ?? p.args[0]!.split('/').pop()!;
  const { args, parent, entry_leader, ...rest } = p;
  return {
    pid: 100 + counter,
    entity_id: `ent-${counter}`,
    name,
    executable: p.executable ?? (p.args[0]!.startsWith('/') ? p.args[0] : `/usr/bin/${name}`),
    args,
    args_count: args.length,
    interactive: p.interactive ?? true,
    working_directory: p.working_directory ?? '/',
    user: { id: '0', name: 'root' },
    parent: {
      name: 'bash',
      executable: '/bin/bash',
      args: ['bash'],
      entity_id: 'parent-1',
      interactive: true,
      ...parent,
    },
    entry_leader: { same_as_process: false, entry_meta: { type: 'container' }, ...entry_leader },
    ...rest,
  };
}

/** A process exec event. `extra` is merged at the top level (use `with` for nested overrides). */
export function exec(p: ProcSpec, extra: Doc = {}, gapMs?: number): Doc {
  return { ...base('process', 'exec', 'start', gapMs), process: procFields(p), ...extra };
}

/** A process event with another action (`end`, `fork`). */
export function procEvent(action: string, type: string, p: ProcSpec, extra: Doc = {}, gapMs?: number): Doc {
  return { ...base('process', action, type, gapMs), process: procFields(p), ...extra };
}

const FILE_TYPES: Record<string, string> = {
  creation: 'creation',
  open: 'change',
  modification: 'change',
  deletion: 'deletion',
  rename: 'change',
};

/** A file event (`creation`, `open` with write intent, `modification`, `deletion`, `rename`). */
export function fileEv(
  action: string,
  path: string,
  p: ProcSpec = { args: ['sh'] },
  extra: Doc = {},
  gapMs?: number,
): Doc {
  const name = path.split('/').pop()!;
  const dot = name.lastIndexOf('.');
  return {
    ...base('file', action, FILE_TYPES[action] ?? 'change', gapMs),
    file: {
      path,
      name,
      directory: path.slice(0, path.lastIndexOf('/')) || '/',
      ...(dot > 0 ? { extension: name.slice(dot + 1) } : {}),
    },
    process: procFields(p),
    ...extra,
  };
}

const NET_TYPES: Record<string, string[]> = {
  connection_attempted: ['connection', 'start'],
  connection_accepted: ['connection', 'start'],
  bind: ['info'],
  listen: ['start'],
};

export interface NetSpec {
  transport?: string;
  destination?: { ip?: string; port?: number; address?: string };
  source?: { ip?: string; port?: number; address?: string };
  outcome?: string;
}

/** A network event (`connection_attempted`, `connection_accepted`, `bind`, `listen`), issue 8. */
export function netEv(action: string, n: NetSpec, p: ProcSpec = { args: ['sh'] }, extra: Doc = {}): Doc {
  const d = base('network', action, 'x');
  const ev = d.event as Doc;
  ev.type = NET_TYPES[action] ?? ['info'];
  ev.outcome = n.outcome ?? 'success';
  const ip = n.destination?.ip ?? '';
  return {
    ...d,
    ...(n.source ? { source: n.source } : {}),
    destination: { address: ip, ...n.destination },
    network: {
      transport: n.transport ?? 'tcp',
      type: ip.includes(':') ? 'ipv6' : ip ? 'ipv4' : 'unix',
      direction: action === 'connection_attempted' ? 'egress' : 'ingress',
    },
    process: procFields(p),
    ...extra,
  };
}

/** Deep-merges `patch` into a copy of `doc` (objects merge, everything else replaces). */
export function patch(doc: Doc, p: Doc): Doc {
  const out: Doc = { ...doc };
  for (const [k, v] of Object.entries(p)) {
    const cur = out[k];
    if (
      v &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      cur &&
      typeof cur === 'object' &&
      !Array.isArray(cur)
    ) {
      out[k] = patch(cur as Doc, v as Doc);
    } else if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

/** A Kubernetes audit-log document (the multi_source rules join D4C with these). */
export function audit(podName: string, extra: Doc = {}, gapMs?: number): Doc {
  counter++;
  return {
    '@timestamp': tick(gapMs),
    event: { id: `ev-${counter}`, kind: 'event', module: 'kubernetes' },
    data_stream: { dataset: 'kubernetes.audit_logs' },
    kubernetes: {
      audit: {
        stage: 'ResponseComplete',
        verb: 'get',
        objectRef: { resource: 'secrets' },
        user: { extra: { 'authentication.kubernetes.io/pod-name': [podName] } },
        annotations: { 'authorization_k8s_io/decision': 'allow' },
      },
    },
    ...extra,
  };
}

export const id = (d: Doc): unknown => (d.event as Doc).id;
