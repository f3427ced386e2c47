import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePolicy } from './compile.js';
import { OPERATIONS_BY_SECTION } from './conditions.js';
import { interpret } from './interpret.js';
import {
  ACTIONS,
  NO_DECISION,
  type Operation,
  type PolicyEvent,
  SECTIONS,
  type Section,
  type SelectorConditions,
  TRANSPORTS,
} from './model.js';
import {
  buildPolicy,
  elasticDefaultPolicy,
  type ResponseSpec,
  type SectionSpec,
  type SelectorSpec,
} from './policy-builder.js';
import { readPathPrefixes } from './read-prefixes.js';

// ---- realistic pools: selector values and event facts that hit and nearly miss each other ----
const many = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i));
const SEL_PATHS = [
  '/usr/bin/ls',
  '/usr/bin/*',
  '/usr/**',
  '/usr/local/bin/*',
  '/etc/passwd',
  '/etc/*',
  '/etc/**',
  '/*',
  '/**',
  '/tmp/**',
  '/var/lib/kubelet/**',
  '/bin/sh',
  '/bin/*',
  '/opt/app/*',
  '/usr/sbin/*',
  ...many(6, (i) => `/d${i}/*`),
  ...many(6, (i) => `/d${i}/**`),
  ...many(4, (i) => `/d${i}/x`),
];
const EV_PATHS = [
  '/usr/bin/ls',
  '/usr/bin',
  '/usr/bin/',
  '/usr/bin/x/y',
  '/usr/binx/a',
  '/usr/local/bin/miner',
  '/etc/passwd',
  '/etc',
  '/etc/ssl/cert.pem',
  '/tmp/a',
  '/tmp',
  '/',
  '/bin/sh',
  '/bin/bash',
  '/opt/app/run',
  '/opt/app/x/y',
  '/d3/x',
  '/d3/x/y',
  '/d3',
  '/d10/x',
  'relative',
  '/var/lib/kubelet/pods/p/volumes/token',
  '/usr/sbin/sshd',
];
const SEL_FULL_IMAGES = [
  'docker.io/nginx',
  'docker.io/library/nginx',
  'gcr.io/proj/nginx',
  'localhost:5000/app',
  'docker.io/bitnami/redis',
  'quay.io/x/app',
];
const EV_IMAGES = [
  'nginx',
  'nginx:1.25',
  'docker.io/library/nginx',
  'gcr.io/proj/nginx',
  'localhost:5000/app:v1',
  'redis',
  'bitnami/redis',
  'quay.io/x/app',
  'gcr.io/proj/app',
];
const IMAGE_NAMES = ['nginx', 'redis', 'app', 'proj', 'bitnami'];
const TAGS = ['latest', '1.25', 'v1'];
const CLUSTER_IDS = ['c1', 'c2'];
const CLUSTER_NAMES = ['prod', 'dev'];
const NAMESPACES = ['default', 'kube-system', 'prod', 'dev'];
const SEL_PODS = ['web-*', 'web-1', 'api-*', '*', 'db-0', ...many(10, (i) => `p${i}-*`)];
const EV_PODS = ['web-1', 'web-2', 'api-x', 'db-0', 'db-1', 'web-', 'p3-a', 'p33'];
const SEL_LABELS = [
  'app:web',
  'app:web*',
  'app:',
  'app:*',
  'tier:backend',
  'env:prod*',
  'app.kubernetes.io/name:web',
  ...many(10, (i) => `k${i}:*`),
];
const EV_LABELS = [
  'app:web',
  'app:web2',
  'app:',
  'tier:backend',
  'tier:front',
  'env:production',
  'app.kubernetes.io/name:web',
  'k4:v',
];
const PROC_NAMES = ['sh', 'bash', 'curl', 'nginx'];
const ALL_OPS: Operation[] = SECTIONS.flatMap((s) => OPERATIONS_BY_SECTION[s]);
// Addresses: CIDRs of both families that nest, touch and miss; IPv4-mapped spellings; unix paths.
const SEL_ADDRESSES = [
  '10.0.0.0/8',
  '10.1.0.0/16',
  '10.1.2.3',
  '10.1.2.3/32',
  '192.168.0.0/16',
  '0.0.0.0/0',
  '169.254.169.254',
  '::/0',
  '::1',
  'fd00::/8',
  'fd00::5/128',
  '2001:db8::/32',
  '::ffff:10.0.0.0/104',
  '::ffff:0:0/96',
  '/run/containerd/**',
  '/run/*',
  '/var/run/docker.sock',
  '@/tmp/.X11-unix/*',
  '@abstract',
  ...many(8, (i) => `10.${i}.0.0/16`),
];
const EV_ADDRESSES = [
  '10.1.2.3',
  '10.1.2.4',
  '10.2.0.1',
  '192.168.1.1',
  '169.254.169.254',
  '8.8.8.8',
  '::1',
  'fd00::5',
  'fd00::6',
  '2001:db8::1',
  '::ffff:10.1.2.3',
  '::ffff:8.8.8.8',
  '::',
  '0.0.0.0',
  '/run/containerd/containerd.sock',
  '/run/x.sock',
  '/run/a/b',
  '/var/run/docker.sock',
  '@/tmp/.X11-unix/X0',
  '@abstract',
  '@abstract2',
  'not-an-ip',
  '10.3.9.9',
];
const SEL_PORTS = ['0', '22', '53', '80', '443', '8000-8080', '8080-8443', '1024-65535', '0-1023', '65535'];
const EV_PORTS = [0, 22, 53, 80, 443, 1023, 1024, 7999, 8000, 8080, 8081, 8443, 9000, 65535];
const EV_PATHS_READ = ['/run/secrets/token', '/etc/shadow', '/etc/shadow-'];
const NAME_PREFIXES = ['zeta', 'a', 'm', 'b-', 'sel_'];

