// A DaemonSet's pod on the lab node, made through the CRI the way a kubelet makes it: sandbox
// (host PID/network, kubepods cgroup of its QoS class), volumes (hostPath, ConfigMap files laid
// out as the kubelet's atomic writer does, emptyDir, the service-account token), environment
// with the downward API, security context and resource limits. The probes and restarts are
// run by a supervisor process (supervise.ts) from the pod's definition in its kubelet directory.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { V1Container, V1DaemonSet, V1Probe } from '@kubernetes/client-node';
import type { AppliedManifests } from './manifest.js';
import { LabError, type LabPaths } from './node.js';
import { type CriMount, mountOf, podDir, writeServiceAccountVolume } from './volumes.js';

/** What the supervisor needs to (re)create the container and probe it. */
export interface PodDefinition {
  namespace: string;
  pod: string;
  uid: string;
  sandboxId: string;
  sandboxConfig: Record<string, unknown>;
  containerConfig: Record<string, unknown> & { metadata: { name: string; attempt: number } };
  graceSeconds: number;
  liveness?: ProbeSpec;
  readiness?: ProbeSpec;
}

export interface ProbeSpec {
  path: string;
  port: number;
  initialDelaySeconds: number;
  periodSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
}

export const GRACE_ANNOTATION = 'io.kubernetes.pod.terminationGracePeriod';
export const definitionFile = (p: LabPaths, uid: string) => join(podDir(p, uid), 'pod.json');
export const statusFile = (p: LabPaths, uid: string) => join(podDir(p, uid), 'status.json');

/** `200m` → 0.2, `1` → 1; `512Mi` → bytes. Kubernetes quantities, the suffixes used here. */
export function cpuCores(q: string | number | undefined): number | undefined {
  if (q === undefined) return undefined;
  const s = String(q);
  const n = s.endsWith('m') ? Number(s.slice(0, -1)) / 1000 : Number(s);
  if (!(n > 0)) throw new LabError(`cpu quantity ${JSON.stringify(s)} is not understood`);
  return n;
}
const UNITS: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  k: 1e3,
  M: 1e6,
  G: 1e9,
};
export function memoryBytes(q: string | number | undefined): number | undefined {
  if (q === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G)?$/.exec(String(q));
  if (!m) throw new LabError(`memory quantity ${JSON.stringify(q)} is not understood`);
  return Math.round(Number(m[1]) * (m[2] ? UNITS[m[2]]! : 1));
}

function probeOf(c: V1Container, pr: V1Probe | undefined): ProbeSpec | undefined {
  const g = pr?.httpGet;
  if (!pr || !g) return undefined;
  const port =
    typeof g.port === 'number' ? g.port : (c.ports ?? []).find((p) => p.name === g.port)?.containerPort;
  if (port === undefined) throw new LabError(`probe port ${String(g.port)} is not a container port`);
  return {
    path: g.path ?? '/',
    port,
    initialDelaySeconds: pr.initialDelaySeconds ?? 0,
    periodSeconds: pr.periodSeconds ?? 10,
    timeoutSeconds: pr.timeoutSeconds ?? 1,
    failureThreshold: pr.failureThreshold ?? 3,
  };
}

/** ConfigMap files as the kubelet writes them: `..data` → a timestamped dir, each key a link. */
function writeConfigMapVolume(dir: string, data: Record<string, string>): void {
  const ts = `..${new Date().toISOString().replace(/[-:T]/g, '_').replace(/\..*/, '')}.${randomBytes(4).toString('hex')}`;
  mkdirSync(join(dir, ts), { recursive: true });
  for (const [k, v] of Object.entries(data)) writeFileSync(join(dir, ts, k), v, { mode: 0o644 });
  symlinkSync(ts, join(dir, '..data'));
  for (const k of Object.keys(data)) symlinkSync(join('..data', k), join(dir, k));
}

