// A CRI v1 client (gRPC over the runtime's unix socket; containerd and CRI-O speak it) and a
// metadata source over it: pod name, namespace, uid, labels, annotations and IP; container name,
// image and digest, privileged and capabilities from the security context, mounts.
// The proto is kubernetes/cri-api's api.proto, vendored under ./proto.

import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { RuntimeHint } from './cgroup.js';
import { normalizeImageRef } from './image-ref.js';
import { mountTarget } from './mounts.js';
import type {
  ContainerMeta,
  MetadataSource,
  MountInfo,
  PodInfo,
  RuntimeEvent,
  RuntimeName,
  SourceResult,
  WatchHealth,
} from './types.js';
import { normalizeCap } from './types.js';

const PROTO = fileURLToPath(new URL('./proto/api.proto', import.meta.url));

// containerd, CRI-O, and the `d4c lab` node at its default place (src/lab/node.ts).
export const DEFAULT_CRI_SOCKETS = [
  '/run/containerd/containerd.sock',
  '/run/crio/crio.sock',
  '/var/lib/d4c/lab/containerd.sock',
] as const;

// Loaded once per process; the proto is large.
let definition: grpc.GrpcObject | undefined;
function loadDefinition(): grpc.GrpcObject {
  definition ??= grpc.loadPackageDefinition(
    protoLoader.loadSync(PROTO, {
      keepCase: false,
      longs: String,
      enums: String,
      defaults: true,
      oneofs: true,
    }),
  );
  return definition;
}

type Unary = (
  req: unknown,
  meta: grpc.Metadata,
  opts: grpc.CallOptions,
  cb: (e: grpc.ServiceError | null, r: unknown) => void,
) => void;

/** Thin promise wrapper over the RuntimeService and ImageService of one socket. */
export class CriClient {
  private readonly runtime: grpc.Client;
  private readonly image: grpc.Client;

  constructor(
    readonly socketPath: string,
    private readonly timeoutMs = 5000,
  ) {
    const v1 = (loadDefinition().runtime as grpc.GrpcObject).v1 as grpc.GrpcObject;
    const Runtime = v1.RuntimeService as grpc.ServiceClientConstructor;
    const Image = v1.ImageService as grpc.ServiceClientConstructor;
    const creds = grpc.credentials.createInsecure();
    const opts = {
      'grpc.max_receive_message_length': 16 << 20,
      // A restarted runtime must be found again within seconds: grpc-js backs off reconnects up
      // to 120 s by default, so after a long outage new pods would go without metadata that long.
      'grpc.initial_reconnect_backoff_ms': 500,
      'grpc.max_reconnect_backoff_ms': 5000,
    };
    this.runtime = new Runtime(`unix://${socketPath}`, creds, opts);
    this.image = new Image(`unix://${socketPath}`, creds, opts);
  }

  /** Calls an RPC by its proto name (`RunPodSandbox`); camelCase fields in and out. */
  call<T = Record<string, unknown>>(method: string, req: object, timeoutMs = this.timeoutMs): Promise<T> {
    const image = /^(ListImages|ImageStatus|PullImage|RemoveImage|ImageFsInfo)$/.test(method);
    const client = (image ? this.image : this.runtime) as unknown as Record<string, Unary>;
    const name = method[0]!.toLowerCase() + method.slice(1);
    const fn = client[name];
    if (!fn) return Promise.reject(new Error(`no CRI method ${method}`));
    return new Promise((resolve, reject) => {
      fn.call(client, req, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) =>
        err ? reject(err) : resolve(res as T),
      );
    });
  }

  close(): void {
    this.runtime.close();
    this.image.close();
  }
}

interface CriContainerStatus {
  id: string;
  metadata?: { name?: string };
  image?: { image?: string };
  imageRef?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  mounts?: Array<{ containerPath?: string; hostPath?: string; readonly?: boolean }>;
}

/** The CRI as a metadata source. inspect() never rejects. */
export class CriSource implements MetadataSource {
  readonly name: string;
  readonly runtimes: readonly RuntimeHint[] = ['cri', 'containerd', 'cri-o'];
  readonly counters = { lookups: 0, errors: 0, notFound: 0, pollErrors: 0 };
  private readonly client: CriClient;
  private runtimeName: RuntimeName | undefined;

  private readonly pollMs: number;