const values = (pool: string[]) =>
  fc.oneof(
    { weight: 20, arbitrary: fc.subarray(pool, { minLength: 1, maxLength: Math.min(12, pool.length) }) },
    { weight: 1, arbitrary: fc.constant([]) },
  );

// Each selector gets an optional operation list and up to two other conditions, so that random
// selectors match random events often enough for the comparison to mean something.
const CONDITION_ARBS: Record<string, fc.Arbitrary<unknown>> = {
  containerImageFullName: values(SEL_FULL_IMAGES),
  containerImageName: values(IMAGE_NAMES),
  containerImageTag: values(TAGS),
  kubernetesClusterId: values(CLUSTER_IDS),
  kubernetesClusterName: values(CLUSTER_NAMES),
  kubernetesNamespace: values(NAMESPACES),
  kubernetesPodName: values(SEL_PODS),
  kubernetesPodLabel: values(SEL_LABELS),
  targetFilePath: values(SEL_PATHS),
  ignoreVolumeMounts: fc.boolean(),
  ignoreVolumeFiles: fc.boolean(),
  processExecutable: values(SEL_PATHS),
  processName: values(PROC_NAMES),
  sessionLeaderInteractive: fc.boolean(),
  processDrift: fc.boolean(),
  destinationAddress: values(SEL_ADDRESSES),
  destinationPort: values(SEL_PORTS),
  transport: values([...TRANSPORTS]),
};
const conditions = (section: Section): fc.Arbitrary<SelectorConditions> =>
  fc
    .tuple(
      fc.option(fc.subarray<Operation>([...OPERATIONS_BY_SECTION[section]], { minLength: 1 }), {
        nil: undefined,
      }),
      fc.uniqueArray(fc.constantFrom(...Object.keys(CONDITION_ARBS)), { maxLength: 2 }),
    )
    .chain(([operation, keys]) =>
      fc
        .record(Object.fromEntries(keys.map((k) => [k, CONDITION_ARBS[k]!])))
        .map((c) => (operation === undefined ? c : { ...c, operation }) as SelectorConditions),
    );

