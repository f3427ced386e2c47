// Cluster identity from the Kubernetes API, as Elastic's D4C fills it: orchestrator.cluster.id is
// the UID of the `kube-system` namespace (stable for the cluster's life, the same on every node),
// orchestrator.cluster.name the kubeconfig's current-context cluster (in-cluster: kubeadm's
// ClusterConfiguration.clusterName when readable), and cloud.* from this node's providerID and
// topology labels. Flags win over all of it.
//
// The API is never on the event path: start() waits a bounded time for a first answer, then
// failures (unreachable, 401/403, slow) are counted, warned about once, and retried with backoff
// in the background; documents carry what is known meanwhile and pick the identity up when it
// arrives (onChange).
import { hostname } from 'node:os';
import type { CloudContext } from '../ecs/index.js';
import { type ApiSource, type FindApiOptions, findApiSource } from './config.js';

export interface ClusterIdentity {
  id?: string;
  name?: string;
  cloud?: CloudContext;
}

export interface ClusterIdentityOptions extends FindApiOptions {
  /** `--cluster-name` / `--cluster-id`: win over the API. */
  clusterName?: string;
  clusterId?: string;
  /** Don't ask the API at all (flags only). */
  api?: boolean;
  /** This node's name (cloud.* from its Node object). Default $NODE_NAME, else the hostname. */
  nodeName?: string;
  /** Per-request bound. Default 5 s. */
  timeoutMs?: number;
  /** Backoff between failed attempts: first and largest. Default 1 s and 5 min. */
  retryMinMs?: number;
  retryMaxMs?: number;
  onWarning?: (message: string) => void;
  /** Called when the identity learnt something new (after start() returned, too). */
  onChange?: (identity: ClusterIdentity) => void;
}

export interface ClusterIdentityCounters {
  /** Where the API came from: `kubeconfig`, `in-cluster`, or `none`. */
  source: string;
  attempts: number;
  successes: number;
  failures: number;
  /** By cause: no connection, 401, 403, 404 on kube-system, no answer in time, other. */
  unreachable: number;
  unauthorized: number;
  forbidden: number;
  notFound: number;
  timeouts: number;
  otherErrors: number;
  /** Optional reads (the Node, kubeadm's ConfigMap) that failed; they are not retried. */
  optionalFailures: number;
}

type Failure = 'unreachable' | 'unauthorized' | 'forbidden' | 'notFound' | 'timeouts' | 'otherErrors';

// The client library is large (every generated model): loaded only when an API source exists.
type K8s = typeof import('@kubernetes/client-node');

export class ClusterIdentitySource {
  readonly counters: ClusterIdentityCounters = {
    source: 'none',
    attempts: 0,
    successes: 0,
    failures: 0,
    unreachable: 0,
    unauthorized: 0,
    forbidden: 0,
    notFound: 0,
    timeouts: 0,
    otherErrors: 0,
    optionalFailures: 0,
  };
  private ident: ClusterIdentity;
  private readonly api: ApiSource | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private failing = false;
  private delay: number;
  private readonly timeoutMs: number;
  private readonly warn: (m: string) => void;
  private core: import('@kubernetes/client-node').CoreV1Api | undefined;
  private configName: string | undefined;
  private k8s: K8s | undefined;

  constructor(private readonly o: ClusterIdentityOptions = {}) {
    this.ident = {};
    if (o.clusterId) this.ident.id = o.clusterId;
    if (o.clusterName) this.ident.name = o.clusterName;
    this.timeoutMs = o.timeoutMs ?? 5000;
    this.delay = o.retryMinMs ?? 1000;
    this.warn = o.onWarning ?? ((m) => process.stderr.write(`d4c: ${m}\n`));
    this.api = o.api === false ? undefined : findApiSource(o);
    if (this.api) this.counters.source = this.api.kind;
  }

  /** What is known now (flags, and whatever the API answered). */
  get identity(): ClusterIdentity {
    return this.ident;
  }

  /** Where the API is, for messages (undefined: none). */
  get apiSource(): ApiSource | undefined {
    return this.api;
  }

