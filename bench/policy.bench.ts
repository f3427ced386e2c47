// Policy evaluations per second: compiled decide() against the reference interpreter, for
// Elastic's default policy and for a 64-selector policy, over the same realistic event mix,
// and for a network policy (CIDRs, ports, unix sockets, drift) over connect/accept/bind/listen
// events with many distinct peer addresses.
import { isDeepStrictEqual } from 'node:util';
import { compilePolicy } from '../src/policy/compile.js';
import { interpret } from '../src/policy/interpret.js';
import type { Policy, PolicyEvent } from '../src/policy/model.js';
import { buildPolicy, elasticDefaultPolicy, type SelectorSpec } from '../src/policy/policy-builder.js';
import { rng } from '../src/util/rng.fixture.js';
import { type BenchResult, measureInterleaved } from './harness.js';

const SHELLS = ['sh', 'bash', 'dash', 'zsh', 'ash'];
const NET_TOOLS = [
  '/usr/bin/curl',
  '/usr/bin/wget',
  '/bin/nc',
  '/usr/bin/nc',
  '/usr/bin/ncat',
  '/usr/bin/socat',
];
const NAMESPACES = ['default', 'kube-system', 'prod', 'staging', 'monitoring', 'ingress-nginx'];
const IMAGES = [
  'docker.io/library/nginx',
  'docker.io/library/redis',
  'gcr.io/acme/api',
  'gcr.io/acme/worker',
  'registry.k8s.io/kube-proxy',
  'quay.io/prometheus/node-exporter',
  'localhost:5000/tools',
];

