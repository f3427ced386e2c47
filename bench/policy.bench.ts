// Policy evaluations per second: compiled decide() against the reference interpreter, for
// Elastic's default policy and for a 64-selector policy, over the same realistic event mix.
import { isDeepStrictEqual } from 'node:util';
import { compilePolicy } from '../src/policy/compile.js';
import { interpret } from '../src/policy/interpret.js';
import type { Policy, PolicyEvent } from '../src/policy/model.js';
import { buildPolicy, elasticDefaultPolicy, type SelectorSpec } from '../src/policy/policy-builder.js';
import { rng } from '../src/util/rng.js';
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
  ];
}
