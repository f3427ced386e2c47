// "Compile at load": the parts of a document that never change for one agent (agent, host,
// cloud, ecs, data streams) are built once and frozen; the parts that never change for one
// container or pod are built once per context object. The hot path only links to them.

import type {
  AgentContext,
  CloudContext,
  ContainerContext,
  HostContext,
  OrchestratorContext,
} from './input.js';
import { type DataStream, dataStreams, type Stream } from './streams.js';

export const ECS_VERSION = '8.11.0';
export const AGENT_TYPE = 'cloud-defend';

export interface StaticFragments {
  readonly agent: Readonly<Record<string, unknown>>;
  readonly host: Readonly<Record<string, unknown>>;
  readonly cloud?: Readonly<Record<string, unknown>>;
  readonly ecs: { readonly version: string };
  readonly streams: Readonly<Record<Stream, DataStream>>;
}

/** Recursively freezes a freshly built plain object. */
export function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/** Sets `obj[key] = value` unless value is undefined (ECS: absent, never null). */
function put(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== undefined) obj[key] = value;
}

export function compileStatic(
  agent: AgentContext,
  host: HostContext,
  cloud: CloudContext | undefined,
  namespace: string,
): StaticFragments {
  const a: Record<string, unknown> = { id: agent.id, type: AGENT_TYPE, version: agent.version };
  put(a, 'name', agent.name);

  const os: Record<string, unknown> = { type: 'linux' };
  if (host.os) {
    put(os, 'name', host.os.name);
    put(os, 'kernel', host.os.kernel);
    put(os, 'family', host.os.family);
    put(os, 'platform', host.os.platform);
    put(os, 'version', host.os.version);
    put(os, 'full', host.os.full);
    put(os, 'codename', host.os.codename);
  }
  const h: Record<string, unknown> = { name: host.name, hostname: host.hostname };
  put(h, 'id', host.id);
  put(h, 'architecture', host.architecture);
  if (host.bootId !== undefined) h.boot = { id: host.bootId };
  put(h, 'pid_ns_ino', host.pidNsIno === undefined ? undefined : String(host.pidNsIno));
  if (host.ip?.length) h.ip = [...host.ip];
  if (host.mac?.length) h.mac = [...host.mac];
  h.os = os;

  let c: Record<string, unknown> | undefined;
  if (cloud) {
    c = {};
    put(c, 'provider', cloud.provider);
    put(c, 'region', cloud.region);
    put(c, 'availability_zone', cloud.availabilityZone);
    if (cloud.accountId !== undefined) c.account = { id: cloud.accountId };
    if (cloud.projectId !== undefined) c.project = { id: cloud.projectId };
    if (cloud.instanceName !== undefined || cloud.instanceId !== undefined) {
      const inst: Record<string, unknown> = {};
      put(inst, 'id', cloud.instanceId);
      put(inst, 'name', cloud.instanceName);
      c.instance = inst;
    }
    if (Object.keys(c).length === 0) c = undefined;
  }

  const out: StaticFragments = {
    agent: a,
    host: h,
    ecs: { version: ECS_VERSION },
    streams: dataStreams(namespace),
    ...(c ? { cloud: c } : {}),
  };
  return deepFreeze(out);
}

export function containerFragment(ctx: ContainerContext): Readonly<Record<string, unknown>> {
  const c: Record<string, unknown> = { id: ctx.id };
  put(c, 'name', ctx.name);
  if (ctx.image) {
    const image: Record<string, unknown> = { name: ctx.image.name };
    put(image, 'tag', ctx.image.tag);
    if (ctx.image.digests?.length) image.hash = { all: [...ctx.image.digests] };
    c.image = image;
  }
  put(c, 'runtime', ctx.runtime);
  if (ctx.privileged !== undefined) c.security_context = { privileged: ctx.privileged };
  return deepFreeze(c);
}

/** `key:value` strings, sorted by key: the form D4C selectors (kubernetesPodLabel) match. */
export function keyValueList(rec: Readonly<Record<string, string>>): string[] {
  return Object.keys(rec)
    .sort()
    .map((k) => `${k}:${rec[k]}`);
}

export function orchestratorFragment(ctx: OrchestratorContext): Readonly<Record<string, unknown>> {
  const o: Record<string, unknown> = { type: 'kubernetes' };
  if (ctx.clusterId !== undefined || ctx.clusterName !== undefined) {
    const cluster: Record<string, unknown> = {};
    put(cluster, 'id', ctx.clusterId);
    put(cluster, 'name', ctx.clusterName);
    o.cluster = cluster;
  }
  put(o, 'namespace', ctx.namespace);
  const r: Record<string, unknown> = { type: 'pod' };
  put(r, 'name', ctx.podName);
  put(r, 'id', ctx.podUid);
  put(r, 'ip', ctx.podIp === undefined ? undefined : [ctx.podIp]);
  if (ctx.labels) r.label = keyValueList(ctx.labels);
  if (ctx.annotations) r.annotation = keyValueList(ctx.annotations);
  if (ctx.parentType !== undefined) r.parent = { type: ctx.parentType };
  o.resource = r;
  return deepFreeze(o);
}

/** Memoises a fragment per context object (the resolvers keep one object per container/pod). */
export class FragmentCache<K extends object> {
  private readonly map = new WeakMap<K, Readonly<Record<string, unknown>>>();
  constructor(private readonly build: (k: K) => Readonly<Record<string, unknown>>) {}
  get(k: K): Readonly<Record<string, unknown>> {
    let v = this.map.get(k);
    if (v === undefined) {
      v = this.build(k);
      this.map.set(k, v);
    }
    return v;
  }
}
