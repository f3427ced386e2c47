// Which workload a stored event belongs to. With pod metadata: the Kubernetes namespace and the
// owner behind the pod (Deployment, StatefulSet, DaemonSet, Job), recovered from the pod name the
// way controllers make it, since the node has the owner's kind (from the pod's labels) but not
// its name. Without: the container image name (tag dropped). Host processes have no workload.
import { ecsField, normalizeImageName } from '../policy/index.js';

export type GroupBy = 'workload' | 'image';

export interface Workload {
  /** Stable key: `k8s:NS/OWNER` or `image:NAME`. */
  key: string;
  /** Human name: `NS/Deployment/web`, or the image. */
  label: string;
  kind: 'kubernetes' | 'image';
  namespace?: string;
  /** Owner name; pods of it are `OWNER-...` (`kubernetesPodName: [OWNER-*]`), or the pod itself. */
  owner?: string;
  ownerKind?: string;
  /** A bare pod (no owner): its exact name. */
  pod?: string;
  /** Normalised image name (`docker.io/library/nginx`). */
  image?: string;
}

const str = (ev: unknown, f: string): string | undefined => {
  const v = ecsField(ev, f);
  const x = Array.isArray(v) && v.length === 1 ? v[0] : v;
  return typeof x === 'string' && x !== '' ? x : undefined;
};

/** The owner of a pod from its name and owner kind (ReplicaSet → the Deployment). */
export function podOwner(
  pod: string,
  parentType: string | undefined,
): { owner: string; kind: string } | undefined {
  const parts = pod.split('-');
  switch (parentType) {
    case 'ReplicaSet':
      // DEPLOYMENT-<pod-template-hash>-<5 chars>
      return parts.length >= 3 ? { owner: parts.slice(0, -2).join('-'), kind: 'Deployment' } : undefined;
    case 'StatefulSet':
    case 'DaemonSet':
    case 'Job':
      return parts.length >= 2 ? { owner: parts.slice(0, -1).join('-'), kind: parentType } : undefined;
    default:
      return undefined;
  }
}

/** The event's workload, or undefined for a host process (no container). */
export function workloadOf(ev: unknown, by: GroupBy = 'workload'): Workload | undefined {
  const image = str(ev, 'container.image.name');
  const ns = str(ev, 'orchestrator.namespace');
  const pod = str(ev, 'orchestrator.resource.name');
  if (by === 'workload' && ns !== undefined && pod !== undefined) {
    const o = podOwner(pod, str(ev, 'orchestrator.resource.parent.type'));
    if (o)
      return {
        key: `k8s:${ns}/${o.owner}`,
        label: `${ns}/${o.kind}/${o.owner}`,
        kind: 'kubernetes',
        namespace: ns,
        owner: o.owner,
        ownerKind: o.kind,
      };
    return { key: `k8s:${ns}/pod/${pod}`, label: `${ns}/Pod/${pod}`, kind: 'kubernetes', namespace: ns, pod };
  }
  if (image !== undefined) {
    const n = normalizeImageName(image);
    return { key: `image:${n}`, label: n, kind: 'image', image: n };
  }
  if (str(ev, 'container.id') !== undefined)
    return { key: 'image:?', label: '(container without image)', kind: 'image' };
  return undefined;
}

/** A selector-name stem for the workload: `^[a-z0-9][a-z0-9_-]*$`, short, unique by suffix. */
export function workloadSlug(w: Workload): string {
  const base =
    w.kind === 'kubernetes'
      ? `${w.namespace}-${w.owner ?? w.pod}`
      : (w.image ?? 'unknown')
          .replace(/^docker\.io\/library\//, '')
          .replace(/^(localhost|[^/]*[.:][^/]*)\//, '');
  const s = base
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .replace(/-+$/, '')
    .slice(0, 60);
  return s === '' ? 'workload' : s;
}
