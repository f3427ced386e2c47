// Container identity from a cgroup path. Runtimes name the container's cgroup after its id;
// the shape of the path around it tells which runtime made it and, under kubepods, which pod
// and QoS class it belongs to. Pure string work, no I/O: the resolver memoises per path. At the
// end, the two readers of the live system: a process's cgroup, and where cgroup v2 is mounted.
//
// Shapes (cgroup v1 and v2 alike; v1 paths may carry a /sys/fs/cgroup/<controller> prefix):
//   docker      /docker/<id>, /system.slice/docker-<id>.scope, /ecs/<task>/<id>, /actions_job/<id>
//   containerd  /kubepods/<qos>/pod<uid>/<id> (CRI, cgroupfs), .../cri-containerd-<id>.scope
//               (CRI, systemd), /<namespace>/<id> (ctr), containerd-<id>.scope
//   CRI-O       .../crio-<id>.scope (systemd), /kubepods/<qos>/pod<uid>/crio-<id> (cgroupfs)
//   podman      /libpod_parent/libpod-<id>, /libpod_parent/<pod>/libpod-<id>,
//               /machine.slice/libpod-<id>.scope[/container], user slices (rootless)
// Monitors (conmon, crio-conmon-*) and the host are not containers: undefined.
import { readFileSync } from 'node:fs';

export type RuntimeHint = 'docker' | 'containerd' | 'cri-o' | 'podman' | 'cri';
export type QosClass = 'guaranteed' | 'burstable' | 'besteffort';
export type CgroupLayout = 'systemd' | 'cgroupfs';

export interface CgroupIdentity {
  /** 64 lowercase hex characters. */
  id: string;
  /** `cri` when only "some CRI runtime" is known (a bare id under a kubepods pod, cgroupfs). */
  runtime: RuntimeHint;
  layout: CgroupLayout;
  podUid?: string;
  qos?: QosClass;
  /** containerd namespace of a `ctr` container (`/<namespace>/<id>`). */
  namespace?: string;
  /** podman pod id (cgroupfs: the directory above libpod-<id>; systemd: machine-libpod_pod_<id>). */
  podmanPod?: string;
}

const HEX64 = /^[0-9a-f]{64}$/;

export function isContainerId(s: string): boolean {
  return s.length === 64 && HEX64.test(s);
}

// Systemd scope/slice names and cgroupfs names: `<prefix>-<id>[.scope]`.
const PREFIXED: ReadonlyArray<[prefix: string, runtime: RuntimeHint]> = [
  ['docker-', 'docker'],
  ['cri-containerd-', 'containerd'],
  ['containerd-', 'containerd'],
  ['crio-', 'cri-o'],
  ['libpod-', 'podman'],
];
// Container monitors live beside the container; their processes are host processes.
const MONITOR_PREFIXES = ['crio-conmon-', 'libpod-conmon-'];

// Parents of a bare 64-hex segment that say "docker". Anything else (except kubepods pods and
// podman) is a containerd namespace, which is how `ctr run` lays cgroups out.
const DOCKER_PARENTS = new Set(['docker', 'actions_job']);

const UUID_DASHED = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Identity of the container owning a cgroup path, or undefined for host/monitor cgroups. */
export function parseCgroupPath(path: string): CgroupIdentity | undefined {
  if (path.length < 64) return undefined;
  const segs = path.split('/').filter((s) => s.length > 0);
  // Innermost container wins: kind/k3d nest a node's kubepods inside /docker/<node>.
  for (let i = segs.length - 1; i >= 0; i--) {
    const seg = segs[i]!;
    const found = matchSegment(segs, i, seg);
    if (found === 'monitor') return undefined;
    if (found) return withPod(found, segs, i);
  }
  return undefined;
}

function matchSegment(
  segs: string[],
  i: number,
  seg: string,
): Omit<CgroupIdentity, 'podUid' | 'qos'> | 'monitor' | undefined {
  const scope = seg.endsWith('.scope');
  const name = scope ? seg.slice(0, -6) : seg;
  if (name.length < 64) return undefined;
  if (name.length === 64) {
    if (!HEX64.test(name)) return undefined;
    return bareId(segs, i, name);
  }
  for (const p of MONITOR_PREFIXES) if (name.startsWith(p)) return 'monitor';
  for (const [prefix, runtime] of PREFIXED) {
    if (name.length === prefix.length + 64 && name.startsWith(prefix)) {
      const id = name.slice(prefix.length);
      if (!HEX64.test(id)) return undefined;
      const out: Omit<CgroupIdentity, 'podUid' | 'qos'> = {
        id,
        runtime,
        layout: scope ? 'systemd' : 'cgroupfs',
      };
      if (runtime === 'podman') {
        const pod = podmanPodOf(segs[i - 1]);
        if (pod) out.podmanPod = pod;
      }
      return out;
    }
  }
  return undefined;
}

