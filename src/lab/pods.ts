// Pods made the way a kubelet makes them: RunPodSandbox with the pod's labels and the usual
// io.kubernetes.* labels, a kubepods cgroup parent, host network (no CNI here), then
// CreateContainer + StartContainer. Exec through CRI ExecSync, or `ctr tasks exec` for a terminal.
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { CriClient } from '../container/cri.js';
import { auditExec } from './audit.js';
import { ensureImage, LabError, type LabPaths, labRunning, NAMESPACE } from './node.js';
import { stopForRemoval } from './supervise.js';
import {
  type CriMount,
  mountOf,
  removePodDir,
  type VolumeSpec,
  writeServiceAccountVolume,
} from './volumes.js';

export interface RunPodOptions {
  namespace: string;
  pod: string;
  container?: string;
  labels?: Record<string, string>;
  image?: string;
  privileged?: boolean;
  capAdd?: string[];
  /** Mount the service-account volume (default true; false = automountServiceAccountToken: false). */
  serviceAccount?: boolean;
  /** Extra host-path volumes (`--volume`). */
  volumes?: VolumeSpec[];
  command: string[];
}

export interface RunningPod {
  podUid: string;
  sandboxId: string;
  containerId: string;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

async function client(p: LabPaths): Promise<CriClient> {
  if (!(await labRunning(p))) throw new LabError('the lab is not running: run `d4c lab up` first');
  return new CriClient(p.socket, 30_000);
}

export async function runPod(p: LabPaths, o: RunPodOptions): Promise<RunningPod> {
  for (const [what, v] of [
    ['namespace', o.namespace],
    ['pod', o.pod],
  ] as const) {
    if (!DNS_LABEL.test(v))
      throw new LabError(`--${what} must be a DNS label (lower case, digits, '-'): ${JSON.stringify(v)}`);
  }
  if (o.command.length === 0) throw new LabError('a command is required after --');
  const c = await client(p);
  try {
    const existing = await findPod(c, o.pod, o.namespace);
    if (existing)
      throw new LabError(
        `pod ${o.namespace}/${o.pod} exists (container ${existing.containerId.slice(0, 12)})`,
      );
    const image = await ensureImage(p, o.image ?? 'docker.io/library/busybox:latest');
    const uid = randomUUID();
    const container = o.container ?? o.pod;
    const podLabels = {
      ...(o.labels ?? {}),
      'io.kubernetes.pod.name': o.pod,
      'io.kubernetes.pod.namespace': o.namespace,
      'io.kubernetes.pod.uid': uid,
    };
    const qos = 'besteffort'; // no resources requested
    const sandboxConfig = {
      metadata: { name: o.pod, uid, namespace: o.namespace, attempt: 0 },
      // No hostname: a host-network pod must not set one.
      logDirectory: join(p.logs, `${o.namespace}_${o.pod}_${uid}`),
      labels: podLabels,
      annotations: {
        'kubernetes.io/config.source': 'api',
        'kubernetes.io/config.seen': new Date().toISOString(),
      },
      linux: {
        cgroupParent: `/kubepods/${qos}/pod${uid}`,
        securityContext: {
          namespaceOptions: { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' },
          privileged: o.privileged === true,
        },
      },
    };
    const mounts: CriMount[] = (o.volumes ?? []).map(mountOf);
    let sb: { podSandboxId: string } | undefined;
    try {
      if (o.serviceAccount !== false) {
        mounts.push(await writeServiceAccountVolume(p, { namespace: o.namespace, pod: o.pod, podUid: uid }));
      }
      sb = await c.call<{ podSandboxId: string }>('RunPodSandbox', {
        config: sandboxConfig,
        runtimeHandler: '',
      });
      const created = await c.call<{ containerId: string }>('CreateContainer', {
        podSandboxId: sb.podSandboxId,
        sandboxConfig,
        config: {
          metadata: { name: container, attempt: 0 },
          image: { image },
          command: o.command,
          // KeyValue.value is `bytes` in current cri-api (wire-compatible with older `string`).
          envs: [{ key: 'PATH', value: Buffer.from('/usr/sbin:/usr/bin:/sbin:/bin') }],
          labels: {
            'io.kubernetes.container.name': container,
            'io.kubernetes.pod.name': o.pod,
            'io.kubernetes.pod.namespace': o.namespace,
            'io.kubernetes.pod.uid': uid,
          },
          annotations: {
            'io.kubernetes.container.restartCount': '0',
            'io.kubernetes.container.terminationMessagePath': '/dev/termination-log',
          },
          logPath: `${container}/0.log`,
          mounts,
          linux: {
            resources: {},
            securityContext: {
              privileged: o.privileged === true,
              // kubelet passes capability names without the CAP_ prefix.
              capabilities: {
                addCapabilities: (o.capAdd ?? []).map((x) => x.toUpperCase().replace(/^CAP_/, '')),
              },
              namespaceOptions: { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' },
            },
          },
        },
      });
      await c.call('StartContainer', { containerId: created.containerId });
      return { podUid: uid, sandboxId: sb.podSandboxId, containerId: created.containerId };
    } catch (e) {
      if (sb) {
        await c.call('StopPodSandbox', { podSandboxId: sb.podSandboxId }).catch(() => {});
        await c.call('RemovePodSandbox', { podSandboxId: sb.podSandboxId }).catch(() => {});
      }
      removePodDir(p, uid);
      throw e;
    }
  } finally {
    c.close();
  }
}

async function findPod(
  c: CriClient,
  pod: string,
  namespace?: string,
): Promise<
  { containerId: string; sandboxId: string; namespace: string; podUid: string; container: string } | undefined
> {
  const labelSelector: Record<string, string> = { 'io.kubernetes.pod.name': pod };
  if (namespace) labelSelector['io.kubernetes.pod.namespace'] = namespace;
  const r = await c.call<{
    containers?: Array<{ id: string; podSandboxId: string; state: string; labels?: Record<string, string> }>;
  }>('ListContainers', { filter: { labelSelector } });
  const list = r.containers ?? [];
  const namespaces = new Set(list.map((x) => x.labels?.['io.kubernetes.pod.namespace']));
  if (namespaces.size > 1) {
    throw new LabError(
      `pod ${pod} exists in several namespaces (${[...namespaces].join(', ')}): add --namespace`,
    );
  }
  const running = list.find((x) => x.state === 'CONTAINER_RUNNING') ?? list[0];
  if (!running) return undefined;
  return {
    containerId: running.id,
    sandboxId: running.podSandboxId,
    namespace: running.labels?.['io.kubernetes.pod.namespace'] ?? '',
    podUid: running.labels?.['io.kubernetes.pod.uid'] ?? '',
    container: running.labels?.['io.kubernetes.container.name'] ?? '',
  };
}

/** Waits for the container to exit; returns its exit code. */
export async function waitExit(p: LabPaths, containerId: string, timeoutMs = 24 * 3600_000): Promise<number> {
  const c = await client(p);
  try {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      const r = await c.call<{ status?: { state?: string; exitCode?: number } }>('ContainerStatus', {
        containerId,
      });
      if (r.status?.state === 'CONTAINER_EXITED') return r.status.exitCode ?? 0;
      await new Promise((res) => setTimeout(res, 100));
    }
    throw new LabError(`container ${containerId.slice(0, 12)} still running after ${timeoutMs} ms`);
  } finally {
    c.close();
  }
}

export interface ExecOptions {
  pod: string;
  namespace?: string;
  command: string[];
  /** Interactive with a terminal: runs through `ctr tasks exec -t` with this process's stdio. */
  tty?: boolean;
  stdin?: boolean;
  /** The Kubernetes user of the audit events written for it (`--as`; default LAB_DEFAULT_USER). */
  as?: string;
}

/** Runs a command in the pod's container; returns its exit code (stdout/stderr go to ours). */
export async function execInPod(p: LabPaths, o: ExecOptions): Promise<number> {
  if (o.command.length === 0) throw new LabError('a command is required after --');
  const c = await client(p);
  let target: Awaited<ReturnType<typeof findPod>>;
  let done = () => {};
  try {
    target = await findPod(c, o.pod, o.namespace);
    if (!target) throw new LabError(`no pod ${o.namespace ? `${o.namespace}/` : ''}${o.pod} in the lab`);
    // The API server writes its audit event before the kubelet starts the process.
    done = auditExec(p, {
      namespace: target.namespace,
      pod: o.pod,
      container: target.container,
      command: o.command,
      ...(o.as !== undefined ? { user: o.as } : {}),
      stdin: o.stdin === true,
      tty: o.tty === true,
    });
    if (!o.tty && !o.stdin) {
      const r = await c.call<{ stdout?: Buffer; stderr?: Buffer; exitCode?: number }>(
        'ExecSync',
        { containerId: target.containerId, cmd: o.command, timeout: 0 },
        24 * 3600_000,
      );
      done();
      if (r.stdout?.length) process.stdout.write(r.stdout);
      if (r.stderr?.length) process.stderr.write(r.stderr);
      return r.exitCode ?? 0;
    }
  } finally {
    c.close();
  }
  // CRI's streaming Exec needs a SPDY/websocket client; containerd's task exec starts the same
  // kind of process (runc exec into the container's namespaces and cgroup) with a real terminal.
  const args = [
    '-a',
    p.socket,
    '-n',
    NAMESPACE,
    'tasks',
    'exec',
    '--exec-id',
    `d4c-${randomBytes(6).toString('hex')}`,
  ];
  if (o.tty) args.push('-t');
  args.push(target.containerId, ...o.command);
  return new Promise((resolve, reject) => {
    const child = spawn('ctr', args, { stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      done();
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

/** Stops and removes one pod. */
export async function removePod(p: LabPaths, pod: string, namespace?: string): Promise<boolean> {
  const c = await client(p);
  try {
    const t = await findPod(c, pod, namespace);
    if (!t) return false;
    await stopForRemoval(p, c, t.podUid, t.sandboxId); // an applied pod: its grace period
    await c.call('StopPodSandbox', { podSandboxId: t.sandboxId });
    await c.call('RemovePodSandbox', { podSandboxId: t.sandboxId });
    removePodDir(p, t.podUid);
    return true;
  } finally {
    c.close();
  }
}

export interface PodRow {
  namespace: string;
  pod: string;
  container: string;
  containerId: string;
  state: string;
  image: string;
}

/** Every container of the lab's pods, for `d4c lab ps`. */
export async function listPods(p: LabPaths): Promise<PodRow[]> {
  const c = await client(p);
  try {
    const r = await c.call<{
      containers?: Array<{
        id: string;
        state: string;
        labels?: Record<string, string>;
        metadata?: { name?: string };
        image?: { image?: string };
      }>;
    }>('ListContainers', {});
    return (r.containers ?? [])
      .map((x) => ({
        namespace: x.labels?.['io.kubernetes.pod.namespace'] ?? '',
        pod: x.labels?.['io.kubernetes.pod.name'] ?? '',
        container: x.metadata?.name ?? '',
        containerId: x.id,
        state: x.state.replace(/^CONTAINER_/, '').toLowerCase(),
        image: x.image?.image ?? '',
      }))
      .sort((a, b) => `${a.namespace}/${a.pod}`.localeCompare(`${b.namespace}/${b.pod}`));
  } finally {
    c.close();
  }
}
