// The agent's DaemonSet: one pod per node, with the least the sensor, the enforcer and the
// metadata lookups need from the node (each privilege and mount says why beside it).
import type { V1DaemonSet, V1EnvVar, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import { type DeployOptions, IN_POD, labels, type Manifest, NAME, type Note, SELECTOR } from './objects.js';

/** Linux capabilities (without CAP_), each with why the agent needs it. */
export const CAPABILITIES: ReadonlyArray<[cap: string, why: string]> = [
  ['BPF', 'load the sensor and connect-filter programs, create and pin their maps (kernel >= 5.8)'],
  ['PERFMON', 'attach the tracepoint programs and read their ring buffer (kernel >= 5.8)'],
  [
    'SYS_ADMIN',
    'fanotify permission events for file `block` (FAN_CLASS_CONTENT needs it, no finer capability\n exists), mounting tracefs or bpffs where the node has not, and bpf() on kernels before 5.8',
  ],
  ['NET_ADMIN', 'attach the cgroup connect4/connect6 programs that block outbound connections'],
  [
    'SYS_PTRACE',
    "read other processes' /proc/PID/{exe,cwd,root,mountinfo,ns/*} (ptrace access checks): process\n executables, container identity and drift",
  ],
  [
    'DAC_READ_SEARCH',
    "look up files in containers' root filesystems through /proc/PID/root whatever their modes",
  ],
];
// Not SYS_RESOURCE: BPF maps are charged to the memory cgroup since 5.11, so RLIMIT_MEMLOCK needs
// no raising; on older kernels add it (docs/deploy.md).

interface HostMount {
  name: string;
  host: string;
  inPod: string;
  readOnly: boolean;
  type: 'Directory' | 'DirectoryOrCreate';
  why: string;
}

function hostMounts(o: DeployOptions): HostMount[] {
  return [
    {
      name: 'state',
      host: o.stateDir,
      inPod: IN_POD.state,
      readOnly: false,
      type: 'DirectoryOrCreate',
      why: ` the store and the Elasticsearch spool, kept across restarts and upgrades; on the node\n at ${o.stateDir}, so \`d4c query --store ${o.stateDir}/store\` there reads it (through the\n agent's query socket while it runs)`,
    },
    {
      name: 'cgroup',
      host: '/sys/fs/cgroup',
      inPod: '/sys/fs/cgroup',
      readOnly: true,
      type: 'Directory',
      why: " the node's cgroup tree (the pod's own is a namespaced view): the connect filter attaches to\n containers' cgroups; read-only is enough to attach",
    },
    {
      name: 'bpffs',
      host: '/sys/fs/bpf',
      inPod: '/sys/fs/bpf',
      readOnly: false,
      type: 'DirectoryOrCreate',
      why: ' bpf filesystem: the sensor pins its open-flags map there for the enforcer (a directory\n per agent pid, removed at stop)',
    },
    {
      name: 'tracefs',
      host: '/sys/kernel/tracing',
      inPod: '/sys/kernel/tracing',
      readOnly: true,
      type: 'Directory',
      why: " tracefs: the syscall tracepoints' ids the sensor attaches to",
    },
    {
      name: 'containerd',
      host: '/run/containerd',
      inPod: '/run/containerd',
      readOnly: true,
      type: 'DirectoryOrCreate',
      why: " containerd's CRI socket (pod name, namespace, labels, image) and its task state (each\n container's OCI spec); read-only: connecting to a socket needs no write access to the mount",
    },
    {
      name: 'crio',
      host: '/run/crio',
      inPod: '/run/crio',
      readOnly: true,
      type: 'DirectoryOrCreate',
      why: " CRI-O's CRI socket, the same for CRI-O nodes (an empty directory elsewhere)",
    },
  ];
}

/** The agent's command line: everything else is in the config file. */
function args(o: DeployOptions): string[] {
  return [
    `--config=${IN_POD.config}/d4c.yaml`,
    `--policy=${IN_POD.policy}/policy.yaml`,
    // d4c's rule pack (in the image) runs by default; --rules adds the ConfigMap's beside it.
    ...(o.rules ? [`--rules=${IN_POD.rules}`] : []),
    ...(o.clusterName !== undefined ? [`--cluster-name=${o.clusterName}`] : []),
  ];
}

function env(o: DeployOptions): V1EnvVar[] {
  const out: V1EnvVar[] = [
    // The node's name: the agent reads its Node object (cloud.*) and names itself host.name by it.
    { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
  ];
  const es = o.elasticsearch;
  if (es) {
    // Only from the Secret, each key optional: an API key, or a user and password.
    for (const [name, key] of [
      ['D4C_ES_API_KEY', 'api-key'],
      ['D4C_ES_USERNAME', 'username'],
      ['D4C_ES_PASSWORD', 'password'],
    ] as const) {
      out.push({ name, valueFrom: { secretKeyRef: { name: es.secret, key, optional: true } } });
    }
  }
  return out;
}

export function daemonSet(o: DeployOptions): Manifest {
  const mounts = hostMounts(o);
  const volumes: V1Volume[] = [
    ...mounts.map((m) => ({ name: m.name, hostPath: { path: m.host, type: m.type } })),
    { name: 'config', configMap: { name: `${NAME}-config` } },
    { name: 'policy', configMap: { name: `${NAME}-policy` } },
    ...(o.rules ? [{ name: 'rules', configMap: { name: `${NAME}-rules` } }] : []),
    { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
  ];
  const volumeMounts: V1VolumeMount[] = [
    ...mounts.map((m) => ({ name: m.name, mountPath: m.inPod, readOnly: m.readOnly })),
    { name: 'config', mountPath: IN_POD.config, readOnly: true },
    { name: 'policy', mountPath: IN_POD.policy, readOnly: true },
    ...(o.rules ? [{ name: 'rules', mountPath: IN_POD.rules, readOnly: true }] : []),
    { name: 'tmp', mountPath: '/tmp' },
  ];
  // A fresh object per probe: a shared one would print as a YAML anchor and alias.
  const healthz = () => ({ path: '/healthz', port: 'metrics' });
  const object: V1DaemonSet = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: NAME, namespace: o.namespace, labels: labels(o) },
    spec: {
      selector: { matchLabels: SELECTOR },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
      template: {
        metadata: {
          labels: labels(o),
          annotations: {
            'prometheus.io/scrape': 'true',
            'prometheus.io/port': String(o.metricsPort),
            'prometheus.io/path': '/metrics',
          },
        },
        spec: {
          serviceAccountName: NAME,
          hostPID: true,
          priorityClassName: 'system-node-critical',
          terminationGracePeriodSeconds: 60,
          tolerations: [{ operator: 'Exists' }],
          nodeSelector: { 'kubernetes.io/os': 'linux' },
          containers: [
            {
              name: 'agent',
              image: o.image,
              imagePullPolicy: 'IfNotPresent',
              args: args(o),
              env: env(o),
              ports: [{ name: 'metrics', containerPort: o.metricsPort, protocol: 'TCP' }],
              readinessProbe: {
                httpGet: healthz(),
                initialDelaySeconds: 2,
                periodSeconds: 5,
                timeoutSeconds: 3,
                failureThreshold: 3,
              },
              livenessProbe: {
                httpGet: healthz(),
                initialDelaySeconds: 30,
                periodSeconds: 30,
                timeoutSeconds: 5,
                failureThreshold: 5,
              },
              resources: {
                requests: { cpu: '200m', memory: '512Mi' },
                limits: { cpu: '1', memory: '2Gi' },
              },
              securityContext: {
                privileged: false,
                runAsUser: 0,
                runAsGroup: 0,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'], add: CAPABILITIES.map(([c]) => c) },
                seccompProfile: { type: 'RuntimeDefault' },
              },
              volumeMounts,
            },
          ],
          volumes,
        },
      },
    },
  };
  const pod = ['spec', 'template', 'spec'];
  const c = [...pod, 'containers', 0];
  const notes: Note[] = [
    {
      path: ['spec', 'updateStrategy'],
      text: ' one node at a time: a node is unwatched only while its own agent restarts',
    },
    {
      path: [...pod, 'hostPID'],
      text: " the node's process table: /proc in the pod is then the node's (no /proc host mount is\n needed); the sensor reports host pids",
    },
    {
      path: [...pod, 'priorityClassName'],
      text: ' the node agent is evicted last and preempts ordinary pods to get scheduled',
    },
    {
      path: [...pod, 'terminationGracePeriodSeconds'],
      text: ' SIGTERM drains the event queue into the store and flushes the spool (a few seconds);\n then SIGKILL',
    },
    { path: [...pod, 'tolerations'], text: ' every node, tainted ones (control plane, dedicated pools) too' },
    {
      path: [...c, 'readinessProbe'],
      text: ' /healthz: 200 while every output is healthy, 503 once Elasticsearch failed 3 times in a row',
    },
    {
      path: [...c, 'livenessProbe'],
      text: ' the same endpoint, patient (2.5 min): a restart does not bring Elasticsearch back, the\n spool keeps the documents meanwhile; a hung agent does not answer at all',
    },
    {
      path: [...c, 'resources'],
      text: ' docs/agent.md: ~170 MB RSS and ~50,000 events per CPU-second without the store; the\n store (DuckDB, memory_limit 1GB) takes up to ~1.8 GB under a burst. A CPU limit below one\n core would throttle the reader of the ring buffer into drops',
    },
    {
      path: [...c, 'securityContext', 'privileged'],
      text: ' not privileged: every need is a capability below. allowPrivilegeEscalation is left\n unset because Kubernetes refuses false together with SYS_ADMIN',
    },
    {
      path: [...c, 'securityContext', 'runAsUser'],
      text: ' root: the agent and its loaders check for uid 0 (with only the capabilities below)',
    },
    ...CAPABILITIES.map(([, why], i) => ({
      path: [...c, 'securityContext', 'capabilities', 'add', i],
      text: ` ${why}`,
    })),
    {
      path: [...c, 'securityContext', 'seccompProfile'],
      text: " the runtime's default filter allows bpf(), perf_event_open() and fanotify_init() to\n a process with the capabilities above",
    },
    ...mounts.map((m, i) => ({ path: [...pod, 'volumes', i], text: m.why })),
    {
      path: [...pod, 'volumes', volumes.length - 1],
      text: ' the root filesystem is read-only; node and DuckDB may want a scratch /tmp',
    },
  ];
  return { object, notes };
}
