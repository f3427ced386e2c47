// Semantics tables, run against both evaluators: the reference interpreter and the compiled one.
import { describe, expect, it } from 'vitest';
import { compilePolicy } from './compile.js';
import { firingResponses, interpret } from './interpret.js';
import type { Decision, Policy, PolicyEvent, SelectorConditions } from './model.js';
import { buildPolicy, elasticDefaultPolicy, type ResponseSpec, type SelectorSpec } from './policy-builder.js';

const EVALUATORS: [string, (p: Policy) => (e: PolicyEvent) => Decision][] = [
  ['interpret', (p) => (e) => interpret(p, e)],
  ['compiled', (p) => compilePolicy(p).decide],
];

const PROC: PolicyEvent = {
  section: 'process',
  operation: 'exec',
  processExecutable: '/usr/bin/curl',
  processName: 'curl',
  sessionLeaderInteractive: true,
  containerImageFullName: 'docker.io/library/nginx',
  containerImageTag: '1.25',
  kubernetesClusterId: 'c-uid-1',
  kubernetesClusterName: 'prod',
  kubernetesNamespace: 'default',
  kubernetesPodName: 'web-7d9f',
  kubernetesPodLabels: ['app:web', 'tier:', 'app.kubernetes.io/name:frontend'],
};
const FILE: PolicyEvent = {
  section: 'file',
  operation: 'createExecutable',
  filePath: '/usr/local/bin/miner',
  processExecutable: '/bin/sh',
  processName: 'sh',
  containerImageFullName: 'gcr.io/proj/nginx',
  containerImageTag: 'latest',
  kubernetesNamespace: 'kube-system',
};

const CONNECT: PolicyEvent = {
  section: 'network',
  operation: 'connect',
  destinationAddress: '10.1.2.3',
  destinationIp: '10.1.2.3',
  destinationPort: 8443,
  transport: 'tcp',
  processExecutable: '/usr/bin/curl',
  processName: 'curl',
  processDrift: true,
  containerImageFullName: 'docker.io/library/nginx',
  kubernetesNamespace: 'prod',
};
const V6: PolicyEvent = { ...CONNECT, destinationAddress: 'fd00::5', destinationIp: 'fd00::5' };
const UNIX: PolicyEvent = {
  section: 'network',
  operation: 'connect',
  destinationAddress: '/run/containerd/containerd.sock',
  transport: 'unix',
};
const READ: PolicyEvent = { section: 'file', operation: 'readFile', filePath: '/run/secrets/token' };

type Case = [string, SelectorConditions, PolicyEvent, boolean];