  /**
   * First attempt; resolves after it answered or after `waitMs` (default the request timeout),
   * whichever comes first. Never rejects: failures go to the background retry.
   */
  async start(waitMs = this.timeoutMs): Promise<ClusterIdentity> {
    if (!this.api) return this.ident;
    // Loading the library and the kubeconfig is local work (not the API): it does not count
    // against the wait, so that a loaded machine does not lose the first documents' identity.
    try {
      await this.connect();
      // The kubeconfig's cluster name is known without the API: documents carry it meanwhile.
      if (!this.o.clusterName && this.configName) this.update({ ...this.ident, name: this.configName });
    } catch {
      // reported by the attempt below
    }
    let t: NodeJS.Timeout | undefined;
    await Promise.race([
      this.attempt(),
      new Promise<void>((r) => {
        t = setTimeout(r, waitMs);
      }),
    ]);
    clearTimeout(t);
    return this.ident;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private async attempt(): Promise<void> {
    if (this.stopped) return;
    this.counters.attempts++;
    try {
      await this.connect();
      const nsUid = await this.read(() => this.core!.readNamespace({ name: 'kube-system' }, this.opts()));
      const next: ClusterIdentity = { ...this.ident };
      next.id = this.o.clusterId ?? nsUid.metadata?.uid ?? next.id;
      // Optional reads: a missing RBAC grant for them must not cost the cluster id.
      const name = this.o.clusterName ?? this.configName ?? (await this.kubeadmClusterName());
      if (name) next.name = name;
      const cloud = await this.nodeCloud();
      if (cloud) next.cloud = cloud;
      this.counters.successes++;
      if (this.failing) this.warn('kubernetes API: answers again; cluster identity known');
      this.failing = false;
      this.update(next);
    } catch (e) {
      this.fail(e);
    }
  }

  private update(next: ClusterIdentity): void {
    const changed = JSON.stringify(next) !== JSON.stringify(this.ident);
    this.ident = next;
    if (changed) this.o.onChange?.(next);
  }

  private fail(e: unknown): void {
    const kind = classify(e);
    this.counters.failures++;
    this.counters[kind]++;
    if (!this.failing) {
      this.failing = true;
      this.warn(
        `kubernetes API (${this.api?.why}): ${describe(kind, e)}; orchestrator.cluster.id stays ${
          this.ident.id ? `"${this.ident.id}" (flag)` : 'empty'
        } until it answers (retrying in the background)`,
      );
    }
    if (this.stopped) return;
    const wait = this.delay;
    this.delay = Math.min(this.delay * 2, this.o.retryMaxMs ?? 300_000);
    this.timer = setTimeout(() => void this.attempt(), wait);
    this.timer.unref();
  }

  private async connect(): Promise<void> {
    if (this.core) return;
    this.k8s ??= await import('@kubernetes/client-node');
    const kc = new this.k8s.KubeConfig();
    const api = this.api!;
    if (api.kind === 'in-cluster') kc.loadFromCluster(api.prefix);
    else {
      kc.loadFromFile(api.files[0]!);
      for (const f of api.files.slice(1)) {
        const more = new this.k8s.KubeConfig();
        more.loadFromFile(f);
        kc.mergeConfig(more, true);
      }
      // The cluster's name as the kubeconfig knows it (what `kubectl config view` shows).
      const ctx = kc.getContextObject(kc.getCurrentContext());
      if (ctx?.cluster) this.configName = ctx.cluster;
    }
    if (!kc.getCurrentCluster()) throw new Error('the kubeconfig has no current cluster');
    this.core = kc.makeApiClient(this.k8s.CoreV1Api);
  }

  /** A bounded request: the client's fetch is aborted at timeoutMs (a hung server keeps no socket). */
  private opts() {
    const ms = this.timeoutMs;
    const { Observable } = this.k8s!;
    return {
      middleware: [
        {
          pre: (ctx: import('@kubernetes/client-node').RequestContext) => {
            ctx.setSignal(AbortSignal.timeout(ms));
            return new Observable(Promise.resolve(ctx));
          },
          post: (r: import('@kubernetes/client-node').ResponseContext) => new Observable(Promise.resolve(r)),
        },
      ],
      middlewareMergeStrategy: 'append' as const,
    };
  }

  private async read<T>(call: () => Promise<T>): Promise<T> {
    let t: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        call(),
        new Promise<never>((_, rej) => {
          t = setTimeout(() => rej(new TimeoutError()), this.timeoutMs + 250);
        }),
      ]);
    } finally {
      clearTimeout(t);
    }
  }

  /** In-cluster there is no kubeconfig: kubeadm clusters keep the name in kube-system. */
  private async kubeadmClusterName(): Promise<string | undefined> {
    try {
      const cm = await this.read(() =>
        this.core!.readNamespacedConfigMap({ name: 'kubeadm-config', namespace: 'kube-system' }, this.opts()),
      );
      return /^clusterName:\s*"?([^"\s]+)"?\s*$/m.exec(cm.data?.ClusterConfiguration ?? '')?.[1];
    } catch {
      this.counters.optionalFailures++;
      return undefined;
    }
  }

  private async nodeCloud(): Promise<CloudContext | undefined> {
    const name = this.o.nodeName ?? process.env.NODE_NAME ?? hostname();
    try {
      const node = await this.read(() => this.core!.readNode({ name }, this.opts()));
      return cloudFromNode(node.spec?.providerID, node.metadata?.labels ?? {}, node.metadata?.name ?? name);
    } catch {
      this.counters.optionalFailures++;
      // Still a node of the cluster: Kibana's Kubernetes dashboard counts nodes by instance name.
      return { instanceName: name };
    }
  }
}