function hostPathVolume(path: string, type: string | undefined, what: string): void {
  let st: ReturnType<typeof statSync> | undefined;
  try {
    st = statSync(path);
  } catch {}
  if (type === 'DirectoryOrCreate' && !st) mkdirSync(path, { recursive: true, mode: 0o755 });
  else if (type === 'Directory' && !st?.isDirectory())
    throw new LabError(`volume ${what}: hostPath type check failed: ${path} is not a directory`);
  else if (type === 'Socket' && !st?.isSocket())
    throw new LabError(`volume ${what}: hostPath type check failed: ${path} is not a socket`);
  else if (!st && (type === undefined || type === '')) mkdirSync(path, { recursive: true }); // as containerd does
}

/** Builds the pod's configuration and volumes; the caller runs the sandbox and container. */
export async function preparePod(
  p: LabPaths,
  ds: V1DaemonSet,
  all: AppliedManifests,
): Promise<Omit<PodDefinition, 'sandboxId'>> {
  const namespace = ds.metadata?.namespace ?? 'default';
  const spec = ds.spec!.template.spec!;
  const c = spec.containers[0]!;
  const pod = `${ds.metadata!.name}-${randomBytes(3).toString('hex').slice(0, 5)}`;
  const uid = randomUUID();
  const node = hostname();
  const limits = c.resources?.limits ?? {};
  const requests = c.resources?.requests ?? {};
  const qos =
    Object.keys(limits).length === 0 && Object.keys(requests).length === 0
      ? 'besteffort'
      : limits.cpu !== undefined &&
          limits.memory !== undefined &&
          (requests.cpu ?? limits.cpu) === limits.cpu &&
          (requests.memory ?? limits.memory) === limits.memory
        ? 'guaranteed'
        : 'burstable';
  const graceSeconds = spec.terminationGracePeriodSeconds ?? 30;
  const labels = {
    ...(ds.spec!.template.metadata?.labels ?? {}),
    'controller-revision-hash': 'lab',
    'pod-template-generation': '1',
    'io.kubernetes.pod.name': pod,
    'io.kubernetes.pod.namespace': namespace,
    'io.kubernetes.pod.uid': uid,
  };
  const nsOptions = {
    network: 'NODE',
    pid: spec.hostPID ? 'NODE' : 'CONTAINER',
    ipc: spec.hostIPC ? 'NODE' : 'POD',
  };
  const sandboxConfig = {
    metadata: { name: pod, uid, namespace, attempt: 0 },
    logDirectory: join(p.logs, `${namespace}_${pod}_${uid}`),
    labels,
    annotations: {
      ...(ds.spec!.template.metadata?.annotations ?? {}),
      'kubernetes.io/config.source': 'api',
      'kubernetes.io/config.seen': new Date().toISOString(),
    },
    linux: {
      cgroupParent: qos === 'guaranteed' ? `/kubepods/pod${uid}` : `/kubepods/${qos}/pod${uid}`,
      securityContext: { namespaceOptions: nsOptions, privileged: c.securityContext?.privileged === true },
    },
  };

  // Volumes, then the container's mounts of them.
  const dir = podDir(p, uid);
  const volPaths = new Map<string, string>();
  for (const v of spec.volumes ?? []) {
    if (v.hostPath) {
      hostPathVolume(v.hostPath.path, v.hostPath.type, v.name);
      volPaths.set(v.name, v.hostPath.path);
    } else if (v.configMap) {
      const d = join(dir, 'volumes', 'kubernetes.io~configmap', v.name);
      writeConfigMapVolume(d, all.configMaps.get(`${namespace}/${v.configMap.name}`) ?? {});
      volPaths.set(v.name, d);
    } else if (v.emptyDir) {
      const d = join(dir, 'volumes', 'kubernetes.io~empty-dir', v.name);
      mkdirSync(d, { recursive: true, mode: 0o777 });
      volPaths.set(v.name, d);
    }
  }
  const mounts: CriMount[] = (c.volumeMounts ?? []).map((m) =>
    mountOf({ hostPath: volPaths.get(m.name)!, containerPath: m.mountPath, readOnly: m.readOnly === true }),
  );
  if (spec.automountServiceAccountToken !== false)
    mounts.push(await writeServiceAccountVolume(p, { namespace, pod, podUid: uid }));

  // Environment: PATH as the image's default would give, then the container's, downward API resolved.
  const field = (f: string): string => {
    const values: Record<string, string> = {
      'spec.nodeName': node,
      'metadata.name': pod,
      'metadata.namespace': namespace,
      'metadata.uid': uid,
      'spec.serviceAccountName': spec.serviceAccountName ?? 'default',
      'status.podIP': '127.0.0.1',
      'status.hostIP': '127.0.0.1',
    };
    const v = values[f];
    if (v === undefined) throw new LabError(`env fieldRef ${f} is not supported by the lab`);
    return v;
  };
  const envs: Array<{ key: string; value: Buffer }> = [];
  for (const e of c.env ?? []) {
    if (e.valueFrom?.secretKeyRef) continue; // optional and absent: the lab has no Secrets
    const value = e.valueFrom?.fieldRef ? field(e.valueFrom.fieldRef.fieldPath) : (e.value ?? '');
    envs.push({ key: e.name, value: Buffer.from(value) });
  }

  const cpuLimit = cpuCores(limits.cpu);
  const cpuRequest = cpuCores(requests.cpu ?? limits.cpu);
  const mem = memoryBytes(limits.memory);
  const sc = c.securityContext ?? {};
  const caps = (l: string[] | undefined) => (l ?? []).map((x) => x.toUpperCase().replace(/^CAP_/, ''));
  const seccomp = spec.securityContext?.seccompProfile?.type ?? sc.seccompProfile?.type;
  const containerConfig = {
    metadata: { name: c.name, attempt: 0 },
    image: { image: c.image! },
    ...(c.command ? { command: c.command } : {}),
    ...(c.args ? { args: c.args } : {}),
    envs,
    labels: {
      'io.kubernetes.container.name': c.name,
      'io.kubernetes.pod.name': pod,
      'io.kubernetes.pod.namespace': namespace,
      'io.kubernetes.pod.uid': uid,
    },
    annotations: {
      'io.kubernetes.container.restartCount': '0',
      'io.kubernetes.container.terminationMessagePath': '/dev/termination-log',
      [GRACE_ANNOTATION]: String(graceSeconds),
    },
    logPath: `${c.name}/0.log`,
    mounts,
    linux: {
      resources: {
        ...(cpuLimit !== undefined ? { cpuPeriod: 100_000, cpuQuota: Math.round(cpuLimit * 100_000) } : {}),
        ...(cpuRequest !== undefined ? { cpuShares: Math.max(2, Math.round(cpuRequest * 1024)) } : {}),
        ...(mem !== undefined ? { memoryLimitInBytes: mem } : {}),
      },
      securityContext: {
        privileged: sc.privileged === true,
        readonlyRootfs: sc.readOnlyRootFilesystem === true,
        ...(sc.runAsUser !== undefined ? { runAsUser: { value: sc.runAsUser } } : {}),
        ...(sc.runAsGroup !== undefined ? { runAsGroup: { value: sc.runAsGroup } } : {}),
        capabilities: {
          addCapabilities: caps(sc.capabilities?.add),
          dropCapabilities: caps(sc.capabilities?.drop),
        },
        ...(seccomp === 'RuntimeDefault' || seccomp === 'Unconfined'
          ? { seccomp: { profileType: seccomp } }
          : {}),
        namespaceOptions: nsOptions,
      },
    },
  };
  return {
    namespace,
    pod,
    uid,
    sandboxConfig,
    containerConfig,
    graceSeconds,
    ...(probeOf(c, c.livenessProbe) ? { liveness: probeOf(c, c.livenessProbe)! } : {}),
    ...(probeOf(c, c.readinessProbe) ? { readiness: probeOf(c, c.readinessProbe)! } : {}),
  };
}
