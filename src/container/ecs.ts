// ECS `container.*` and `orchestrator.*` objects from resolved metadata. Built once per container
// (callers cache the result alongside the meta), not per event.
import type { ContainerMeta } from './types.js';

export interface ClusterInfo {
  id?: string;
  name?: string;
}

export interface EcsContainerFields {
  container: {
    id: string;
    name?: string;
    image?: { name: string; tag?: string; hash?: { all: string[] } };
    runtime?: string;
    security_context?: { privileged: boolean };
  };
  orchestrator?: {
    type: 'kubernetes';
    cluster?: ClusterInfo;
    namespace?: string;
    resource: {
      name?: string;
      type: 'pod';
      ip?: string[];
      label?: string[];
      annotation?: string[];
      parent?: { type: string };
    };
  };
}

export function ecsContainerFields(meta: ContainerMeta, cluster?: ClusterInfo): EcsContainerFields {
  const container: EcsContainerFields['container'] = { id: meta.id };
  if (meta.name) container.name = meta.name;
  if (meta.image) {
    container.image = { name: meta.image.name };
    if (meta.image.tag) container.image.tag = meta.image.tag;
    if (meta.image.digest) container.image.hash = { all: [meta.image.digest] };
  }
  if (meta.runtime) container.runtime = meta.runtime;
  if (meta.privileged !== undefined) container.security_context = { privileged: meta.privileged };
  const out: EcsContainerFields = { container };
  const pod = meta.pod;
  if (pod) {
    const resource: NonNullable<EcsContainerFields['orchestrator']>['resource'] = { type: 'pod' };
    if (pod.name) resource.name = pod.name;
    if (pod.ip) resource.ip = [pod.ip];
    if (pod.labels && Object.keys(pod.labels).length > 0) resource.label = pairs(pod.labels);
    if (pod.annotations && Object.keys(pod.annotations).length > 0)
      resource.annotation = pairs(pod.annotations);
    const parent = parentKind(pod.labels ?? {});
    if (parent) resource.parent = { type: parent };
    const o: NonNullable<EcsContainerFields['orchestrator']> = { type: 'kubernetes', resource };
    if (cluster && (cluster.id || cluster.name)) o.cluster = { ...cluster };
    if (pod.namespace) o.namespace = pod.namespace;
    out.orchestrator = o;
  }
  return out;
}

// Elastic's convention: "key:value" strings.
function pairs(m: Record<string, string>): string[] {
  return Object.entries(m).map(([k, v]) => `${k}:${v}`);
}

/**
 * The pod's owner kind, from the labels controllers stamp on their pods, as ECS spells it
 * (`orchestrator.resource.parent.type`: a workload kind, e.g. `DaemonSet`). Without the
 * Kubernetes API (owner references) this is the best the node knows.
 */
export function parentKind(labels: Record<string, string>): string | undefined {
  if (labels['job-name'] || labels['batch.kubernetes.io/job-name']) return 'Job';
  if (labels['pod-template-hash']) return 'ReplicaSet';
  if (labels['statefulset.kubernetes.io/pod-name']) return 'StatefulSet';
  if (labels['controller-revision-hash'] || labels['pod-template-generation']) return 'DaemonSet';
  return undefined;
}