/** 16 process + 48 file selectors (64), 8 + 12 responses: within Elastic's 64-per-section limit. */
export function sixtyFourSelectorPolicy(): Policy {
  const proc: SelectorSpec[] = [
    { name: 'allExec', operation: ['exec'] },
    { name: 'shells', operation: ['exec'], processName: SHELLS },
    { name: 'interactiveShell', processName: SHELLS, sessionLeaderInteractive: true },
    { name: 'netTools', operation: ['exec'], processExecutable: NET_TOOLS },
    { name: 'pkgManagers', processName: ['apt', 'apt-get', 'dpkg', 'yum', 'apk', 'pip', 'npm'] },
    { name: 'tmpExec', operation: ['exec'], processExecutable: ['/tmp/**', '/dev/shm/**', '/var/tmp/**'] },
    { name: 'kubeSystem', kubernetesNamespace: ['kube-system'] },
    {
      name: 'trustedImages',
      containerImageFullName: ['registry.k8s.io/kube-proxy', 'quay.io/prometheus/node-exporter'],
    },
    { name: 'nginxImage', containerImageName: ['nginx'] },
    { name: 'prodPods', kubernetesPodName: ['web-*', 'api-*', 'worker-*'] },
    { name: 'prodLabels', kubernetesPodLabel: ['env:prod*', 'tier:*'] },
    { name: 'debugTag', containerImageTag: ['debug', 'latest'] },
    { name: 'binaries', processExecutable: ['/usr/bin/*', '/bin/*', '/usr/sbin/*', '/sbin/*'] },
    { name: 'localBins', processExecutable: ['/usr/local/**', '/opt/**'] },
    { name: 'prodCluster', kubernetesClusterName: ['prod-eu', 'prod-us'] },
    { name: 'forks', operation: ['fork'], kubernetesNamespace: ['prod'] },
  ];
  const paths: [string, string[]][] = [
    ['etcAll', ['/etc/**']],
    ['passwd', ['/etc/passwd', '/etc/shadow', '/etc/group', '/etc/gshadow', '/etc/sudoers']],
    ['sudoersD', ['/etc/sudoers.d/*']],
    [
      'cron',
      ['/etc/cron.d/*', '/etc/crontab', '/var/spool/cron/**', '/etc/cron.hourly/*', '/etc/cron.daily/*'],
    ],
    ['sshKeys', ['/root/.ssh/**', '/home/*', '/etc/ssh/**']],
    ['binDirs', ['/bin/*', '/sbin/*', '/usr/bin/*', '/usr/sbin/*']],
    ['localBin', ['/usr/local/bin/*', '/usr/local/sbin/*']],
    ['libs', ['/lib/**', '/usr/lib/**', '/lib64/**']],
    ['ldPreload', ['/etc/ld.so.preload', '/etc/ld.so.conf', '/etc/ld.so.conf.d/*']],
    [
      'saToken',
      ['/var/run/secrets/kubernetes.io/serviceaccount/*', '/run/secrets/kubernetes.io/serviceaccount/*'],
    ],
    ['kubelet', ['/var/lib/kubelet/**', '/etc/kubernetes/**']],
    ['tmp', ['/tmp/**', '/dev/shm/**', '/var/tmp/**']],
    ['webroot', ['/usr/share/nginx/html/**', '/var/www/**']],
    ['appDir', ['/app/**', '/srv/**', '/opt/app/*']],
    ['logs', ['/var/log/**']],
    ['systemd', ['/etc/systemd/**', '/lib/systemd/system/*', '/usr/lib/systemd/system/*']],
  ];
  const file: SelectorSpec[] = [];
  // Each path group three ways: any container, restricted to prod namespaces, restricted by image.
  for (const [name, targetFilePath] of paths) {
    file.push({ name, targetFilePath });
    file.push({
      name: `${name}Prod`,
      targetFilePath,
      kubernetesNamespace: ['prod', 'staging'],
      ignoreVolumeMounts: true,
    });
    file.push({
      name: `${name}Images`,
      operation: ['createExecutable', 'modifyExecutable', 'createFile', 'modifyFile'],
      targetFilePath,
      containerImageName: ['nginx', 'api', 'worker'],
      kubernetesPodLabel: ['app:*'],
    });
  }
  return buildPolicy(
    {
      process: {
        selectors: proc,
        responses: [
          { match: ['allExec', 'forks'], actions: ['log'] },
          { match: ['interactiveShell'], exclude: ['kubeSystem'], actions: ['alert'] },
          { match: ['netTools'], exclude: ['trustedImages'], actions: ['alert'] },
          { match: ['pkgManagers'], exclude: ['debugTag'], actions: ['alert'] },
          { match: ['tmpExec'], actions: ['alert', 'block'] },
          { match: ['shells'], exclude: ['kubeSystem', 'trustedImages'], actions: ['log'] },
          { match: ['prodPods', 'prodLabels'], exclude: ['binaries', 'localBins'], actions: ['alert'] },
          { match: ['nginxImage'], exclude: ['binaries'], actions: ['alert'] },
        ],
      },
      file: {
        selectors: file,
        responses: [
          { match: ['passwd', 'sudoersD', 'ldPreload'], actions: ['alert'] },
          { match: ['cron', 'systemd'], exclude: ['kubeletProd'], actions: ['alert'] },
          { match: ['sshKeys'], actions: ['alert'] },
          { match: ['binDirs', 'localBin', 'libs'], exclude: ['tmp'], actions: ['alert', 'block'] },
          { match: ['saToken'], actions: ['alert'] },
          { match: ['kubelet'], exclude: ['kubeletProd'], actions: ['log'] },
          { match: ['tmpImages', 'appDirImages'], actions: ['alert'] },
          { match: ['webrootProd'], actions: ['alert', 'block'] },
          { match: ['etcAllProd'], exclude: ['passwdProd'], actions: ['log'] },
          { match: ['logsImages'], actions: ['log'] },
          { match: ['tmp'], exclude: ['tmpProd'], actions: ['log'] },
          { match: ['appDirProd'], actions: ['log'] },
        ],
      },
    },
    '<bench-64>',
  );
}

const EXECS = [
  ...NET_TOOLS,
  '/bin/sh',
  '/bin/bash',
  '/usr/bin/python3',
  '/usr/local/bin/app',
  '/tmp/x',
  '/usr/sbin/nginx',
  '/opt/app/run',
  '/usr/bin/apt-get',
];
const FILES = [
  '/etc/passwd',
  '/etc/nginx/nginx.conf',
  '/etc/cron.d/job',
  '/etc/sudoers.d/x',
  '/root/.ssh/authorized_keys',
  '/usr/bin/ls',
  '/usr/local/bin/app',
  '/usr/lib/x86_64-linux-gnu/libc.so.6',
  '/tmp/payload',
  '/dev/shm/x',
  '/var/run/secrets/kubernetes.io/serviceaccount/token',
  '/var/lib/kubelet/pods/p/volumes/v',
  '/app/data/cache.db',
  '/var/log/nginx/access.log',
  '/usr/share/nginx/html/index.html',
  '/home/user/notes',
  '/srv/data/a/b/c',
  '/proc/self/attr',
];
const FILE_OPS = ['createExecutable', 'modifyExecutable', 'createFile', 'modifyFile', 'deleteFile'] as const;

