// Realistic ECS documents (process and file events shaped like Elastic's cloud_defend ones) for
// the store's tests and benchmark. Deterministic: a seeded generator, no Math.random.
import type { EcsDoc } from '../ecs/index.js';
import { rng } from '../util/rng.fixture.js';

const BINARIES = [
  ['/bin/sh', 'sh'],
  ['/usr/bin/curl', 'curl'],
  ['/usr/bin/python3.11', 'python3.11'],
  ['/usr/local/bin/node', 'node'],
  ['/bin/busybox', 'busybox'],
  ['/usr/sbin/nginx', 'nginx'],
  ['/usr/bin/cat', 'cat'],
  ['/usr/bin/apt-get', 'apt-get'],
] as const;
const PATHS = [
  '/etc/passwd',
  '/tmp/x.sh',
  '/var/log/app.log',
  '/etc/ld.so.preload',
  '/root/.ssh/authorized_keys',
];
const NAMESPACES = ['default', 'kube-system', 'payments', 'web', 'monitoring'];
const IMAGES = [
  'docker.io/library/alpine',
  'docker.io/library/nginx',
  'ghcr.io/acme/api',
  'quay.io/prom/node',
];

/** Small deterministic PRNG (mulberry32), shared with the benchmarks. */
export { rng };

export interface SampleOptions {
  seed?: number;
  /** Epoch ms of the first event; events advance by `stepMs`. */
  startMs?: number;
  stepMs?: number;
  /** Distinct containers (each with its own session and process tree). */
  containers?: number;
}

export interface Sample {
  stream: string;
  doc: EcsDoc;
}

const entity = (host: string, pid: number, start: number) =>
  Buffer.from(`${host}-${pid}-${start}`).toString('base64');

/** Generates `n` documents: ~70% process events (fork/exec/end), ~30% file events. */
const OPERATION: Readonly<Record<string, string>> = {
  fork: 'fork',
  exec: 'exec',
  creation: 'createFile',
  modification: 'modifyFile',
  deletion: 'deleteFile',
};

export function sampleDocs(n: number, opts: SampleOptions = {}): Sample[] {
  const out: Sample[] = [];
  for (const s of sampleIter(n, opts)) out.push(s);
  return out;
}

export function* sampleIter(n: number, opts: SampleOptions = {}): Generator<Sample> {
  const r = rng(opts.seed ?? 1);
  const start = opts.startMs ?? Date.UTC(2026, 0, 1);
  const step = opts.stepMs ?? 1;
  const containers = opts.containers ?? 50;
  const agentId = 'a7c1d0e2-5b8f-4a3c-9d11-0c0ffee00001';
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  for (let i = 0; i < n; i++) {
    const c = i % containers;
    const cid = c.toString(16).padStart(64, 'a');
    const ts = start + i * step;
    const startSec = Math.floor(start / 1000);
    const leaderPid = 1000 + c;
    const leader = entity(agentId, leaderPid, startSec);
    const ppid = leaderPid + 10_000 * (1 + (Math.floor(i / containers) % 5));
    const pid = ppid + 1 + (i % 7);
    const parentEid = Math.floor(i / containers) % 5 === 0 ? leader : entity(agentId, ppid, startSec);
    const [exe, name] = pick(BINARIES);
    const ns = NAMESPACES[c % NAMESPACES.length] as string;
    const isFile = r() < 0.3;
    const action = isFile ? pick(['creation', 'modification', 'deletion']) : pick(['fork', 'exec', 'end']);
    const doc: EcsDoc = {
      '@timestamp': new Date(ts).toISOString(),
      agent: { id: agentId, type: 'cloud-defend', version: '0.1.0' },
      ecs: { version: '8.11.0' },
      event: {
        id: `ev-${opts.seed ?? 1}-${i}`,
        kind: 'event',
        category: [isFile ? 'file' : 'process'],
        action,
        type: [isFile ? (action === 'modification' ? 'change' : action) : action === 'end' ? 'end' : 'start'],
        module: 'cloud_defend',
        dataset: isFile ? 'cloud_defend.file' : 'cloud_defend.process',
        created: new Date(ts).toISOString(),
      },
      cloud_defend: {
        // As the agent writes it: every fork, exec and file change names its operation (an exit has none).
        ...(OPERATION[action] !== undefined ? { operation: OPERATION[action] } : {}),
        hook_point: [isFile ? 'lsm__path_mknod' : 'tracepoint__sched_process_exec'],
        matched_selectors: ['allProcesses'],
        package_policy_id: 'pp-1',
        package_policy_revision: 3,
      },
      process: {
        pid,
        entity_id: entity(agentId, pid, startSec),
        name,
        executable: exe,
        args: [exe, '-c', `echo ${i}`],
        args_count: 3,
        working_directory: '/app',
        start: new Date(start).toISOString(),
        interactive: false,
        user: { id: '0', name: 'root' },
        group: { id: '0', name: 'root' },
        thread: {
          capabilities: { effective: ['CAP_CHOWN', 'CAP_KILL'], permitted: ['CAP_CHOWN', 'CAP_KILL'] },
        },
        parent: { pid: ppid, entity_id: parentEid, name: 'sh', executable: '/bin/sh', args: ['/bin/sh'] },
        session_leader: { pid: leaderPid, entity_id: leader, name: 'sh', executable: '/bin/sh' },
        entry_leader: { pid: leaderPid, entity_id: leader, name: 'sh', entry_meta: { type: 'container' } },
        group_leader: { pid: ppid, entity_id: parentEid },
      },
      container: {
        id: cid,
        name: `ctr-${c}`,
        image: { name: IMAGES[c % IMAGES.length], tag: 'latest' },
        runtime: 'containerd',
      },
      orchestrator: {
        type: 'kubernetes',
        namespace: ns,
        resource: { name: `pod-${c}`, type: 'pod' },
        cluster: { name: 'lab' },
      },
      host: { name: 'node-1', id: 'h-1', architecture: 'x86_64', os: { type: 'linux', kernel: '6.8.0' } },
      data_stream: {
        type: 'logs',
        dataset: isFile ? 'cloud_defend.file' : 'cloud_defend.process',
        namespace: 'default',
      },
    };
    if (isFile) {
      const p = pick(PATHS);
      doc.file = {
        path: p,
        name: p.slice(p.lastIndexOf('/') + 1),
        directory: p.slice(0, p.lastIndexOf('/')),
      };
    }
    yield { stream: isFile ? 'logs-cloud_defend.file-default' : 'logs-cloud_defend.process-default', doc };
  }
}
