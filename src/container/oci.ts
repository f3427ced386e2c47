// The container's OCI runtime spec (config.json) read from where runtimes keep it on the host, as
// a fallback when no runtime API answers: capabilities, privileged, mounts, and the Kubernetes
// annotations containerd and CRI-O write into it. Where to look (checked on this machine):
//   podman      /var/lib/containers/storage/overlay-containers/<id>/userdata/config.json
//   CRI-O       /run/containers/storage/overlay-containers/<id>/userdata/config.json
//   containerd  <state>/io.containerd.runtime.v2.task/<namespace>/<id>/config.json
//   any runc    <runc root>/<id>/state.json names the bundle (`bundle=` label) and the init pid;
//               roots: /run/runc (podman, CRI-O), <state>/runc/<namespace> (containerd)
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { RuntimeHint } from './cgroup.js';
import { isContainerId } from './cgroup.js';
import { normalizeImageRef } from './image-ref.js';
import { mountTarget } from './mounts.js';
import type {
  ContainerMeta,
  MetadataSource,
  MountInfo,
  PodInfo,
  RuntimeName,
  SourceResult,
} from './types.js';

export interface OciSourceOptions {
  /** Directories holding `<id>/userdata/config.json` (podman / CRI-O storage). */
  storageDirs?: string[];
  /** containerd state directories (holding io.containerd.runtime.v2.task/ and runc/). */
  containerdStateDirs?: string[];
  /** runc roots holding `<id>/state.json`. */
  runcRoots?: string[];
}

export const DEFAULT_OCI_OPTIONS: Required<OciSourceOptions> = {
  storageDirs: [
    '/var/lib/containers/storage/overlay-containers',
    '/run/containers/storage/overlay-containers',
  ],
  containerdStateDirs: ['/run/containerd'],
  runcRoots: ['/run/runc'],
};

export interface OciSpec {
  process?: { capabilities?: { effective?: string[] } };
  mounts?: Array<{ destination?: string; source?: string; type?: string; options?: string[] }>;
  annotations?: Record<string, string>;
  linux?: { maskedPaths?: string[]; readonlyPaths?: string[] };
}

export class OciSpecSource implements MetadataSource {
  readonly name = 'oci';
  readonly runtimes: readonly RuntimeHint[] = ['podman', 'containerd', 'cri-o', 'cri'];
  readonly counters = { lookups: 0, found: 0, notFound: 0, malformed: 0 };
  private readonly opts: Required<OciSourceOptions>;

  constructor(opts: OciSourceOptions = {}) {
    this.opts = { ...DEFAULT_OCI_OPTIONS, ...opts };
  }

  async inspect(id: string): Promise<SourceResult> {
    this.counters.lookups++;
    if (!isContainerId(id)) {
      this.counters.notFound++;
      return { status: 'not-found' };
    }
    try {
      const found = await this.locate(id);
      if (!found) {
        this.counters.notFound++;
        return { status: 'not-found' };
      }
      const spec = JSON.parse(await readFile(found.configPath, 'utf8')) as OciSpec;
      const meta = await specToMeta(id, spec, found.runtime);
      if (found.pid) meta.pid = found.pid;
      this.counters.found++;
      return { status: 'ok', meta };
    } catch (e) {
      this.counters.malformed++;
      return { status: 'error', error: `oci spec of ${id}: ${e instanceof Error ? e.message : String(e)}` };
    }
  }

  /** Finds config.json (and the init pid when a runc state says it). */
  async locate(id: string): Promise<{ configPath: string; runtime?: RuntimeName; pid?: number } | undefined> {
    const runc = await this.fromRunc(id);
    if (runc) return runc;
    for (const dir of this.opts.storageDirs) {
      const p = join(dir, id, 'userdata', 'config.json');
      if (await exists(p)) return { configPath: p };
    }
    for (const state of this.opts.containerdStateDirs) {
      const tasks = join(state, 'io.containerd.runtime.v2.task');
      for (const ns of await list(tasks)) {
        const p = join(tasks, ns, id, 'config.json');
        if (await exists(p)) return { configPath: p, runtime: 'containerd' };
      }
    }
    return undefined;
  }