export function benchEvents(count: number, seed = 42): PolicyEvent[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const out: PolicyEvent[] = [];
  for (let i = 0; i < count; i++) {
    const exe = pick(EXECS);
    const common = {
      processExecutable: exe,
      processName: exe.slice(exe.lastIndexOf('/') + 1),
      sessionLeaderInteractive: r() < 0.1,
      containerImageFullName: pick(IMAGES),
      containerImageTag: pick(['latest', '1.25', 'v2.3.1', 'debug']),
      kubernetesClusterName: pick(['prod-eu', 'dev']),
      kubernetesNamespace: pick(NAMESPACES),
      kubernetesPodName: `${pick(['web', 'api', 'worker', 'db'])}-${Math.floor(r() * 100)}`,
      kubernetesPodLabels: [
        `app:${pick(['web', 'api', 'db'])}`,
        `env:${pick(['prod', 'production', 'dev'])}`,
      ],
    };
    const x = r();
    if (x < 0.35) out.push({ section: 'process', operation: 'fork', ...common });
    else if (x < 0.7) out.push({ section: 'process', operation: 'exec', ...common });
    else {
      const m = r();
      out.push({
        section: 'file',
        operation: pick(FILE_OPS),
        filePath: pick(FILES),
        ...(m < 0.2 ? { mount: 'volume' as const } : m < 0.3 ? { mount: 'file' as const } : {}),
        ...common,
      });
    }
  }
  return out;
}