  constructor(socketPath: string, opts: { timeoutMs?: number; name?: string; pollMs?: number } = {}) {
    this.client = new CriClient(socketPath, opts.timeoutMs ?? 2000);
    this.name = opts.name ?? 'cri';
    this.pollMs = opts.pollMs ?? 2000;
  }

  async inspect(id: string): Promise<SourceResult> {
    this.counters.lookups++;
    try {
      if (!this.runtimeName) {
        const v = await this.client.call<{ runtimeName?: string }>('Version', { version: 'v1' });
        this.runtimeName = /cri-o/i.test(v.runtimeName ?? '') ? 'cri-o' : 'containerd';
      }
      const cs = await this.client.call<{ status?: CriContainerStatus; info?: Record<string, string> }>(
        'ContainerStatus',
        { containerId: id, verbose: true },
      );
      if (!cs.status) return { status: 'not-found' };
      const info = parseInfo(cs.info?.info);
      const meta = await this.toMeta(cs.status, info);
      return { status: 'ok', meta };
    } catch (e) {
      const err = e as grpc.ServiceError;
      if (err.code === grpc.status.NOT_FOUND) {
        this.counters.notFound++;
        return { status: 'not-found' };
      }
      this.counters.errors++;
      const unreachable = err.code === grpc.status.UNAVAILABLE || err.code === grpc.status.DEADLINE_EXCEEDED;
      return { status: 'error', error: `${this.name}: ${err.details || err.message}`, unreachable };
    }
  }

  private async toMeta(
    s: CriContainerStatus,
    info: ContainerInfo | undefined,
  ): Promise<Partial<ContainerMeta> & { sources: string[] }> {
    const meta: Partial<ContainerMeta> & { sources: string[] } = { id: s.id, sources: [this.name] };
    if (this.runtimeName) meta.runtime = this.runtimeName;
    if (s.metadata?.name) meta.name = s.metadata.name;
    // The image as the pod spec named it (the annotation kubelet sets), else the runtime's view.
    const imageName =
      s.annotations?.['io.kubernetes.cri.image-name'] ?? info?.config?.image?.image ?? s.image?.image;
    const ref = imageName ? normalizeImageRef(imageName) : undefined;
    if (ref) {
      meta.image = { name: ref.name, full: ref.full };
      if (ref.tag) meta.image.tag = ref.tag;
      const digest = ref.digest ?? (s.imageRef?.includes('@') ? s.imageRef.split('@')[1] : undefined);
      if (digest) meta.image.digest = digest;
      else if (s.imageRef?.startsWith('sha256:')) meta.image.id = s.imageRef;
    }
    const sec = info?.config?.linux?.securityContext;
    meta.privileged = sec?.privileged === true;
    meta.capAdd = (sec?.capabilities?.addCapabilities ?? []).map(normalizeCap);
    meta.capDrop = (sec?.capabilities?.dropCapabilities ?? []).map(normalizeCap);
    const caps = info?.runtimeSpec?.process?.capabilities?.effective;
    if (caps) meta.capabilities = caps;
    if (info?.pid) meta.pid = info.pid;
    meta.labels = { ...(s.labels ?? {}) };
    meta.mounts = await Promise.all((s.mounts ?? []).map(toMount));
    const sandboxId = info?.sandboxID;
    if (sandboxId) {
      const pod = await this.pod(sandboxId);
      if (pod) meta.pod = pod;
    }
    return meta;
  }

