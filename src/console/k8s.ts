// The Kubernetes view's API: cluster → namespace → pod → container with event and alert counts
// and badges, from a few GROUP BYs over promoted columns (no document is read whole).
import type { ConsoleStore } from './api.js';
import { list, num, str, timeParam } from './fields.js';
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

// One pass over promoted columns groups every container's events with its counts and badges
// (no document is read); a second lists capabilities from exec events.
const KEYS = `"orchestrator.namespace" AS ns, "orchestrator.resource.name" AS pod, "container.name" AS name,
  "container.id" AS id, "container.image.name" AS image`;
const EXEC = `"event.action" = 'exec'`;
const CONTAINERS = `SELECT ${KEYS}, count(*) AS n,
  count(*) FILTER (WHERE "event.kind" = 'alert') AS alerts,
  max("orchestrator.cluster.name") AS cluster,
  coalesce(bool_or("container.security_context.privileged"), false) AS privileged,
  count(DISTINCT "process.entry_leader.entity_id") FILTER (WHERE "process.interactive" AND ${EXEC}) AS interactive,
  count(*) FILTER (WHERE "process.drift" AND ${EXEC}) AS drift`;
const CAPS = `SELECT "container.id" AS id, list_distinct(flatten(list("process.thread.capabilities.effective"))) AS caps`;

export async function k8s(store: ConsoleStore, q: URLSearchParams): Promise<K8sAnswer> {
  const from = timeParam(q.get('from'), 'from');
  const params: bigint[] = [];
  let since = 'true';
  if (from !== undefined) {
    params.push(BigInt(Math.trunc(from)) * 1000n);
    since = `"@timestamp" >= make_timestamp($1::BIGINT)`;
  }
  const inContainer = `"container.id" IS NOT NULL AND ${since}`;
  const [all, caps, total] = await Promise.all([
    store.sql(`${CONTAINERS} FROM events WHERE ${inContainer} GROUP BY ALL`, params),
    store.sql(`${CAPS} FROM events WHERE ${inContainer} AND ${EXEC} GROUP BY ALL`, params),
    store.sql(`SELECT count(*) AS n FROM events WHERE ${since}`, params),
  ]);
  const added = new Map<string, string[]>();
  for (const r of caps)
    added.set(
      str(r.id),
      list(r.caps)
        .filter((c) => !DEFAULT_CAPS.has(c))
        .sort(),
    );
  const clusters = new Map<string, K8sCluster>();
  for (const r of all) {
    const [ns, pod, name, id, image] = [r.ns, r.pod, r.name, r.id, r.image].map(str);
    const cn = str(r.cluster);
    const n = num(r.n);
    const a = num(r.alerts);
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
      privileged: r.privileged === true,
      addedCapabilities: added.get(cid) ?? [],
      interactive: num(r.interactive),
      drift: num(r.drift),
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