// Each case: one selector with the given conditions, one `log` response; does it match?
const CASES: Case[] = [
  ['operation listed', { operation: ['exec'] }, PROC, true],
  ['operation not listed', { operation: ['fork'] }, PROC, false],
  [
    'operation absent = every op of the section',
    { processName: ['curl'] },
    { ...PROC, operation: 'fork' },
    true,
  ],
  ['empty operation list', { operation: [] }, PROC, false],
  ['file op', { operation: ['createExecutable', 'modifyExecutable'] }, FILE, true],
  ['file op not listed', { operation: ['createFile'] }, FILE, false],
  ['op of the wrong section never matches', {}, { ...PROC, operation: 'createFile' }, false],
  // images
  ['full name normalised on both sides', { containerImageFullName: ['docker.io/nginx'] }, PROC, true],
  ['full name exact', { containerImageFullName: ['docker.io/library/nginx'] }, PROC, true],
  [
    'full name from short event name',
    { containerImageFullName: ['docker.io/nginx'] },
    { ...PROC, containerImageFullName: 'nginx:1.25' },
    true,
  ],
  ['full name other registry', { containerImageFullName: ['gcr.io/proj/nginx'] }, PROC, false],
  [
    'full name with port',
    { containerImageFullName: ['localhost:5000/app'] },
    { ...PROC, containerImageFullName: 'localhost:5000/app' },
    true,
  ],
  [
    'full name unknown',
    { containerImageFullName: ['docker.io/nginx'] },
    { ...PROC, containerImageFullName: undefined },
    false,
  ],
  ['image name vs docker hub', { containerImageName: ['nginx'] }, PROC, true],
  ['image name vs gcr', { containerImageName: ['nginx'] }, FILE, true],
  ['image name is the last component only', { containerImageName: ['proj'] }, FILE, false],
  [
    'image name no prefix match',
    { containerImageName: ['nginx'] },
    { ...PROC, containerImageFullName: 'docker.io/library/nginx-ingress' },
    false,
  ],
  [
    'image name unknown',
    { containerImageName: ['nginx'] },
    { ...PROC, containerImageFullName: undefined },
    false,
  ],
  ['tag', { containerImageTag: ['1.25', 'latest'] }, PROC, true],
  ['tag miss', { containerImageTag: ['1.24'] }, PROC, false],
  ['tag unknown', { containerImageTag: ['latest'] }, { ...PROC, containerImageTag: undefined }, false],
  // kubernetes
  ['cluster id', { kubernetesClusterId: ['c-uid-1'] }, PROC, true],
  ['cluster id miss', { kubernetesClusterId: ['c-uid-2'] }, PROC, false],
  ['cluster name', { kubernetesClusterName: ['prod'] }, PROC, true],
  ['cluster name unknown', { kubernetesClusterName: ['prod'] }, FILE, false],
  ['namespace', { kubernetesNamespace: ['kube-system', 'default'] }, PROC, true],
  ['namespace miss', { kubernetesNamespace: ['kube-system'] }, PROC, false],
  ['pod name exact', { kubernetesPodName: ['web-7d9f'] }, PROC, true],
  ['pod name prefix', { kubernetesPodName: ['web-*'] }, PROC, true],
  ['pod name exact is not a prefix', { kubernetesPodName: ['web-'] }, PROC, false],
  ['pod name unknown', { kubernetesPodName: ['*'] }, FILE, false],
  ['label exact', { kubernetesPodLabel: ['app:web'] }, PROC, true],
  ['label exact miss', { kubernetesPodLabel: ['app:we'] }, PROC, false],
  ['label value prefix', { kubernetesPodLabel: ['app:w*'] }, PROC, true],
  ['label empty value', { kubernetesPodLabel: ['tier:'] }, PROC, true],
  ['label empty value vs non-empty', { kubernetesPodLabel: ['app:'] }, PROC, false],
  ['label any value', { kubernetesPodLabel: ['app:*'] }, PROC, true],
  ['label any value, empty', { kubernetesPodLabel: ['tier:*'] }, PROC, true],
  ['label key absent', { kubernetesPodLabel: ['env:*'] }, PROC, false],
  ['label prefixed key', { kubernetesPodLabel: ['app.kubernetes.io/name:front*'] }, PROC, true],
  ['labels unknown', { kubernetesPodLabel: ['app:*'] }, FILE, false],
  ['labels empty list', { kubernetesPodLabel: ['app:*'] }, { ...PROC, kubernetesPodLabels: [] }, false],
  // paths
  ['target exact', { targetFilePath: ['/usr/local/bin/miner'] }, FILE, true],
  ['target direct child', { targetFilePath: ['/usr/local/bin/*'] }, FILE, true],
  ['target not a direct child', { targetFilePath: ['/usr/local/*'] }, FILE, false],
  ['target any depth', { targetFilePath: ['/usr/**'] }, FILE, true],
  ['target everything', { targetFilePath: ['/**'] }, FILE, true],
  ['target other dir', { targetFilePath: ['/etc/**'] }, FILE, false],
  ['target on a process event (unknown path)', { targetFilePath: ['/**'] }, PROC, false],
  ['executable exact', { processExecutable: ['/usr/bin/curl'] }, PROC, true],
  ['executable child', { processExecutable: ['/usr/bin/*'] }, PROC, true],
  ['executable any depth', { processExecutable: ['/usr/**'] }, PROC, true],
  ['executable miss', { processExecutable: ['/bin/*'] }, PROC, false],
  ['executable of the acting process on file events', { processExecutable: ['/bin/sh'] }, FILE, true],
  ['process name', { processName: ['curl', 'wget'] }, PROC, true],
  ['process name is exact', { processName: ['cur'] }, PROC, false],
  ['process name unknown', { processName: ['curl'] }, { ...PROC, processName: undefined }, false],
  // session leader
  ['interactive true', { sessionLeaderInteractive: true }, PROC, true],
  ['interactive false vs true', { sessionLeaderInteractive: false }, PROC, false],
  [
    'interactive false',
    { sessionLeaderInteractive: false },
    { ...PROC, sessionLeaderInteractive: false },
    true,
  ],
  [
    'interactive unknown (true)',
    { sessionLeaderInteractive: true },
    { ...PROC, sessionLeaderInteractive: undefined },
    false,
  ],
  [
    'interactive unknown (false)',
    { sessionLeaderInteractive: false },
    { ...PROC, sessionLeaderInteractive: undefined },
    false,
  ],
  // mounts
  ['ignoreVolumeMounts, root fs', { targetFilePath: ['/**'], ignoreVolumeMounts: true }, FILE, true],
  [
    'ignoreVolumeMounts, volume',
    { targetFilePath: ['/**'], ignoreVolumeMounts: true },
    { ...FILE, mount: 'volume' },
    false,
  ],
  [
    'ignoreVolumeMounts, file mount',
    { targetFilePath: ['/**'], ignoreVolumeMounts: true },
    { ...FILE, mount: 'file' },
    false,
  ],
  [
    'ignoreVolumeFiles, volume',
    { targetFilePath: ['/**'], ignoreVolumeFiles: true },
    { ...FILE, mount: 'volume' },
    true,
  ],
  [
    'ignoreVolumeFiles, file mount',
    { targetFilePath: ['/**'], ignoreVolumeFiles: true },
    { ...FILE, mount: 'file' },
    false,
  ],
  [
    'ignoreVolumeMounts false has no effect',
    { targetFilePath: ['/**'], ignoreVolumeMounts: false },
    { ...FILE, mount: 'volume' },
    true,
  ],
  // AND / OR
  [
    'AND: all hold',
    {
      operation: ['exec'],
      processName: ['curl'],
      kubernetesNamespace: ['default'],
      containerImageName: ['nginx'],
    },
    PROC,
    true,
  ],
  [
    'AND: one fails',
    { operation: ['exec'], processName: ['curl'], kubernetesNamespace: ['prod'] },
    PROC,
    false,
  ],
  ['OR within a condition', { processExecutable: ['/bin/*', '/usr/bin/curl'] }, PROC, true],
  ['empty value list never holds', { processName: [] }, PROC, false],
  // network
  ['network op listed', { operation: ['connect', 'bind'] }, CONNECT, true],
  ['network op not listed', { operation: ['accept'] }, CONNECT, false],
  [
    'network operation absent = every network op',
    { transport: ['tcp'] },
    { ...CONNECT, operation: 'listen' },
    true,
  ],
  ['a process op in the network section never matches', {}, { ...CONNECT, operation: 'exec' }, false],
  ['IPv4 CIDR', { destinationAddress: ['10.0.0.0/8'] }, CONNECT, true],
  ['IPv4 CIDR miss', { destinationAddress: ['10.2.0.0/16', '192.168.0.0/16'] }, CONNECT, false],
  ['IPv4 exact address', { destinationAddress: ['10.1.2.3'] }, CONNECT, true],
  ['/0 is every IPv4 address', { destinationAddress: ['0.0.0.0/0'] }, CONNECT, true],
  [
    'IPv4 CIDR matches the IPv4-mapped form',
    { destinationAddress: ['10.0.0.0/8'] },
    { ...CONNECT, destinationAddress: '::ffff:10.1.2.3' },
    true,
  ],
  ['mapped CIDR matches IPv4', { destinationAddress: ['::ffff:10.0.0.0/104'] }, CONNECT, true],
  ['::/0 includes IPv4 (mapped range)', { destinationAddress: ['::/0'] }, CONNECT, true],
  ['IPv6 CIDR', { destinationAddress: ['fd00::/8'] }, V6, true],
  ['IPv6 CIDR does not match IPv4', { destinationAddress: ['fd00::/8'] }, CONNECT, false],
  ['IPv4 CIDR does not match IPv6', { destinationAddress: ['0.0.0.0/0'] }, V6, false],
  ['IPv6 exact, other spelling', { destinationAddress: ['fd00:0:0::5'] }, V6, true],
  [
    'address from destinationIp when address absent',
    { destinationAddress: ['10.0.0.0/8'] },
    { ...CONNECT, destinationAddress: undefined },
    true,
  ],
  [
    'unknown address never matches',
    { destinationAddress: ['0.0.0.0/0'] },
    { ...CONNECT, destinationAddress: undefined, destinationIp: undefined },
    false,
  ],
  [
    'an address that is not an IP matches no CIDR',
    { destinationAddress: ['0.0.0.0/0'] },
    { ...CONNECT, destinationAddress: 'host' },
    false,
  ],
  ['unix path /**', { destinationAddress: ['/run/containerd/**'] }, UNIX, true],
  ['unix path exact', { destinationAddress: ['/run/containerd/containerd.sock'] }, UNIX, true],
  ['unix path vs IP selector', { destinationAddress: ['0.0.0.0/0'] }, UNIX, false],
  ['IP vs unix selector', { destinationAddress: ['/**'] }, CONNECT, false],
  [
    'abstract socket /*',
    { destinationAddress: ['@/tmp/.X11-unix/*'] },
    { ...UNIX, destinationAddress: '@/tmp/.X11-unix/X0' },
    true,
  ],
  ['port in range', { destinationPort: ['8000-8999'] }, CONNECT, true],
  ['port at range bounds', { destinationPort: ['8443-9000'] }, CONNECT, true],
  ['port exact', { destinationPort: ['443', '8443'] }, CONNECT, true],
  ['port miss', { destinationPort: ['443', '8444-9000'] }, CONNECT, false],
  ['unknown port never matches', { destinationPort: ['0-65535'] }, UNIX, false],
  ['transport', { transport: ['udp', 'tcp'] }, CONNECT, true],
  ['transport miss', { transport: ['unix'] }, CONNECT, false],
  [
    'network with process and container conditions',
    { processName: ['curl'], containerImageName: ['nginx'], kubernetesNamespace: ['prod'] },
    CONNECT,
    true,
  ],
  // drift
  ['drift true', { processDrift: true }, CONNECT, true],
  ['drift false vs true', { processDrift: false }, CONNECT, false],
  ['drift false', { processDrift: false }, { ...PROC, processDrift: false }, true],
  ['drift unknown never matches', { processDrift: true }, PROC, false],
  ['drift on file events', { processDrift: true }, { ...FILE, processDrift: true }, true],
  // readFile
  ['readFile named', { operation: ['readFile'], targetFilePath: ['/run/secrets/*'] }, READ, true],
  ['operation absent does not cover readFile', { targetFilePath: ['/run/secrets/*'] }, READ, false],
  ['readFile not listed', { operation: ['modifyFile'], targetFilePath: ['/run/secrets/*'] }, READ, false],
];

