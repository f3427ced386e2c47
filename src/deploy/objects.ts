// The Kubernetes objects of a d4c install, typed with @kubernetes/client-node's models (a wrong
// field fails the typecheck). Each object comes with the comments printed beside its fields:
// why each RBAC verb, capability and host mount is there (docs/deploy.md says more).
import type {
  KubernetesObject,
  V1ClusterRole,
  V1ClusterRoleBinding,
  V1ConfigMap,
  V1Namespace,
  V1ResourceQuota,
  V1Role,
  V1RoleBinding,
  V1Service,
  V1ServiceAccount,
} from '@kubernetes/client-node';

/** A comment on the value at `path` (keys and list indexes) of an object; '' = the document. */
export interface Note {
  path: (string | number)[];
  text: string;
}

export interface Manifest {
  object: KubernetesObject;
  notes: Note[];
}

export interface DeployOptions {
  namespace: string;
  image: string;
  /** d4c's version (labels). */
  version: string;
  /** The policy's YAML text (the agent's --policy). */
  policy: string;
  /** Where the policy came from, for the ConfigMap's comment. */
  policySource: string;
  /** Rule files for a ConfigMap; absent: the rule pack built into the image. */
  rules?: Record<string, string>;
  /** Elasticsearch: its URLs and the Secret holding the credentials. */
  elasticsearch?: { urls: string[]; secret: string };
  clusterName?: string;
  /** Host directory of the store and the spool. */
  stateDir: string;
  /** Port of /metrics and /healthz. */
  metricsPort: number;
}

export const NAME = 'd4c-agent';

export function labels(o: DeployOptions): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'd4c',
    'app.kubernetes.io/component': 'agent',
    'app.kubernetes.io/version': o.version,
  };
}

/** The selector: stable across versions (a DaemonSet's selector cannot change). */
export const SELECTOR = { 'app.kubernetes.io/name': 'd4c', 'app.kubernetes.io/component': 'agent' };

export function namespace(o: DeployOptions): Manifest {
  const object: V1Namespace = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: o.namespace,
      labels: {
        ...labels(o),
        'pod-security.kubernetes.io/enforce': 'privileged',
      },
    },
  };
  return {
    object,
    notes: [
      {
        path: ['metadata', 'labels', 'pod-security.kubernetes.io/enforce'],
        text: ' hostPID, host paths and added capabilities are beyond the "baseline" Pod Security level',
      },
    ],
  };
}

export function resourceQuota(o: DeployOptions): Manifest {
  const object: V1ResourceQuota = {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: { name: `${NAME}-critical-pods`, namespace: o.namespace, labels: labels(o) },
    spec: {
      hard: { pods: '1000' },
      scopeSelector: {
        matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['system-node-critical'] }],
      },
    },
  };
  return {
    object,
    notes: [
      {
        path: [],
        text: ' Some clusters (GKE) admit system-node-critical pods outside kube-system only under a\n quota that names the class; this one limits nothing (one agent pod per node).',
      },
    ],
  };
}

export function serviceAccount(o: DeployOptions): Manifest {
  const object: V1ServiceAccount = {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: NAME, namespace: o.namespace, labels: labels(o) },
  };
  return { object, notes: [] };
}

/**
 * Read-only, the three reads the agent makes (src/k8s/identity.ts); pod metadata comes from the
 * node's container runtime (CRI), not the API, so there is no list or watch of pods.
 */