class TimeoutError extends Error {
  override name = 'TimeoutError';
}

function classify(e: unknown): Failure {
  const err = e as { code?: unknown; name?: string; type?: string; cause?: { code?: string } };
  if (typeof err.code === 'number') {
    if (err.code === 401) return 'unauthorized';
    if (err.code === 403) return 'forbidden';
    if (err.code === 404) return 'notFound';
    return 'otherErrors';
  }
  if (err.name === 'TimeoutError' || err.name === 'AbortError' || err.type === 'aborted') return 'timeouts';
  const code = typeof err.code === 'string' ? err.code : err.cause?.code;
  if (code && /^(ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|ECONNRESET|EAI_AGAIN|EPIPE)$/.test(code))
    return 'unreachable';
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|socket hang up/.test(String((e as Error)?.message)))
    return 'unreachable';
  return 'otherErrors';
}

function describe(kind: Failure, e: unknown): string {
  switch (kind) {
    case 'unauthorized':
      return 'credentials refused (401)';
    case 'forbidden':
      return 'reading the kube-system namespace is forbidden (403): grant `get` on namespaces';
    case 'notFound':
      return 'no kube-system namespace (404)';
    case 'timeouts':
      return 'no answer in time';
    case 'unreachable':
      return `unreachable (${firstLine(e)})`;
    default:
      return firstLine(e);
  }
}

function firstLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n')[0]!.slice(0, 200);
}

/**
 * cloud.* from a Node: its providerID (`aws:///us-east-1a/i-0abc`, `gce://project/zone/name`,
 * `azure:///subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Compute/virtualMachines/<name>`)
 * and the well-known topology labels. `cloud.instance.name` falls back to the node's name when the
 * provider gives none (EKS, kubeadm, bare metal, kind, the lab): Kibana's Kubernetes dashboard
 * groups nodes by it and shows none otherwise.
 */
export function cloudFromNode(
  providerID: string | undefined,
  labels: Record<string, string>,
  nodeName?: string,
): CloudContext | undefined {
  const c: CloudContext = {};
  const m = /^([a-z0-9-]+):\/\/(.*)$/i.exec(providerID ?? '');
  if (m) {
    const scheme = m[1]!.toLowerCase();
    const rest = m[2]!.split('/');
    if (scheme === 'aws') {
      c.provider = 'aws';
      // aws:///<zone>/<instance id>
      const parts = rest.filter((p) => p !== '');
      if (parts.length >= 2) c.availabilityZone = parts[parts.length - 2]!;
      if (parts.length >= 1) c.instanceId = parts[parts.length - 1]!;
    } else if (scheme === 'gce') {
      c.provider = 'gcp';
      // gce://<project>/<zone>/<name>: a GCP project is ECS cloud.project.id.
      if (rest[0]) c.projectId = rest[0];
      if (rest[1]) c.availabilityZone = rest[1];
      if (rest[2]) c.instanceName = rest[2];
    } else if (scheme === 'azure') {
      c.provider = 'azure';
      const i = rest.findIndex((p) => p.toLowerCase() === 'subscriptions');
      if (i >= 0 && rest[i + 1]) c.accountId = rest[i + 1]!;
      const last = rest[rest.length - 1];
      if (last) c.instanceName = last;
    } else c.provider = scheme;
  }
  const region =
    labels['topology.kubernetes.io/region'] ?? labels['failure-domain.beta.kubernetes.io/region'];
  const zone = labels['topology.kubernetes.io/zone'] ?? labels['failure-domain.beta.kubernetes.io/zone'];
  if (region) c.region = region;
  if (zone) c.availabilityZone = zone;
  if (c.instanceName === undefined && nodeName) c.instanceName = nodeName;
  return Object.keys(c).length > 0 ? c : undefined;
}
