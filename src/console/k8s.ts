// The Kubernetes view's API: cluster → namespace → pod → container with event and alert counts
// and badges, from a few GROUP BYs over promoted columns (no document is read whole).
import type { Filter, Metric } from '../store/index.js';
import type { ConsoleStore } from './api.js';
import { list, str } from './fields.js';
import type { K8sAnswer, K8sCluster } from './wire.js';

export type { K8sAnswer, K8sCluster, K8sContainer, K8sNamespace, K8sPod } from './wire.js';

// containerd's and Docker's default capability set: anything else in a container was added.
const DEFAULT_CAPS = new Set(
  [
    'CHOWN',
    'DAC_OVERRIDE',
    'FSETID',
    'FOWNER',
    'MKNOD',
    'NET_RAW',
    'SETGID',
    'SETUID',
    'SETFCAP',
    'SETPCAP',
    'NET_BIND_SERVICE',
    'SYS_CHROOT',
    'KILL',
    'AUDIT_WRITE',
  ].map((c) => `CAP_${c}`),
);

// Promoted columns only for the per-event counts; fields read from the JSON document (cluster,
// privileged, drift, capabilities) only over exec events, a small share of all.
const CKEY = [
  'orchestrator.namespace',
  'orchestrator.resource.name',
  'container.name',
  'container.id',
  'container.image.name',
];
const EXEC: Filter = { field: 'event.action', op: 'eq', value: 'exec' };

const keyOf = (r: Record<string, unknown>, fields: string[]) => fields.map((f) => str(r[f])).join('\u0000');
const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : 0);

export async function k8s(store: ConsoleStore, q: URLSearchParams): Promise<K8sAnswer> {
  const from = q.get('from');
  const window = from ? { from: /^\d+$/.test(from) ? Number(from) : from } : {};
  const count = (extra: Filter[], groupBy = CKEY, metric: Metric = { op: 'count', as: 'n' }) =>
    store.aggregate({
      ...window,
      groupBy,
      metrics: [metric],
      filters: [{ field: 'container.id', op: 'exists' }, ...extra],
    });
  const [all, alerts, clusterOf, privileged, interactive, drift, caps, total] = await Promise.all([
    count([]),
    count([{ field: 'event.kind', op: 'eq', value: 'alert' }]),
    count([EXEC], ['container.id', 'orchestrator.cluster.name']),
    count(
      [EXEC, { field: 'container.security_context.privileged', op: 'eq', value: true }],
      ['container.id'],
    ),
    count(
      [
        { field: 'process.interactive', op: 'eq', value: true },
        { field: 'event.action', op: 'eq', value: 'exec' },
      ],
      ['container.id'],
      // Interactive sessions: distinct entry leaders with an interactive exec.
      { op: 'count_distinct', field: 'process.entry_leader.entity_id', as: 'n' },
    ),
    count([EXEC, { field: 'process.drift', op: 'eq', value: true }], ['container.id']),
    count([EXEC], ['container.id', 'process.thread.capabilities.effective']),
    store.aggregate({ ...window, groupBy: [], metrics: [{ op: 'count', as: 'n' }] }),
  ]);
  const byId = (rows: Record<string, unknown>[]) => {
    const m = new Map<string, number>();
    for (const r of rows) m.set(str(r['container.id']), (m.get(str(r['container.id'])) ?? 0) + num(r.n));
    return m;
  };
  const alertBy = new Map(alerts.map((r) => [keyOf(r, CKEY), num(r.n)]));
  const cluster = new Map(
    clusterOf.map((r) => [str(r['container.id']), str(r['orchestrator.cluster.name'])]),
  );
  const priv = byId(privileged);
  const inter = byId(interactive);
  const drifted = byId(drift);
  const added = new Map<string, Set<string>>();
  for (const r of caps) {
    const id = str(r['container.id']);
    let raw = r['process.thread.capabilities.effective'];
    if (typeof raw === 'string' && raw.startsWith('[')) raw = JSON.parse(raw) as unknown;
    for (const c of list(raw))
      if (!DEFAULT_CAPS.has(c)) {
        const s = added.get(id) ?? new Set<string>();
        s.add(c);
        added.set(id, s);
      }
  }
  const clusters = new Map<string, K8sCluster>();
  for (const r of all) {
    const [ns, pod, name, id, image] = CKEY.map((f) => str(r[f]));
    const cn = cluster.get(id ?? '') ?? '';
    const n = num(r.n);
    const a = alertBy.get(keyOf(r, CKEY)) ?? 0;
    const cl = clusters.get(cn) ?? { name: cn, events: 0, alerts: 0, namespaces: [] };
    clusters.set(cl.name, cl);
    let nsn = cl.namespaces.find((x) => x.name === ns);
    if (!nsn) {
      nsn = { name: ns ?? '', events: 0, alerts: 0, pods: [] };
      cl.namespaces.push(nsn);
    }
    let p = nsn.pods.find((x) => x.name === pod);
    if (!p) {
      p = { name: pod ?? '', events: 0, alerts: 0, containers: [] };
      nsn.pods.push(p);
    }
    const cid = id ?? '';
    p.containers.push({
      name: name ?? '',
      id: cid,
      image: image ?? '',
      events: n,
      alerts: a,
      privileged: (priv.get(cid) ?? 0) > 0,
      addedCapabilities: [...(added.get(cid) ?? [])].sort(),
      interactive: inter.get(cid) ?? 0,
      drift: drifted.get(cid) ?? 0,
    });
    for (const x of [cl, nsn, p]) {
      x.events += n;
      x.alerts += a;
    }
  }
  const byName = <T extends { name: string }>(xs: T[]) => xs.sort((a, b) => a.name.localeCompare(b.name));
  const out = byName([...clusters.values()]);
  for (const c of out) {
    byName(c.namespaces);
    for (const ns of c.namespaces) {
      byName(ns.pods);
      for (const p of ns.pods) byName(p.containers);
    }
  }
  const inContainers = out.reduce((s, c) => s + c.events, 0);
  return { clusters: out, hostEvents: Math.max(0, num(total[0]?.n) - inContainers) };
}