/** 24 network selectors + 8 responses: egress allow/deny lists, metadata, runtime sockets, drift. */
export function networkPolicy(): Policy {
  const selectors: SelectorSpec[] = [
    { name: 'metadata', operation: ['connect'], destinationAddress: ['169.254.169.254', 'fd00:ec2::254'] },
    {
      name: 'runtimeSockets',
      destinationAddress: ['/run/containerd/**', '/var/run/docker.sock', '/run/podman/*'],
    },
    { name: 'private', destinationAddress: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fd00::/8'] },
    { name: 'loopback', destinationAddress: ['127.0.0.0/8', '::1'] },
    { name: 'web', destinationPort: ['80', '443', '8080-8443'], transport: ['tcp'] },
    { name: 'dns', destinationPort: ['53'], transport: ['udp', 'tcp'] },
    { name: 'ssh', destinationPort: ['22', '2222'] },
    { name: 'highPorts', operation: ['listen', 'bind'], destinationPort: ['1024-65535'] },
    { name: 'lowPorts', operation: ['listen', 'bind'], destinationPort: ['0-1023'] },
    { name: 'drift', processDrift: true },
    { name: 'netTools', processExecutable: NET_TOOLS },
    { name: 'shells', processName: SHELLS },
    { name: 'kubeSystem', kubernetesNamespace: ['kube-system'] },
    {
      name: 'trusted',
      containerImageFullName: ['registry.k8s.io/kube-proxy', 'quay.io/prometheus/node-exporter'],
    },
    { name: 'prodPods', kubernetesPodName: ['web-*', 'api-*'] },
    { name: 'prodLabels', kubernetesPodLabel: ['env:prod*'] },
    {
      name: 'blockedNets',
      operation: ['connect'],
      destinationAddress: Array.from({ length: 24 }, (_, i) => `198.${18 + (i % 2)}.${i * 8}.0/21`),
    },
    { name: 'unixAny', transport: ['unix'] },
    { name: 'udpOut', operation: ['connect'], transport: ['udp'] },
    { name: 'accepts', operation: ['accept'], kubernetesNamespace: ['prod'] },
    { name: 'nginx', containerImageName: ['nginx'], operation: ['connect'] },
    { name: 'v6Public', destinationAddress: ['2000::/3'] },
    { name: 'allConnect', operation: ['connect'] },
    { name: 'debugTag', containerImageTag: ['debug'] },
  ];
  return buildPolicy(
    {
      network: {
        selectors,
        responses: [
          { match: ['metadata', 'runtimeSockets', 'blockedNets'], exclude: ['trusted'], actions: ['alert'] },
          { match: ['drift'], actions: ['alert'] },
          { match: ['ssh', 'netTools'], exclude: ['kubeSystem'], actions: ['alert'] },
          { match: ['allConnect'], exclude: ['private', 'loopback', 'dns'], actions: ['log'] },
          { match: ['lowPorts'], exclude: ['trusted'], actions: ['alert'] },
          { match: ['shells'], actions: ['alert'] },
          { match: ['accepts', 'nginx'], exclude: ['web'], actions: ['log'] },
          { match: ['v6Public', 'udpOut'], exclude: ['dns', 'debugTag'], actions: ['log'] },
        ],
      },
    },
    '<bench-network>',
  );
}

const NET_OPS = ['connect', 'connect', 'connect', 'accept', 'bind', 'listen'] as const;

/** Network events: a third to private peers, a third public (many distinct), some v6 and unix. */
export function networkEvents(count: number, seed = 7): PolicyEvent[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const octet = () => Math.floor(r() * 256);
  const out: PolicyEvent[] = [];
  for (let i = 0; i < count; i++) {
    const exe = pick(EXECS);
    const x = r();
    const addr =
      x < 0.3
        ? `10.${octet()}.${octet()}.${octet()}`
        : x < 0.6
          ? `${pick([8, 34, 52, 104, 151, 198])}.${octet()}.${octet()}.${octet()}`
          : x < 0.7
            ? '169.254.169.254'
            : x < 0.8
              ? `2606:4700::${octet().toString(16)}`
              : x < 0.85
                ? '::1'
                : undefined;
    const unix = addr === undefined;
    out.push({
      section: 'network',
      operation: pick(NET_OPS),
      ...(unix
        ? {
            destinationAddress: pick([
              '/run/containerd/containerd.sock',
              '/var/run/docker.sock',
              '/tmp/app.sock',
            ]),
          }
        : {
            destinationAddress: addr,
            destinationIp: addr,
            destinationPort: pick([22, 53, 80, 443, 5432, 8080, 40000]),
          }),
      transport: unix ? 'unix' : pick(['tcp', 'tcp', 'udp']),
      processExecutable: exe,
      processName: exe.slice(exe.lastIndexOf('/') + 1),
      processDrift: r() < 0.05,
      containerImageFullName: pick(IMAGES),
      containerImageTag: pick(['latest', 'debug']),
      kubernetesNamespace: pick(NAMESPACES),
      kubernetesPodName: `${pick(['web', 'api', 'db'])}-${Math.floor(r() * 100)}`,
      kubernetesPodLabels: [`env:${pick(['prod', 'dev'])}`],
    });
  }
  return out;
}

function compare(group: string, policy: Policy, events: PolicyEvent[]): BenchResult[] {
  const compiled = compilePolicy(policy);
  // Not timed: both evaluators must agree on every bench event.
  for (const ev of events) {
    if (!isDeepStrictEqual({ ...compiled.decide(ev) }, interpret(policy, ev))) {
      throw new Error(`${group}: compiled and interpreted decisions differ on ${JSON.stringify(ev)}`);
    }
  }
  const mask = events.length - 1; // a power of two
  // Two separate loops (not one generic loop over a `decide` argument) so that each call site
  // stays monomorphic and neither side pays for the other's type feedback.
  const interpreted = (n: number) => {
    let acc = 0;
    for (let i = 0; i < n; i++) acc += interpret(policy, events[i & mask]!).actions.length;
    return acc;
  };
  const compiledRun = (n: number) => {
    let acc = 0;
    for (let i = 0; i < n; i++) acc += compiled.decide(events[i & mask]!).actions.length;
    return acc;
  };
  const [interpretOps, compiledOps] = measureInterleaved([interpreted, compiledRun]);
  return [
    { group, name: 'interpret', opsPerSec: interpretOps!, baseline: true },
    { group, name: 'compiled', opsPerSec: compiledOps! },
  ];
}

export default async function (): Promise<BenchResult[]> {
  const events = benchEvents(4096);
  return [
    ...compare('elastic default policy', elasticDefaultPolicy(), events),
    ...compare('64-selector policy', sixtyFourSelectorPolicy(), events),
    ...compare('network policy (24 selectors)', networkPolicy(), networkEvents(4096)),
  ];
}