function bareId(segs: string[], i: number, id: string): Omit<CgroupIdentity, 'podUid' | 'qos'> | undefined {
  const parent = segs[i - 1];
  if (parent === undefined) return { id, runtime: 'docker', layout: 'cgroupfs' }; // docker v1 `--cgroup-parent=/`
  if (DOCKER_PARENTS.has(parent)) return { id, runtime: 'docker', layout: 'cgroupfs' };
  if (segs[i - 2] === 'ecs') return { id, runtime: 'docker', layout: 'cgroupfs' };
  if (podUidOf(parent))
    return { id, runtime: 'cri', layout: parent.endsWith('.slice') ? 'systemd' : 'cgroupfs' };
  // A bare id under libpod_parent is a podman pod's directory, not a container.
  if (parent === 'libpod_parent' || parent.endsWith('.slice') || parent.endsWith('.scope')) return undefined;
  // Controller mount prefixes are not namespaces (/sys/fs/cgroup/memory/<id> is docker v1 rooted at /).
  if (segs[i - 2] === 'cgroup' && segs[i - 3] === 'fs') return { id, runtime: 'docker', layout: 'cgroupfs' };
  if (parent === 'cgroup' && segs[i - 2] === 'fs') return { id, runtime: 'docker', layout: 'cgroupfs' };
  return { id, runtime: 'containerd', layout: 'cgroupfs', namespace: parent };
}

function podmanPodOf(parent: string | undefined): string | undefined {
  if (!parent) return undefined;
  if (isContainerId(parent)) return parent; // cgroupfs: /libpod_parent/<pod>/libpod-<id>
  const m = /^machine-libpod_pod_([0-9a-f]{64})\.slice$/.exec(parent);
  return m?.[1];
}

/** `pod<uid>` (cgroupfs) or `kubepods[-qos]-pod<uid_with_underscores>.slice` (systemd). */
function podUidOf(seg: string): string | undefined {
  let raw: string | undefined;
  if (seg.startsWith('pod')) raw = seg.slice(3);
  else if (seg.startsWith('kubepods-') && seg.endsWith('.slice')) {
    const at = seg.lastIndexOf('-pod');
    if (at >= 0) raw = seg.slice(at + 4, -6);
  }
  if (!raw) return undefined;
  const uid = raw.replaceAll('_', '-');
  return UUID_DASHED.test(uid) ? uid : undefined;
}

function withPod(found: Omit<CgroupIdentity, 'podUid' | 'qos'>, segs: string[], i: number): CgroupIdentity {
  const out: CgroupIdentity = { ...found };
  let kube = false;
  for (let j = 0; j < i; j++) {
    const s = segs[j]!;
    if (s === 'kubepods' || s === 'kubepods.slice') kube = true;
    else if (kube && (s === 'besteffort' || s === 'burstable')) out.qos = s;
    else if (kube && (s === 'kubepods-besteffort.slice' || s === 'kubepods-burstable.slice')) {
      out.qos = s.slice(9, -6) as QosClass;
    } else if (kube) {
      const uid = podUidOf(s);
      if (uid) out.podUid = uid;
    }
  }
  if (out.podUid && !out.qos) out.qos = 'guaranteed';
  if (!out.podUid) delete out.qos;
  return out;
}

export interface ProcCgroupEntry {
  hierarchy: number;
  controllers: string;
  path: string;
}

/** Lines of /proc/PID/cgroup: `hierarchy-ID:controller-list:path`. Malformed lines are skipped. */
export function parseProcCgroupLines(text: string): ProcCgroupEntry[] {
  const out: ProcCgroupEntry[] = [];
  for (const line of text.split('\n')) {
    const a = line.indexOf(':');
    const b = a < 0 ? -1 : line.indexOf(':', a + 1);
    if (b < 0) continue;
    const hierarchy = Number(line.slice(0, a));
    if (!Number.isInteger(hierarchy)) continue;
    out.push({ hierarchy, controllers: line.slice(a + 1, b), path: line.slice(b + 1) });
  }
  return out;
}

/**
 * Identity from the text of /proc/PID/cgroup. The v2 line (hierarchy 0) is preferred, then
 * name=systemd, then any v1 controller: in hybrid mode each may be the only one set.
 */
export function identityFromProcCgroup(text: string): (CgroupIdentity & { cgroupPath: string }) | undefined {
  const entries = parseProcCgroupLines(text);
  const rank = (e: ProcCgroupEntry) => (e.hierarchy === 0 ? 0 : e.controllers === 'name=systemd' ? 1 : 2);
  entries.sort((x, y) => rank(x) - rank(y));
  for (const e of entries) {
    const id = parseCgroupPath(e.path);
    if (id) return { ...id, cgroupPath: e.path };
  }
  return undefined;
}

/** A process's cgroup v2 path (relative to the v2 root), or undefined when it is gone. */
export function cgroupOf(pid: number): string | undefined {
  try {
    return /^0::(\/.*)$/m.exec(readFileSync(`/proc/${pid}/cgroup`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/** The cgroup v2 mount point: the hybrid layout's /sys/fs/cgroup/unified, or the unified one. */
export function cgroupV2Root(mountinfo = '/proc/self/mountinfo'): string | undefined {
  let found: string | undefined;
  for (const line of readFileSync(mountinfo, 'utf8').split('\n')) {
    const [pre, post] = line.split(' - ');
    if (!post?.startsWith('cgroup2 ')) continue;
    const mnt = pre?.split(' ')[4];
    if (mnt === '/sys/fs/cgroup/unified' || mnt === '/sys/fs/cgroup') return mnt;
    found ??= mnt;
  }
  return found;
}