  private async fromRunc(
    id: string,
  ): Promise<{ configPath: string; pid?: number; runtime?: RuntimeName } | undefined> {
    const roots = [...this.opts.runcRoots];
    for (const state of this.opts.containerdStateDirs) {
      for (const ns of await list(join(state, 'runc'))) roots.push(join(state, 'runc', ns));
    }
    for (const root of roots) {
      let text: string;
      try {
        text = await readFile(join(root, id, 'state.json'), 'utf8');
      } catch {
        continue;
      }
      const st = JSON.parse(text) as { init_process_pid?: number; config?: { labels?: string[] } };
      const bundle = st.config?.labels?.find((l) => l.startsWith('bundle='))?.slice(7);
      if (!bundle) continue;
      const configPath = join(bundle, 'config.json');
      if (!(await exists(configPath))) continue;
      const out: { configPath: string; pid?: number; runtime?: RuntimeName } = { configPath };
      if (st.init_process_pid) out.pid = st.init_process_pid;
      if (root.includes('containerd')) out.runtime = 'containerd';
      return out;
    }
    return undefined;
  }
}

// Mounts every runtime adds itself; not the user's volumes.
const RUNTIME_MOUNTS = new Set([
  '/proc',
  '/dev',
  '/dev/pts',
  '/dev/shm',
  '/dev/mqueue',
  '/sys',
  '/sys/fs/cgroup',
  '/etc/hosts',
  '/etc/hostname',
  '/etc/resolv.conf',
  '/run/.containerenv',
  '/dev/termination-log',
]);
const VOLUME_SOURCES = [
  /^\/var\/lib\/containers\/storage\/volumes\//,
  /^\/var\/lib\/docker\/volumes\//,
  /\/volumes\//,
];

/** Metadata from an OCI spec; exported for tests over recorded specs. */
export async function specToMeta(
  id: string,
  spec: OciSpec,
  runtimeHint?: RuntimeName,
): Promise<Partial<ContainerMeta> & { sources: string[] }> {
  const ann = spec.annotations ?? {};
  const caps = spec.process?.capabilities?.effective ?? [];
  const podmanPriv = ann['io.podman.annotations.privileged'];
  // Privileged containers get every capability and no masked paths; podman also says so outright.
  const privileged =
    podmanPriv !== undefined
      ? podmanPriv.toUpperCase() === 'TRUE'
      : caps.includes('CAP_SYS_ADMIN') &&
        caps.includes('CAP_SYS_MODULE') &&
        (spec.linux?.maskedPaths ?? []).length === 0;
  const mounts: MountInfo[] = [];
  for (const m of spec.mounts ?? []) {
    const dest = m.destination ?? '';
    if (!dest || RUNTIME_MOUNTS.has(dest) || m.type !== 'bind' || !m.source) continue;
    if (m.source.includes('/userdata/') || m.source.includes('/io.containerd.grpc.v1.cri/sandboxes/'))
      continue;
    const opts = m.options ?? [];
    const target = await mountTarget(m.source);
    mounts.push({
      destination: dest,
      source: m.source,
      type: VOLUME_SOURCES.some((r) => r.test(m.source!)) ? 'volume' : 'bind',
      readOnly: opts.includes('ro'),
      target,
    });
  }
  const meta: Partial<ContainerMeta> & { sources: string[] } = {
    id,
    capabilities: caps,
    privileged,
    mounts,
    sources: ['oci'],
  };
  const runtime =
    runtimeHint ??
    (ann['io.container.manager'] === 'libpod'
      ? 'podman'
      : ann['io.kubernetes.cri.container-type']
        ? 'containerd'
        : ann['io.kubernetes.cri-o.ContainerType']
          ? 'cri-o'
          : undefined);
  if (runtime) meta.runtime = runtime;
  // Kubernetes context the CRI runtimes write into the spec (containerd: io.kubernetes.cri.*,
  // CRI-O: io.kubernetes.pod.*).
  const podUid = ann['io.kubernetes.cri.sandbox-uid'] ?? ann['io.kubernetes.pod.uid'];
  if (podUid) {
    const pod: PodInfo = { uid: podUid };
    const name = ann['io.kubernetes.cri.sandbox-name'] ?? ann['io.kubernetes.pod.name'];
    const ns = ann['io.kubernetes.cri.sandbox-namespace'] ?? ann['io.kubernetes.pod.namespace'];
    if (name) pod.name = name;
    if (ns) pod.namespace = ns;
    meta.pod = pod;
  }
  const cname = ann['io.kubernetes.cri.container-name'] ?? ann['io.kubernetes.container.name'];
  if (cname) meta.name = cname;
  const image = ann['io.kubernetes.cri.image-name'] ?? ann['io.kubernetes.cri-o.ImageName'];
  const ref = image ? normalizeImageRef(image) : undefined;
  if (ref) {
    meta.image = { name: ref.name, full: ref.full };
    if (ref.tag) meta.image.tag = ref.tag;
    if (ref.digest) meta.image.digest = ref.digest;
  }
  return meta;
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

async function list(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}