for (const [label, evaluator] of EVALUATORS) {
  describe(`${label}: conditions`, () => {
    it.each(CASES)('%s', (_name, conditions, event, want) => {
      const section = event.section;
      const policy = buildPolicy({
        [section]: {
          selectors: [{ name: 's', ...conditions }],
          responses: [{ match: ['s'], actions: ['log'] }],
        },
      });
      const got = evaluator(policy)(event);
      expect(got).toEqual(
        want ? { actions: ['log'], matchedSelectors: ['s'] } : { actions: [], matchedSelectors: [] },
      );
    });
  });

  describe(`${label}: responses`, () => {
    const sels: SelectorSpec[] = [
      { name: 'zeta', processName: ['curl'] },
      { name: 'alpha', operation: ['exec'] },
      { name: 'mid', kubernetesNamespace: ['default'] },
      { name: 'never', processName: ['nope'] },
      { name: 'trusted', processExecutable: ['/usr/bin/*'] },
    ];
    const run = (responses: ResponseSpec[], ev: PolicyEvent = PROC) =>
      evaluator(buildPolicy({ process: { selectors: sels, responses } }))(ev);

    it('lists every matched selector, sorted, even those no response names', () => {
      expect(run([{ match: ['never'], actions: ['log'] }])).toEqual({
        actions: [],
        matchedSelectors: ['alpha', 'mid', 'trusted', 'zeta'],
      });
    });
    it('unions the actions of every firing response, in ACTIONS order', () => {
      expect(
        run([
          { match: ['zeta'], actions: ['block', 'alert'] },
          { match: ['alpha'], actions: ['log'] },
          { match: ['never'], actions: ['log', 'alert'] },
        ]).actions,
      ).toEqual(['log', 'alert', 'block']);
    });
    it('one matching selector of several fires the response', () => {
      expect(run([{ match: ['never', 'mid'], actions: ['alert'] }]).actions).toEqual(['alert']);
    });
    it('an exclude selector that matched stops the response', () => {
      expect(run([{ match: ['alpha'], exclude: ['trusted'], actions: ['alert'] }]).actions).toEqual([]);
    });
    it('an exclude selector that did not match does not', () => {
      expect(run([{ match: ['alpha'], exclude: ['never'], actions: ['alert'] }]).actions).toEqual(['alert']);
    });
    it('exclude stops only its own response', () => {
      expect(
        run([
          { match: ['alpha'], exclude: ['trusted'], actions: ['alert'] },
          { match: ['alpha'], actions: ['log'] },
        ]).actions,
      ).toEqual(['log']);
    });
    it('only the event section counts', () => {
      const policy = buildPolicy({
        process: {
          selectors: [{ name: 'p', processName: ['sh'] }],
          responses: [{ match: ['p'], actions: ['log'] }],
        },
        file: {
          selectors: [{ name: 'f', operation: ['createFile'] }],
          responses: [{ match: ['f'], actions: ['alert'] }],
        },
      });
      expect(evaluator(policy)(FILE)).toEqual({ actions: [], matchedSelectors: [] });
      expect(evaluator(policy)({ ...FILE, operation: 'createFile' })).toEqual({
        actions: ['alert'],
        matchedSelectors: ['f'],
      });
      expect(evaluator(policy)({ ...PROC, processName: 'sh' })).toEqual({
        actions: ['log'],
        matchedSelectors: ['p'],
      });
    });
    it('a policy without the event section decides nothing', () => {
      const policy = buildPolicy({
        file: {
          selectors: [{ name: 'f', targetFilePath: ['/**'] }],
          responses: [{ match: ['f'], actions: ['log'] }],
        },
      });
      expect(evaluator(policy)(PROC)).toEqual({ actions: [], matchedSelectors: [] });
    });
  });

  describe(`${label}: firingResponses`, () => {
    it('names the responses that fire for a set of matched selectors', () => {
      const policy = buildPolicy({
        process: {
          selectors: [
            { name: 'a', processName: ['curl'] },
            { name: 'b', kubernetesNamespace: ['default'] },
          ],
          responses: [
            { match: ['a'], actions: ['log'] },
            { match: ['a'], exclude: ['b'], actions: ['alert'] },
            { match: ['b'], actions: ['alert'] },
          ],
        },
      });
      const d = evaluator(policy)(PROC);
      expect(firingResponses(policy.process!, d.matchedSelectors).map((r) => r.index)).toEqual([0, 2]);
      expect(firingResponses(policy.process!, new Set(['a'])).map((r) => r.index)).toEqual([0, 1]);
    });
  });

  describe(`${label}: Elastic default policy`, () => {
    const decide = evaluator(elasticDefaultPolicy());
    it.each([
      [{ section: 'process', operation: 'fork' }, ['log'], ['allProcesses']],
      [{ section: 'process', operation: 'exec' }, ['log'], ['allProcesses']],
      [{ section: 'file', operation: 'createExecutable' }, ['alert'], ['executableChanges']],
      [{ section: 'file', operation: 'modifyExecutable' }, ['alert'], ['executableChanges']],
      [{ section: 'file', operation: 'createFile' }, [], []],
      [{ section: 'file', operation: 'modifyFile' }, [], []],
      [{ section: 'file', operation: 'deleteFile' }, [], []],
    ] as [PolicyEvent, string[], string[]][])('%j', (ev, actions, matchedSelectors) => {
      expect(decide(ev)).toEqual({ actions, matchedSelectors });
    });
  });
}