const sectionSpec = (section: Section): fc.Arbitrary<SectionSpec> =>
  fc
    .array(fc.tuple(fc.constantFrom(...NAME_PREFIXES), conditions(section)), { minLength: 1, maxLength: 64 })
    .chain((raw) => {
      const selectors: SelectorSpec[] = raw.map(([prefix, c], i) => ({ ...c, name: `${prefix}${i}` }));
      const names = selectors.map((s) => s.name);
      const response: fc.Arbitrary<ResponseSpec> = fc.record({
        match: fc.subarray(names, { minLength: 1, maxLength: Math.min(6, names.length) }),
        exclude: fc.subarray(names, { maxLength: Math.min(3, names.length) }),
        actions: fc.subarray([...ACTIONS]),
      });
      return fc.record({
        selectors: fc.constant(selectors),
        responses: fc.array(response, { minLength: 1, maxLength: 8 }),
      });
    });

const policyArb = fc
  .record({
    process: fc.option(sectionSpec('process'), { nil: undefined, freq: 8 }),
    file: fc.option(sectionSpec('file'), { nil: undefined, freq: 8 }),
    network: fc.option(sectionSpec('network'), { nil: undefined, freq: 8 }),
  })
  .map((spec) => buildPolicy(spec));

const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 4 });
const eventArb: fc.Arbitrary<PolicyEvent> = fc
  .record({
    section: fc.constantFrom<Section>(...SECTIONS),
    operation: fc.oneof(
      { weight: 1, arbitrary: fc.constantFrom(...ALL_OPS) },
      { weight: 4, arbitrary: fc.constant(undefined) },
    ),
    filePath: opt(fc.constantFrom(...EV_PATHS, ...EV_PATHS_READ)),
    mount: opt(fc.constantFrom<'volume' | 'file'>('volume', 'file')),
    processExecutable: opt(fc.constantFrom(...EV_PATHS)),
    processName: opt(fc.constantFrom(...PROC_NAMES, 'python3')),
    sessionLeaderInteractive: opt(fc.boolean()),
    containerImageFullName: opt(fc.constantFrom(...EV_IMAGES)),
    containerImageTag: opt(fc.constantFrom(...TAGS, '2.0')),
    kubernetesClusterId: opt(fc.constantFrom(...CLUSTER_IDS, 'c3')),
    kubernetesClusterName: opt(fc.constantFrom(...CLUSTER_NAMES, 'stage')),
    kubernetesNamespace: opt(fc.constantFrom(...NAMESPACES, 'other')),
    kubernetesPodName: opt(fc.constantFrom(...EV_PODS)),
    kubernetesPodLabels: opt(fc.subarray(EV_LABELS)),
    processDrift: opt(fc.boolean()),
    destinationAddress: opt(fc.constantFrom(...EV_ADDRESSES)),
    destinationIp: opt(
      fc.constantFrom(...EV_ADDRESSES.filter((a) => !a.startsWith('/') && !a.startsWith('@'))),
    ),
    destinationPort: opt(fc.constantFrom(...EV_PORTS)),
    transport: opt(fc.constantFrom(...TRANSPORTS)),
  })
  .chain((e) =>
    // Mostly an operation of the event's section; sometimes any operation (not a policy event).
    (e.operation !== undefined
      ? fc.constant(e.operation)
      : fc.constantFrom<Operation>(...OPERATIONS_BY_SECTION[e.section])
    ).map((operation) => ({ ...e, operation })),
  )
  .map(
    (e) => Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined)) as unknown as PolicyEvent,
  );