export function rbac(o: DeployOptions): Manifest[] {
  const role: V1ClusterRole = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: NAME, labels: labels(o) },
    rules: [
      { apiGroups: [''], resources: ['namespaces'], resourceNames: ['kube-system'], verbs: ['get'] },
      { apiGroups: [''], resources: ['nodes'], verbs: ['get'] },
    ],
  };
  const binding: V1ClusterRoleBinding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: NAME, labels: labels(o) },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: NAME },
    subjects: [{ kind: 'ServiceAccount', name: NAME, namespace: o.namespace }],
  };
  const out: Manifest[] = [
    {
      object: role,
      notes: [
        {
          path: ['rules', 0, 'verbs'],
          text: ' get kube-system only: its UID is orchestrator.cluster.id (the cluster has no other stable id)',
        },
        {
          path: ['rules', 1, 'verbs'],
          text: " get: the agent's own Node (NODE_NAME) for cloud.* (provider, region, zone, instance);\n a Node cannot be named in advance, so no resourceNames",
        },
      ],
    },
    { object: binding, notes: [] },
  ];
  // The cluster's name: given, or read from kubeadm's ConfigMap (kubeadm clusters only).
  if (o.clusterName === undefined) {
    const r: V1Role = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: NAME, namespace: 'kube-system', labels: labels(o) },
      rules: [
        { apiGroups: [''], resources: ['configmaps'], resourceNames: ['kubeadm-config'], verbs: ['get'] },
      ],
    };
    const rb: V1RoleBinding = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: NAME, namespace: 'kube-system', labels: labels(o) },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: NAME },
      subjects: [{ kind: 'ServiceAccount', name: NAME, namespace: o.namespace }],
    };
    out.push(
      {
        object: r,
        notes: [
          {
            path: ['rules', 0, 'verbs'],
            text: ' get kubeadm-config only: orchestrator.cluster.name on kubeadm clusters (not needed,\n and not rendered, with --cluster-name)',
          },
        ],
      },
      { object: rb, notes: [] },
    );
  }
  return out;
}

/** Paths inside the container; docs/deploy.md shows them. */
export const IN_POD = {
  config: '/etc/d4c/config',
  policy: '/etc/d4c/policy',
  rules: '/etc/d4c/rules',
  /** The rule pack built into the image. */
  state: '/var/lib/d4c',
} as const;

/** The agent's settings file (--config): outputs and Kubernetes, never a credential. */
export function configFile(o: DeployOptions): string {
  const lines = [
    '# d4c agent settings (docs/outputs.md). Credentials are not here: they come from the',
    '# Secret named at render time, as environment variables.',
    'store:',
    `  dir: ${IN_POD.state}/store`,
    'spool:',
    `  dir: ${IN_POD.state}/spool`,
    'metrics:',
    '  # All interfaces of the pod: the kubelet probes /healthz and Prometheus scrapes /metrics.',
    `  addr: "0.0.0.0:${o.metricsPort}"`,
  ];
  if (o.clusterName !== undefined)
    lines.push('kubernetes:', `  cluster_name: ${JSON.stringify(o.clusterName)}`);
  if (o.elasticsearch)
    lines.push(
      'elasticsearch:',
      '  hosts:',
      ...o.elasticsearch.urls.map((u) => `    - ${JSON.stringify(u)}`),
    );
  return `${lines.join('\n')}\n`;
}

export function configMaps(o: DeployOptions): Manifest[] {
  const cm = (name: string, data: Record<string, string>, text: string): Manifest => {
    const object: V1ConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: o.namespace, labels: labels(o) },
      data,
    };
    return { object, notes: [{ path: [], text }] };
  };
  const out = [
    cm(`${NAME}-config`, { 'd4c.yaml': configFile(o) }, " The agent's --config file."),
    cm(
      `${NAME}-policy`,
      { 'policy.yaml': o.policy },
      ` The D4C policy (--policy), from ${o.policySource}; the agent reads it at start:\n after an edit, \`kubectl -n ${o.namespace} rollout restart daemonset/${NAME}\`.`,
    ),
  ];
  if (o.rules) out.push(cm(`${NAME}-rules`, o.rules, ' Detection rules (--rules), one TOML file per key.'));
  return out;
}

export function service(o: DeployOptions): Manifest {
  const object: V1Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: `${NAME}-metrics`,
      namespace: o.namespace,
      labels: labels(o),
      annotations: {
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': String(o.metricsPort),
        'prometheus.io/path': '/metrics',
      },
    },
    spec: {
      clusterIP: 'None',
      selector: SELECTOR,
      ports: [{ name: 'metrics', port: o.metricsPort, targetPort: 'metrics', protocol: 'TCP' }],
    },
  };
  return {
    object,
    notes: [
      {
        path: ['spec', 'clusterIP'],
        text: ' headless: every agent is an endpoint of its own (one per node), scraped one by one',
      },
    ],
  };
}
