// Container metadata (the resolver's ContainerMeta) → the ECS builder's container and
// orchestrator contexts. Built once per container and reused by object identity, which is what
// the builder's fragment cache keys on; rebuilt only when the resolver learnt more.
import type { CgroupIdentity, ContainerMeta } from '../container/index.js';
import { parentKind } from '../container/index.js';
import type { ContainerContext, MountKind, OrchestratorContext } from '../ecs/index.js';

export interface ContainerCtx {
  container: ContainerContext;
  orchestrator?: OrchestratorContext;
  /** Everything the runtime knows was merged in (false: only the cgroup identity, or a timeout). */
  complete: boolean;
  meta?: ContainerMeta;
}

export interface Cluster {
  id?: string;
  name?: string;
}

interface Cached {
  ctx: ContainerCtx;
  complete: boolean;
  sources: number;
  generation: number;
}

export class ContainerContexts {
  private readonly byMeta = new WeakMap<ContainerMeta, Cached>();
  private readonly byId = new Map<string, ContainerCtx>();

  /** Bumped when the cluster identity changes: every cached context is rebuilt on next use. */
  private generation = 0;

  constructor(private cluster: Cluster = {}) {}

  /** The cluster identity learnt later (Kubernetes API): contexts built from now on carry it. */
  setCluster(cluster: Cluster): void {
    if (cluster.id === this.cluster.id && cluster.name === this.cluster.name) return;
    this.cluster = { ...cluster };
    this.generation++;
  }

  of(meta: ContainerMeta): ContainerCtx {
    const c = this.byMeta.get(meta);
    if (
      c !== undefined &&
      c.complete === meta.complete &&
      c.sources === meta.sources.length &&
      c.generation === this.generation
    )
      return c.ctx;
    const ctx = this.build(meta);
    this.byMeta.set(meta, {
      ctx,
      complete: meta.complete,
      sources: meta.sources.length,
      generation: this.generation,
    });
    return ctx;
  }

  /** Only the cgroup identity is known (lookup still in flight past the hold, or overflow). */
  bare(identity: CgroupIdentity): ContainerCtx {
    let ctx = this.byId.get(identity.id);
    if (ctx === undefined) {
      ctx = { container: { id: identity.id }, complete: false };
      if (this.byId.size >= 4096) this.byId.clear();
      this.byId.set(identity.id, ctx);
    }
    return ctx;
  }

  private build(meta: ContainerMeta): ContainerCtx {
    const container: ContainerContext = { id: meta.id };
    if (meta.name) container.name = meta.name;
    if (meta.image) {
      container.image = { name: meta.image.name };
      if (meta.image.tag) container.image.tag = meta.image.tag;
      if (meta.image.digest) container.image.digests = [meta.image.digest];
    }
    if (meta.runtime) container.runtime = meta.runtime;
    if (meta.privileged !== undefined) container.privileged = meta.privileged;
    const ctx: ContainerCtx = { container, complete: meta.complete, meta };
    const pod = meta.pod;
    if (pod || this.cluster.id || this.cluster.name) {
      const o: OrchestratorContext = {};
      if (this.cluster.id) o.clusterId = this.cluster.id;
      if (this.cluster.name) o.clusterName = this.cluster.name;
      if (pod) {
        if (pod.namespace) o.namespace = pod.namespace;
        if (pod.name) o.podName = pod.name;
        if (pod.uid) o.podUid = pod.uid;
        if (pod.ip) o.podIp = pod.ip;
        if (pod.labels && Object.keys(pod.labels).length > 0) o.labels = pod.labels;
        if (pod.annotations && Object.keys(pod.annotations).length > 0) o.annotations = pod.annotations;
        const parent = parentKind(pod.labels ?? {});
        if (parent) o.parentType = parent;
      }
      // A cluster name alone on a podman container is no pod: only pods get orchestrator.*.
      if (pod) ctx.orchestrator = o;
    }
    return ctx;
  }
}

/** Where a path sits relative to the container's mounts, for ignoreVolumeMounts/Files. */
export function mountKind(meta: ContainerMeta | undefined, path: string): MountKind | undefined {
  const mounts = meta?.mounts;
  if (!mounts || mounts.length === 0) return undefined;
  // The runtime reports the destination as asked (/var/run/secrets/...); where the image links
  // /var/run to /run, the kernel names the file /run/secrets/...: compare both in /run spelling.
  const p = runSpelling(path);
  let best: (typeof mounts)[number] | undefined;
  let bestLen = -1;
  for (const m of mounts) {
    const d = runSpelling(m.destination);
    if (p === d || (p.startsWith(d) && p.charCodeAt(d.length) === 47) /* / */) {
      if (d.length > bestLen) {
        best = m;
        bestLen = d.length;
      }
    }
  }
  if (!best || (best.type !== 'volume' && best.type !== 'bind')) return undefined;
  return best.target === 'file' ? 'file' : 'volume';
}

function runSpelling(path: string): string {
  return path === '/var/run' || path.startsWith('/var/run/') ? path.slice(4) : path;
}