describe('compiled decide() equals interpret()', () => {
  it('on random policies (up to 64 selectors per section) and random events', () => {
    fc.assert(
      fc.property(policyArb, fc.array(eventArb, { minLength: 1, maxLength: 40 }), (policy, events) => {
        const compiled = compilePolicy(policy);
        for (const ev of events) {
          const want = interpret(policy, ev);
          expect(compiled.decide(ev)).toEqual(want);
          // Twice: the second answer comes from the decision cache.
          expect(compiled.decide(ev)).toEqual(want);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('the random policies do produce matches (the property is not vacuous)', () => {
    let matched = 0;
    let fired = 0;
    let several = 0;
    let network = 0;
    let addressed = 0;
    fc.assert(
      fc.property(policyArb, fc.array(eventArb, { minLength: 20, maxLength: 20 }), (policy, events) => {
        for (const ev of events) {
          const d = interpret(policy, ev);
          if (d.matchedSelectors.length > 0) matched++;
          if (d.matchedSelectors.length > 0 && ev.section === 'network') network++;
          // A match through a destinationAddress condition: the CIDR/path tables were exercised.
          const sec = policy.network;
          if (
            ev.section === 'network' &&
            sec?.selectors.some((s) => s.destinationAddress && d.matchedSelectors.includes(s.name))
          )
            addressed++;
          if (d.matchedSelectors.length > 1) several++;
          if (d.actions.length > 0) fired++;
        }
      }),
      { numRuns: 100 },
    );
    expect(matched).toBeGreaterThan(800);
    expect(fired).toBeGreaterThan(400);
    expect(several).toBeGreaterThan(200);
    expect(network).toBeGreaterThan(200);
    expect(addressed).toBeGreaterThan(0);
  });

  it('on every address and port pair of the pools (exhaustive, one selector per value)', () => {
    const selectors: SelectorSpec[] = [
      ...SEL_ADDRESSES.map((a, i) => ({ name: `a${i}`, destinationAddress: [a] })),
      ...SEL_PORTS.map((p, i) => ({ name: `p${i}`, destinationPort: [p] })),
      { name: 'all', destinationAddress: SEL_ADDRESSES, destinationPort: SEL_PORTS },
    ];
    const policy = buildPolicy({
      network: { selectors, responses: [{ match: selectors.map((s) => s.name), actions: ['log'] }] },
    });
    const compiled = compilePolicy(policy);
    let matches = 0;
    for (const destinationAddress of [...EV_ADDRESSES, undefined]) {
      for (const destinationPort of [...EV_PORTS, undefined]) {
        const ev = {
          section: 'network',
          operation: 'connect',
          destinationAddress,
          destinationPort,
        } as PolicyEvent;
        const want = interpret(policy, ev);
        expect(compiled.decide(ev)).toEqual(want);
        matches += want.matchedSelectors.length;
      }
    }
    expect(matches).toBeGreaterThan(1000);
  });
});

describe('compilePolicy', () => {
  const policy = buildPolicy({
    process: {
      selectors: [
        { name: 'shells', operation: ['exec'], processName: ['sh', 'bash'] },
        { name: 'forks', operation: ['fork'] },
      ],
      responses: [
        { match: ['shells'], actions: ['alert', 'block'] },
        { match: ['forks'], actions: [] },
      ],
    },
    file: {
      selectors: [{ name: 'etc', operation: ['modifyFile', 'deleteFile'], targetFilePath: ['/etc/**'] }],
      responses: [{ match: ['etc'], actions: ['log'] }],
    },
  });
  const compiled = compilePolicy(policy);

  it('returns the same frozen Decision when an outcome repeats', () => {
    const a = compiled.decide({ section: 'process', operation: 'exec', processName: 'sh' });
    const b = compiled.decide({ section: 'process', operation: 'exec', processName: 'bash' });
    expect(a).toEqual({ actions: ['alert', 'block'], matchedSelectors: ['shells'] });
    expect(b).toBe(a);
    expect(Object.isFrozen(a) && Object.isFrozen(a.actions) && Object.isFrozen(a.matchedSelectors)).toBe(
      true,
    );
    expect(compiled.decide({ section: 'process', operation: 'exec', processName: 'ls' })).toBe(NO_DECISION);
  });

  it('reports what the sensor needs to watch', () => {
    expect(compiled.hasBlock).toBe(true);
    expect([...compiled.sectionsUsed].sort()).toEqual(['file', 'process']);
    // `forks` only feeds a response without actions: fork events can never fire anything.
    expect([...compiled.operationsUsed].sort()).toEqual(['deleteFile', 'exec', 'modifyFile']);
    expect(compiled.wants('process', 'exec')).toBe(true);
    expect(compiled.wants('process', 'fork')).toBe(false);
    expect(compiled.wants('file', 'createFile')).toBe(false);
    expect(compiled.wants('file', 'exec')).toBe(false);
  });

  it('blockingOnly keeps only blocking responses', () => {
    const blocking = compiled.blockingOnly();
    expect(blocking.hasBlock).toBe(true);
    expect([...blocking.sectionsUsed]).toEqual(['process']);
    expect(blocking.decide({ section: 'file', operation: 'modifyFile', filePath: '/etc/x' }).actions).toEqual(
      [],
    );
    expect(blocking.decide({ section: 'process', operation: 'exec', processName: 'sh' }).actions).toEqual([
      'alert',
      'block',
    ]);
    expect(compiled.blockingOnly()).toBe(blocking);
  });

  it("Elastic's default policy has no block and uses both sections", () => {
    const d = compilePolicy(elasticDefaultPolicy());
    expect(d.hasBlock).toBe(false);
    expect([...d.operationsUsed].sort()).toEqual(['createExecutable', 'exec', 'fork', 'modifyExecutable']);
    expect(d.wants('file', 'createFile')).toBe(false);
  });

  it('treats duplicate selector names (rejected by the validator) like the interpreter', () => {
    const p = buildPolicy({
      process: {
        selectors: [
          { name: 'dup', processName: ['sh'] },
          { name: 'dup', kubernetesNamespace: ['prod'] },
          { name: 'other', operation: ['exec'] },
        ],
        responses: [{ match: ['dup'], exclude: ['other'], actions: ['alert'] }],
      },
    });
    const c = compilePolicy(p);
    for (const ev of [
      { section: 'process', operation: 'fork', processName: 'sh', kubernetesNamespace: 'prod' },
      { section: 'process', operation: 'fork', kubernetesNamespace: 'prod' },
      { section: 'process', operation: 'exec', processName: 'sh' },
    ] as PolicyEvent[]) {
      expect(c.decide(ev)).toEqual(interpret(p, ev));
    }
    expect(
      c.decide({ section: 'process', operation: 'fork', processName: 'sh', kubernetesNamespace: 'prod' }),
    ).toEqual({
      actions: ['alert'],
      matchedSelectors: ['dup'],
    });
  });

  it('stays correct past the memo and decision-cache bounds', () => {
    // 14 selectors on independent label keys: 2^14 possible outcomes, 6000 distinct events.
    const selectors: SelectorSpec[] = Array.from({ length: 14 }, (_, i) => ({
      name: `k${i}`,
      kubernetesPodLabel: [`k${i}:*`],
      targetFilePath: ['/data/**'],
    }));
    const p = buildPolicy({
      file: { selectors, responses: [{ match: ['k0', 'k5'], exclude: ['k13'], actions: ['log'] }] },
    });
    const c = compilePolicy(p);
    for (let n = 0; n < 6000; n++) {
      const labels = selectors.flatMap((_, i) => ((n >> i) & 1 ? [`k${i}:v${n}`] : []));
      const ev: PolicyEvent = {
        section: 'file',
        operation: 'createFile',
        filePath: `/data/f${n}`,
        kubernetesPodLabels: labels,
      };
      expect(c.decide(ev)).toEqual(interpret(p, ev));
    }
  });

  it('handles more than 32 selectors (multi-word bitsets) in sorted order', () => {
    const selectors: SelectorSpec[] = Array.from({ length: 60 }, (_, i) => ({
      name: `s${String(59 - i).padStart(2, '0')}`,
      processName: [`p${i % 3}`],
    }));
    const p = buildPolicy({
      process: { selectors, responses: [{ match: ['s00', 's59'], actions: ['log'] }] },
    });
    const d = compilePolicy(p).decide({ section: 'process', operation: 'fork', processName: 'p0' });
    expect(d).toEqual(interpret(p, { section: 'process', operation: 'fork', processName: 'p0' }));
    expect(d.matchedSelectors).toHaveLength(20);
    expect(d.actions).toEqual(['log']);
  });
});

describe('network and read in the compiled policy', () => {
  const policy = buildPolicy({
    file: {
      selectors: [
        {
          name: 'tokens',
          operation: ['readFile'],
          targetFilePath: ['/var/run/secrets/**', '/run/secrets/**'],
        },
        { name: 'shadow', operation: ['readFile', 'modifyFile'], targetFilePath: ['/etc/shadow'] },
        { name: 'etcReadsUnused', operation: ['readFile'], targetFilePath: ['/etc/**'] },
        { name: 'writes', targetFilePath: ['/etc/**'] },
      ],
      responses: [
        { match: ['tokens', 'shadow'], actions: ['alert'] },
        { match: ['writes'], actions: ['log'] },
        { match: ['etcReadsUnused'], actions: [] },
      ],
    },
    network: {
      selectors: [
        {
          name: 'metadata',
          operation: ['connect'],
          destinationAddress: ['169.254.169.254', 'fd00:ec2::254'],
        },
        { name: 'drifted', processDrift: true, operation: ['connect', 'listen'] },
      ],
      responses: [{ match: ['metadata', 'drifted'], actions: ['alert'] }],
    },
  });
  const c = compilePolicy(policy);

  it('reports the network section and the read operation as wanted', () => {
    expect([...c.sectionsUsed].sort()).toEqual(['file', 'network']);
    expect(c.wants('network', 'connect')).toBe(true);
    expect(c.wants('network', 'listen')).toBe(true);
    expect(c.wants('network', 'accept')).toBe(false);
    expect(c.wants('file', 'readFile')).toBe(true);
    // `writes` has no operation: it covers create/modify/delete, never reads.
    expect([...c.operationsUsed].sort()).toEqual([
      'connect',
      'createExecutable',
      'createFile',
      'deleteFile',
      'listen',
      'modifyExecutable',
      'modifyFile',
      'readFile',
    ]);
    expect(compilePolicy(elasticDefaultPolicy()).wants('file', 'readFile')).toBe(false);
  });

  it('decides network events', () => {
    expect(
      c.decide({ section: 'network', operation: 'connect', destinationAddress: '::ffff:169.254.169.254' }),
    ).toEqual({ actions: ['alert'], matchedSelectors: ['metadata'] });
    expect(c.decide({ section: 'network', operation: 'bind', processDrift: true })).toBe(NO_DECISION);
    expect(
      c.decide({ section: 'network', operation: 'listen', processDrift: true }).matchedSelectors,
    ).toEqual(['drifted']);
  });

  it('readPathPrefixes: literal prefixes of firing read selectors, prefix-free and sorted', () => {
    expect(readPathPrefixes(c)).toEqual(['/etc/shadow', '/run/secrets/', '/var/run/secrets/']);
    expect(readPathPrefixes(policy)).toEqual(readPathPrefixes(c));
    expect(readPathPrefixes(elasticDefaultPolicy())).toEqual([]);
    const wide = buildPolicy({
      file: {
        selectors: [
          { name: 'a', operation: ['readFile'], targetFilePath: ['/etc/ssl/*', '/etc/**', '/etc/passwd'] },
          { name: 'b', operation: ['readFile'], targetFilePath: ['/*'] },
        ],
        responses: [{ match: ['a'], actions: ['log'] }],
      },
    });
    expect(readPathPrefixes(wide)).toEqual(['/etc/']);
    wide.file!.responses[0]!.match.push('b');
    expect(readPathPrefixes(wide)).toEqual(['/']);
    // Built in code without a path (the validator refuses it): every read.
    const unbounded = buildPolicy({
      file: {
        selectors: [{ name: 'r', operation: ['readFile'] }],
        responses: [{ match: ['r'], actions: ['log'] }],
      },
    });
    expect(readPathPrefixes(unbounded)).toEqual(['/']);
  });

  it('every path readPathPrefixes lets through is one the policy can match, and vice versa', () => {
    const prefixes = readPathPrefixes(c);
    for (const filePath of [
      '/run/secrets/token',
      '/var/run/secrets/kubernetes.io/serviceaccount/token',
      '/etc/shadow',
      '/etc/passwd',
      '/run/x',
    ]) {
      const fires = c.decide({ section: 'file', operation: 'readFile', filePath }).actions.length > 0;
      const watched = prefixes.some((p) => filePath.startsWith(p));
      if (fires) expect(watched).toBe(true);
    }
  });
});
