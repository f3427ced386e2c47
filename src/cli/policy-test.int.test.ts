import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../test/cli.js';
import { runMain } from '../../test/run-main.js';
import { interpret, parsePolicy, policyEventFromEcs } from '../policy/index.js';

const dir = mkdtempSync(join(tmpdir(), 'd4c-policy-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const d4c = (...args: string[]) => runCli(args);

const POLICY = `process:
  selectors:
    - name: shells
      operation: [exec]
      processName: [sh, bash]
    - name: nginxImages
      containerImageName: [nginx]
    - name: prod
      kubernetesNamespace: [prod]
  responses:
    - match: [shells]
      exclude: [nginxImages]
      actions: [alert, log]
    - match: [prod]
      actions: [log]
file:
  selectors:
    - name: etc
      targetFilePath: [/etc/**]
      operation: [modifyFile, createFile]
    - name: binaries
      operation: [createExecutable, modifyExecutable]
  responses:
    - match: [etc]
      actions: [log]
    - match: [binaries]
      actions: [alert]
`;

const EVENTS = [
  // nested document: shell in alpine
  {
    event: { category: ['process'], action: 'exec', type: ['start'] },
    process: { name: 'sh', executable: '/bin/sh' },
    container: { image: { name: 'docker.io/library/alpine' } },
  },
  // dotted keys: shell in nginx is excluded, but prod logs it
  {
    'event.category': 'process',
    'event.action': 'exec',
    'process.name': 'bash',
    'container.image.name': 'nginx',
    'orchestrator.namespace': 'prod',
  },
  // fork of a shell: the shells selector wants exec only
  { event: { category: 'process', action: 'fork' }, process: { name: 'sh' } },
  // file modified under /etc
  { event: { category: 'file', action: 'modification' }, file: { path: '/etc/passwd', mode: '0644' } },
  // executable written under /etc: the etc selector covers createFile/modifyFile only
  {
    event: { category: 'file', action: 'creation' },
    cloud_defend: { operation: 'createExecutable' },
    file: { path: '/etc/cron.daily/x', mode: '0755' },
  },
  // not a process or file event
  { event: { category: 'network', action: 'connection_attempted' } },
];

describe('d4c policy test', () => {
  const policyFile = join(dir, 'policy.yaml');
  writeFileSync(policyFile, POLICY);
  const eventsFile = join(dir, 'events.ndjson');
  writeFileSync(eventsFile, `${EVENTS.map((e) => JSON.stringify(e)).join('\n')}\n`);

  it('prints one decision per line, in order, agreeing with the reference interpreter', () => {
    const r = d4c('policy', 'test', '--policy', policyFile, '--events', eventsFile);
    expect(r.err).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const lines = r.out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([
      { actions: ['alert', 'log'], matched_selectors: ['shells'] },
      { actions: ['log'], matched_selectors: ['nginxImages', 'prod', 'shells'] },
      { actions: [], matched_selectors: [] },
      { actions: ['log'], matched_selectors: ['etc'] },
      { actions: ['alert'], matched_selectors: ['binaries'] },
      { actions: [], matched_selectors: [] },
    ]);
    const { policy } = parsePolicy(POLICY, 'p.yaml');
    EVENTS.forEach((doc, i) => {
      const ev = policyEventFromEcs(doc).event;
      const ref = ev && policy ? interpret(policy, ev) : { actions: [], matchedSelectors: [] };
      expect(lines[i]).toEqual({ actions: [...ref.actions].sort(), matched_selectors: ref.matchedSelectors });
    });
    expect(r.err).toMatch(/^ +2 {2}process\.shells$/m);
    expect(r.err).toMatch(/^ +1 {2}file\.responses\[1\] \(match: binaries\)$/m);
  });

  it('keeps line alignment and exits 1 on lines that are not JSON objects', () => {
    const f = join(dir, 'bad.ndjson');
    writeFileSync(f, `${JSON.stringify(EVENTS[0])}\nnot json\n\n[1]\n`);
    const r = d4c('policy', 'test', '--policy', policyFile, '--events', f, '--no-summary');
    expect(r.code).toBe(1);
    const lines = r.out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(4);
    expect(lines[1].error).toMatch(/invalid JSON/);
    expect(lines[2]).toEqual({ actions: [], matched_selectors: [] });
    expect(r.err).toContain(`${f}:2:1: error: invalid JSON`);
    expect(r.err).toContain(`${f}:4:1: error: not a JSON object`);
  });

  it('reports policy errors with positions and exits 1', () => {
    const f = join(dir, 'broken.yaml');
    writeFileSync(
      f,
      'process:\n  selectors:\n    - name: x\n      processName: [averyveryverylongname]\n  responses:\n    - match: [x]\n      actions: [log]\n',
    );
    const r = d4c('policy', 'test', '--policy', f, '--events', eventsFile);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toMatch(new RegExp(`${f}:4:\\d+: error: .*"processName" values cannot exceed 15 bytes`));
  });

  it('on a terminal: the hit summary as tables on stdout, no per-line JSON', async () => {
    const args = ['policy', 'test', '--policy', policyFile, '--events', eventsFile];
    const r = await runMain(args, { terminal: { columns: 120 } });
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toBe(
      [
        '6 lines, 6 evaluated, 0 not process/file/network events, 0 invalid',
        '',
        'SELECTOR             HITS',
        'process.shells          2',
        'process.nginxImages     1',
        'process.prod            1',
        'file.etc                1',
        'file.binaries           1',
        '',
        'RESPONSE              MATCH     EXCLUDE      ACTIONS     HITS',
        'process.responses[0]  shells    nginxImages  log, alert     1',
        'process.responses[1]  prod                   log            1',
        'file.responses[0]     etc                    log            1',
        'file.responses[1]     binaries               alert          1',
        '',
      ].join('\n'),
    );
    // Piped (runMain's stdout is no terminal): the NDJSON lines and stderr summary, as the spawned binary's.
    const piped = await runMain(args);
    const spawned = d4c(...args);
    expect(piped.out).toBe(spawned.out);
    expect(piped.err).toBe(spawned.err);
    const csv = await runMain([...args, '--format', 'csv']);
    expect(csv.out.split('\r\n').slice(0, 3)).toEqual([
      'kind,name,match,exclude,actions,hits',
      'selector,process.shells,,,,2',
      'selector,process.nginxImages,,,,1',
    ]);
    expect(csv.out).toContain('response,process.responses[0],shells,nginxImages,"log, alert",1\r\n');
    const bad = await runMain([...args, '--format', 'text']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--format takes ndjson, table, csv, not "text"/);
  });

  it('exits 2 on usage errors and 1 on a missing events file', () => {
    expect(d4c('policy', 'test', '--policy', policyFile).code).toBe(2);
    expect(d4c('policy', 'test', '--bogus').code).toBe(2);
    const r = d4c('policy', 'test', '--policy', policyFile, '--events', join(dir, 'missing.ndjson'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/missing\.ndjson: error: cannot read: ENOENT/);
  });
});

describe('d4c policy test on network, read and drift documents', () => {
  const policyFile = join(dir, 'net-policy.yaml');
  writeFileSync(
    policyFile,
    `network:
  selectors:
    - name: metadata
      operation: [connect]
      destinationAddress: [169.254.169.254, "fd00:ec2::254"]
    - name: internal
      destinationAddress: [10.0.0.0/8]
      destinationPort: [443, "8000-8080"]
      transport: [tcp]
    - name: runtimeSocket
      destinationAddress: [/run/containerd/**, /var/run/docker.sock]
    - name: listeners
      operation: [listen, bind]
      processDrift: true
  responses:
    - match: [metadata, runtimeSocket]
      actions: [alert]
    - match: [internal]
      actions: [log]
    - match: [listeners]
      actions: [alert]
file:
  selectors:
    - name: tokens
      operation: [readFile]
      targetFilePath: [/var/run/secrets/kubernetes.io/serviceaccount/*]
  responses:
    - match: [tokens]
      actions: [alert]
process:
  selectors:
    - name: drift
      operation: [exec]
      processDrift: true
  responses:
    - match: [drift]
      actions: [alert]
`,
  );
  const net = (
    action: string,
    destination: Record<string, unknown>,
    extra: Record<string, unknown> = {},
  ) => ({
    event: { kind: 'event', category: ['network'], action },
    destination,
    network: { transport: destination.port === undefined ? 'unix' : 'tcp' },
    process: { name: 'curl', executable: '/usr/bin/curl' },
    ...extra,
  });
  const DOCS = [
    net('connection_attempted', { ip: '169.254.169.254', address: '169.254.169.254', port: 80 }),
    net('connection_attempted', { ip: '10.88.0.1', address: '10.88.0.1', port: 8080 }),
    net('connection_accepted', { ip: '::ffff:10.88.0.1', port: 443 }),
    net('connection_attempted', { ip: '10.88.0.1', port: 22 }),
    net('connection_attempted', { address: '/run/containerd/containerd.sock' }),
    net('listen', { ip: '0.0.0.0', port: 4444 }, { 'process.drift': true }),
    net('listen', { ip: '0.0.0.0', port: 4444 }, { 'process.drift': false }),
    {
      'event.category': 'file',
      'event.action': 'open',
      'event.type': 'access',
      'file.path': '/var/run/secrets/kubernetes.io/serviceaccount/token',
    },
    {
      'event.category': 'file',
      'event.action': 'open',
      'event.type': 'access',
      'file.path': '/etc/hostname',
    },
    { event: { category: 'process', action: 'exec' }, process: { name: 'miner', drift: true } },
    { event: { category: 'network', action: 'dns' } },
  ];
  const eventsFile = join(dir, 'net.ndjson');
  writeFileSync(eventsFile, `${DOCS.map((e) => JSON.stringify(e)).join('\n')}\n`);

  it('decides each document like the reference interpreter', () => {
    const r = d4c('policy', 'test', '--policy', policyFile, '--events', eventsFile);
    expect(r.code).toBe(0);
    const lines = r.out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([
      { actions: ['alert'], matched_selectors: ['metadata'] },
      { actions: ['log'], matched_selectors: ['internal'] },
      { actions: ['log'], matched_selectors: ['internal'] },
      { actions: [], matched_selectors: [] },
      { actions: ['alert'], matched_selectors: ['runtimeSocket'] },
      { actions: ['alert'], matched_selectors: ['listeners'] },
      { actions: [], matched_selectors: [] },
      { actions: ['alert'], matched_selectors: ['tokens'] },
      { actions: [], matched_selectors: [] },
      { actions: ['alert'], matched_selectors: ['drift'] },
      { actions: [], matched_selectors: [] },
    ]);
    const { policy } = parsePolicy(readFileSync(policyFile, 'utf8'), 'p.yaml');
    DOCS.forEach((doc, i) => {
      const ev = policyEventFromEcs(doc).event;
      const ref = ev && policy ? interpret(policy, ev) : { actions: [], matchedSelectors: [] };
      expect(lines[i]).toEqual({ actions: [...ref.actions].sort(), matched_selectors: ref.matchedSelectors });
    });
    expect(r.err).toMatch(/^ +2 {2}network\.internal$/m);
    expect(r.err).toMatch(/^ +1 {2}file\.responses\[0\] \(match: tokens\)$/m);
    expect(r.err).toMatch(/11 lines, 10 evaluated, 1 not process\/file\/network events/);
  });

  it('refuses a network block and a read without a path, with positions and codes', () => {
    const f = join(dir, 'bad-net.yaml');
    writeFileSync(
      f,
      'network:\n  selectors:\n    - name: ssh\n      destinationPort: [22]\n  responses:\n    - match: [ssh]\n      actions: [alert, block]\nfile:\n  selectors:\n    - name: r\n      operation: [readFile]\n  responses:\n    - match: [r]\n      actions: [log]\n',
    );
    const r = d4c('policy', 'validate', '--codes', f);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      `${f}:7:24: error: network response #1: "block" on network operations is not supported (accept, listen): nothing can deny them on this kernel; use "alert" [D4C-POL-043]`,
    );
    expect(r.err).toContain(
      `${f}:11:19: error: selector "r": "readFile" needs "targetFilePath" in the same selector: reads are watched in the kernel only below the paths selectors name [D4C-POL-039]`,
    );
  });
});