  private async pod(sandboxId: string): Promise<PodInfo | undefined> {
    const r = await this.client.call<{
      status?: {
        metadata?: { name?: string; uid?: string; namespace?: string };
        network?: { ip?: string };
        labels?: Record<string, string>;
        annotations?: Record<string, string>;
      };
    }>('PodSandboxStatus', { podSandboxId: sandboxId, verbose: false });
    const st = r.status;
    if (!st?.metadata?.uid) return undefined;
    // The kubelet adds io.kubernetes.pod.* to the sandbox labels; the pod's own labels are the rest.
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(st.labels ?? {}))
      if (!k.startsWith('io.kubernetes.pod.')) labels[k] = v;
    const pod: PodInfo = {
      uid: st.metadata.uid,
      labels,
      annotations: { ...(st.annotations ?? {}) },
    };
    if (st.metadata.name) pod.name = st.metadata.name;
    if (st.metadata.namespace) pod.namespace = st.metadata.namespace;
    if (st.network?.ip) pod.ip = st.network.ip;
    return pod;
  }

  /**
   * Start/die notifications by polling ListContainers: containerd 1.6 lacks CRI's
   * GetContainerEvents stream. The first poll reports every running container as started, which
   * primes the cache with containers that predate the agent.
   */
  watch(onEvent: (e: RuntimeEvent) => void, health?: WatchHealth): () => void {
    const pollMs = this.pollMs;
    let failing = false;
    const known = new Map<string, string>();
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const poll = async () => {
      try {
        const r = await this.client.call<{ containers?: Array<{ id: string; state: string }> }>(
          'ListContainers',
          {},
        );
        const seen = new Set<string>();
        const now = Date.now();
        for (const c of r.containers ?? []) {
          seen.add(c.id);
          const before = known.get(c.id);
          if (c.state === 'CONTAINER_RUNNING' && before !== 'CONTAINER_RUNNING') {
            onEvent({ type: 'start', id: c.id, time: now, source: this.name });
          } else if (c.state === 'CONTAINER_EXITED' && before === 'CONTAINER_RUNNING') {
            onEvent({ type: 'die', id: c.id, time: now, source: this.name });
          }
          known.set(c.id, c.state);
        }
        for (const [id, state] of known) {
          if (seen.has(id)) continue;
          if (state === 'CONTAINER_RUNNING') onEvent({ type: 'die', id, time: now, source: this.name });
          known.delete(id);
        }
        if (failing) health?.up();
        failing = false;
      } catch (e) {
        // Runtime gone (stopped, restarting): the known states stay, so that after it comes back
        // only real changes are reported (containers kept running under their shims).
        this.counters.pollErrors++;
        const err = e as grpc.ServiceError;
        failing = true;
        health?.down(
          `${this.name}: ${err.details || err.message}`,
          err.code === grpc.status.UNAVAILABLE || err.code === grpc.status.DEADLINE_EXCEEDED,
        );
      }
      if (!stopped) {
        timer = setTimeout(poll, pollMs);
        timer.unref();
      }
    };
    void poll();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }

  close(): void {
    this.client.close();
  }
}

interface ContainerInfo {
  sandboxID?: string;
  pid?: number;
  config?: {
    image?: { image?: string };
    linux?: {
      securityContext?: {
        privileged?: boolean;
        capabilities?: { addCapabilities?: string[]; dropCapabilities?: string[] };
      };
    };
  };
  runtimeSpec?: { process?: { capabilities?: { effective?: string[] } } };
}

/** containerd's verbose `info` is JSON with snake_case config fields; normalise what we read. */
function parseInfo(text: string | undefined): ContainerInfo | undefined {
  if (!text) return undefined;
  try {
    const raw = JSON.parse(text) as Record<string, unknown>;
    const cfg = raw.config as Record<string, unknown> | undefined;
    const linux = cfg?.linux as Record<string, unknown> | undefined;
    const sc = linux?.security_context as Record<string, unknown> | undefined;
    const caps = sc?.capabilities as Record<string, string[]> | undefined;
    const out: ContainerInfo = {
      sandboxID: raw.sandboxID as string | undefined,
      pid: raw.pid as number | undefined,
      runtimeSpec: raw.runtimeSpec as ContainerInfo['runtimeSpec'],
      config: {
        image: cfg?.image as { image?: string } | undefined,
        linux: {
          securityContext: {
            privileged: sc?.privileged === true,
            capabilities: {
              addCapabilities: caps?.add_capabilities ?? [],
              dropCapabilities: caps?.drop_capabilities ?? [],
            },
          },
        },
      },
    };
    return out;
  } catch {
    return undefined;
  }
}

async function toMount(m: {
  containerPath?: string;
  hostPath?: string;
  readonly?: boolean;
}): Promise<MountInfo> {
  const source = m.hostPath ?? '';
  const target = await mountTarget(source);
  return {
    destination: m.containerPath ?? '',
    source,
    // kubelet keeps pod volumes under /var/lib/kubelet/pods/<uid>/volumes/.
    type: /\/volumes\//.test(source) ? 'volume' : 'bind',
    readOnly: m.readonly === true,
    target,
  };
}
