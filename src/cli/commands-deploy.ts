// Registers `d4c deploy manifests` and the lab's `load` and `apply` (the agent as a DaemonSet pod):
// help data only, the command modules load when they run.
import { opt, register } from './registry.js';

const LAB_DIR = opt('--dir DIR', 'the lab directory (containerd state, socket, pods).', {
  default: '`$D4C_LAB_DIR`, else `/var/lib/d4c/lab`',
});

/** Called at the end of commands.ts: the lab's new subcommands list after its others. */
export function registerDeployCommands(): void {
  register(
    'deploy manifests',
    'print the Kubernetes manifests that run the agent as a DaemonSet',
    async () => (await import('./deploy.js')).runManifests,
    {
      synopsis: [
        '[--namespace NS] [--image REF] [--policy FILE] [--rules DIR] [--es-url URL... --es-secret NAME] [--cluster-name NAME] [--state-dir DIR] [--metrics-port N]',
      ],
      description:
        'Prints multi-document YAML for `kubectl apply -f -`: Namespace, ServiceAccount, read-only RBAC, ConfigMaps (settings, policy, rules), a headless metrics Service and the DaemonSet, each privilege and host mount commented. The policy and rules are checked as the agent checks them: errors are `FILE:LINE:COL: error: ...` (exit 1). Elasticsearch credentials are read by the pods from the named Secret (keys `api-key`, or `username` and `password`), never written into the manifests. `deploy/kubernetes/d4c.yaml` is the output without options.',
      options: [
        {
          section: '',
          options: [
            opt('--namespace NS', 'the namespace of the agent and its objects.', { default: '`d4c`' }),
            opt('--image REF', 'the agent image (scripts/build-image.sh, or your registry).', {
              default: '`localhost/d4c/agent:VERSION`',
            }),
            opt('--policy FILE', 'the D4C policy, into a ConfigMap.', {
              default: "Elastic's default policy",
            }),
            opt('--rules DIR', 'detection rules (TOML files under DIR), into a ConfigMap.', {
              default: "the image's rule pack",
            }),
            opt('--es-url URL...', 'an Elasticsearch node; needs --es-secret.'),
            opt('--es-secret NAME', 'the Secret (in NS) holding `api-key` or `username` and `password`.'),
            opt('--cluster-name NAME', '`orchestrator.cluster.name`.', {
              default: "kubeadm's, read from kube-system",
            }),
            opt('--state-dir DIR', "the node's directory of the store and the spool.", {
              default: '`/var/lib/d4c`',
            }),
            opt('--metrics-port N', 'the port of /metrics and /healthz.', { default: '9464' }),
          ],
        },
      ],
      exit: ['1: the policy or the rules have errors, or a file cannot be read.'],
      see: 'docs/deploy.md',
    },
  );

  register(
    'lab load',
    "copy an image from podman's storage into the lab node",
    async () => (await import('./lab-apply.js')).runLoad,
    {
      synopsis: ['[--dir DIR] IMAGE'],
      description:
        "Copies IMAGE from podman's local storage into the lab's containerd (as a node pulling it), so that pods of `d4c lab apply` can run it. Prints the image reference.",
      args: [{ name: 'IMAGE', help: 'an image reference podman has (e.g. `localhost/d4c/agent:0.1.0`).' }],
      options: [{ section: '', options: [LAB_DIR] }],
      exit: ['1: podman has no such image, or the lab is not running.'],
      see: 'docs/deploy.md',
    },
  );

  register(
    'lab apply',
    "run a manifest's DaemonSet pod on the lab node, as a kubelet would",
    async () => (await import('./lab-apply.js')).runApply,
    {
      synopsis: ['[--dir DIR] [--no-wait] FILE'],
      description:
        "Reads Kubernetes manifests (`-` = stdin; e.g. `d4c deploy manifests`) and runs each DaemonSet's pod on the lab node through the CRI: host PID (and network), the security context (capabilities, privileged, read-only root, user), hostPath volumes, ConfigMap volumes as files, environment (downward API `spec.nodeName` is the lab node), the service-account volume, resource limits as cgroup limits, and the probes (a failing liveness probe restarts the container). Other kinds are read and skipped. Waits until the pod is ready, then leaves a supervisor (probes, restarts) running; `d4c lab rm POD` stops it.",
      args: [{ name: 'FILE', help: 'the manifests (YAML, several documents).' }],
      options: [
        {
          section: '',
          options: [opt('--no-wait', 'return once the container runs, before it is ready.'), LAB_DIR],
        },
      ],
      exit: [
        '1: a bad manifest (`FILE: document N (Kind/name): field: ...`), or the pod does not become ready.',
      ],
      see: 'docs/deploy.md',
    },
  );
}
