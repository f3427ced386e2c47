import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePolicy } from './compile.js';
import { interpret } from './interpret.js';
import {
  ACTIONS,
  FILE_OPERATIONS,
  NO_DECISION,
  type Operation,
  type PolicyEvent,
  PROCESS_OPERATIONS,
  type Section,
  type SelectorConditions,
} from './model.js';
import {
  buildPolicy,
  elasticDefaultPolicy,
  type ResponseSpec,
  type SectionSpec,
  type SelectorSpec,
} from './policy-builder.js';

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
const ALL_OPS: Operation[] = [...PROCESS_OPERATIONS, ...FILE_OPERATIONS];
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
};
const conditions = (section: Section): fc.Arbitrary<SelectorConditions> =>
  fc
    .tuple(
      fc.option(
        fc.subarray<Operation>(section === 'process' ? [...PROCESS_OPERATIONS] : [...FILE_OPERATIONS], {
          minLength: 1,
        }),
        {
          nil: undefined,
        },
      ),
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
  })
  .map((spec) => buildPolicy(spec));

const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 4 });
const eventArb: fc.Arbitrary<PolicyEvent> = fc
  .record({
    section: fc.constantFrom<Section>('process', 'file'),
    operation: fc.oneof(
      { weight: 1, arbitrary: fc.constantFrom(...ALL_OPS) },
      { weight: 4, arbitrary: fc.constant(undefined) },
    ),
    filePath: opt(fc.constantFrom(...EV_PATHS)),
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
  })
  .chain((e) =>
    // Mostly an operation of the event's section; sometimes any operation (not a policy event).
    (e.operation !== undefined
      ? fc.constant(e.operation)
      : fc.constantFrom<Operation>(...(e.section === 'process' ? PROCESS_OPERATIONS : FILE_OPERATIONS))
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
    fc.assert(
      fc.property(policyArb, fc.array(eventArb, { minLength: 20, maxLength: 20 }), (policy, events) => {
        for (const ev of events) {
          const d = interpret(policy, ev);
          if (d.matchedSelectors.length > 0) matched++;
          if (d.matchedSelectors.length > 1) several++;
          if (d.actions.length > 0) fired++;
        }
      }),
      { numRuns: 100 },
    );
    expect(matched).toBeGreaterThan(800);
    expect(fired).toBeGreaterThan(400);
    expect(several).toBeGreaterThan(200);
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
