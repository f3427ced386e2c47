import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runs } from '../util/runs.fixture.js';
import { compilePolicy } from './compile.js';
import { ecsField, modeIsExecutable, policyEventFromEcs } from './from-ecs.js';
import { interpret } from './interpret.js';
import { buildPolicy } from './policy-builder.js';

const FUZZ_POLICY = buildPolicy({
  process: {
    selectors: [
      { name: 'drift', processDrift: true },
      { name: 'exec', operation: ['exec'] },
    ],
    responses: [{ match: ['drift', 'exec'], actions: ['alert'] }],
  },
  file: {
    selectors: [
      { name: 'reads', operation: ['readFile'], targetFilePath: ['/**'] },
      { name: 'any', processDrift: false },
    ],
    responses: [{ match: ['reads', 'any'], actions: ['log'] }],
  },
  network: {
    selectors: [
      { name: 'ten', destinationAddress: ['10.0.0.0/8', '/run/*'] },
      { name: 'https', destinationPort: ['443'], transport: ['tcp'] },
    ],
    responses: [{ match: ['ten', 'https'], actions: ['log'] }],
  },
});
const FUZZ_COMPILED = compilePolicy(FUZZ_POLICY);

const NESTED_EXEC = {
  '@timestamp': '2026-01-01T00:00:00Z',
  event: { category: ['process'], action: 'exec', type: ['start'], kind: 'event' },
  process: {
    name: 'curl',
    executable: '/usr/bin/curl',
    session_leader: { interactive: true, name: 'bash' },
  },
  container: { id: 'a'.repeat(64), image: { name: 'nginx', tag: '1.25' } },
  orchestrator: {
    cluster: { id: 'uid-1', name: 'prod' },
    namespace: 'default',
    resource: { name: 'web-1', type: 'pod', label: ['app:web', 'tier:'] },
  },
};

const WANT_EXEC = {
  section: 'process',
  operation: 'exec',
  processExecutable: '/usr/bin/curl',
  processName: 'curl',
  sessionLeaderInteractive: true,
  containerImageFullName: 'docker.io/library/nginx',
  containerImageTag: '1.25',
  kubernetesClusterId: 'uid-1',
  kubernetesClusterName: 'prod',
  kubernetesNamespace: 'default',
  kubernetesPodName: 'web-1',
  kubernetesPodLabels: ['app:web', 'tier:'],
};

/** The same document with every leaf under a fully dotted key. */
function flatten(obj: Record<string, unknown>, prefix = '', out: Record<string, unknown> = {}) {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'object' && v !== null && !Array.isArray(v))
      flatten(v as Record<string, unknown>, key, out);
    else out[key] = v;
  }
  return out;
}

describe('policyEventFromEcs', () => {
  it('reads nested documents', () => {
    expect(policyEventFromEcs(NESTED_EXEC)).toEqual({ event: WANT_EXEC });
  });
  it('reads dotted documents', () => {
    expect(policyEventFromEcs(flatten(NESTED_EXEC))).toEqual({ event: WANT_EXEC });
  });
  it('reads mixed documents', () => {
    const mixed = {
      'event.category': 'process',
      event: { action: 'exec' },
      'process.session_leader': { interactive: true },
      process: { name: 'curl', executable: '/usr/bin/curl' },
      'container.image': { name: 'nginx', tag: '1.25' },
      orchestrator: {
        'cluster.id': 'uid-1',
        cluster: { name: 'prod' },
        namespace: 'default',
        'resource.name': 'web-1',
        resource: { label: ['app:web', 'tier:'] },
      },
    };
    expect(policyEventFromEcs(mixed)).toEqual({ event: WANT_EXEC });
  });
  it("unwraps Elasticsearch's one-element arrays", () => {
    expect(
      policyEventFromEcs({
        'event.category': ['process'],
        'event.action': ['fork'],
        'process.name': ['sh'],
        'process.session_leader.interactive': [false],
      }),
    ).toEqual({
      event: { section: 'process', operation: 'fork', processName: 'sh', sessionLeaderInteractive: false },
    });
  });
  it('prefers cloud_defend.operation', () => {
    const r = policyEventFromEcs({ ...NESTED_EXEC, cloud_defend: { operation: 'fork' } });
    expect(r.event?.operation).toBe('fork');
    // An operation of the other section is ignored; event.action decides.
    const r2 = policyEventFromEcs({ ...NESTED_EXEC, cloud_defend: { operation: 'createFile' } });
    expect(r2.event?.operation).toBe('exec');
  });
  it('takes the tag from the image reference when container.image.tag is absent', () => {
    const r = policyEventFromEcs({
      'event.category': 'process',
      'event.action': 'exec',
      'container.image.name': 'gcr.io/p/app:v2',
    });
    expect(r.event).toMatchObject({ containerImageFullName: 'gcr.io/p/app', containerImageTag: 'v2' });
  });

  const file = (extra: Record<string, unknown>) =>
    policyEventFromEcs({ 'event.category': ['file'], 'file.path': '/usr/local/bin/x', ...extra });

  it.each([
    [{ 'cloud_defend.operation': 'modifyFile', 'event.action': 'creation' }, 'modifyFile'],
    [{ 'event.action': 'creation', 'file.mode': '0755' }, 'createExecutable'],
    [{ 'event.action': 'creation', 'file.mode': '100744' }, 'createExecutable'],
    [{ 'event.action': 'creation', 'file.mode': '0644' }, 'createFile'],
    [{ 'event.action': 'creation' }, 'createFile'],
    [{ 'event.action': 'creation', 'file.mode': 0o755 }, 'createExecutable'],
    [{ 'event.action': 'creation', 'file.mode': '0755', 'file.type': 'dir' }, 'createFile'],
    [{ 'event.action': 'creation', 'file.mode': 'rwxr-xr-x' }, 'createFile'],
    [{ 'event.action': 'link', 'file.mode': '0700' }, 'createExecutable'],
    [{ 'event.action': 'modification', 'file.mode': '0755' }, 'modifyExecutable'],
    [{ 'event.action': 'open', 'file.mode': '0600' }, 'modifyFile'],
    [{ 'event.action': 'open', 'event.type': ['access'] }, 'readFile'],
    [{ 'event.action': 'open', 'event.type': 'access', 'file.mode': '0755' }, 'readFile'],
    [{ 'event.action': 'open', 'event.type': ['access', 'change'] }, 'modifyFile'],
    [{ 'event.action': 'modification', 'event.type': ['access'] }, 'modifyFile'],
    [{ 'cloud_defend.operation': 'readFile', 'event.action': 'open' }, 'readFile'],
    [{ 'event.action': 'rename', 'file.mode': '0750' }, 'modifyExecutable'],
    [{ 'event.action': 'deletion', 'file.mode': '0755' }, 'deleteFile'],
    [{ 'event.type': ['denied', 'creation'] }, 'createFile'],
    [{ 'event.type': 'change', 'file.mode': '0001' }, 'modifyExecutable'],
    [{ 'event.type': ['deletion'] }, 'deleteFile'],
  ])('derives the file operation from %j', (extra, op) => {
    expect(file(extra).event?.operation).toBe(op);
  });

  it('reads mount kinds for file events', () => {
    expect(file({ 'event.action': 'open', 'cloud_defend.mount.type': 'file' }).event?.mount).toBe('file');
    expect(file({ 'event.action': 'open', cloud_defend: { mount: { type: 'volume' } } }).event?.mount).toBe(
      'volume',
    );
    expect(
      file({ 'event.action': 'open', 'cloud_defend.mount.type': 'rootfs' }).event?.mount,
    ).toBeUndefined();
    expect(file({ 'event.action': 'open' }).event?.filePath).toBe('/usr/local/bin/x');
  });

  it.each([
    [null, 'not a JSON object'],
    [[1, 2], 'not a JSON object'],
    ['str', 'not a JSON object'],
    [{}, 'event.category is neither process, file nor network'],
    [{ event: { category: 'authentication' } }, 'event.category is neither process, file nor network'],
    [{ event: { category: 'network' } }, 'network event has no cloud_defend.operation and no event.action'],
    [
      { event: { category: 'network', action: 'dns' } },
      'network event.action "dns" is not connection_attempted, connection_accepted, bind, listen or lookup_result',
    ],
    [{ event: { category: 'process', action: 'end' } }, 'process event.action "end" is not fork or exec'],
    [{ event: { category: 'process' } }, 'process event has no cloud_defend.operation and no event.action'],
    [
      { event: { category: 'file', action: 'read' } },
      'file event has no cloud_defend.operation and no known event.action/event.type',
    ],
  ])('explains why %j is not a policy event', (doc, reason) => {
    expect(policyEventFromEcs(doc)).toEqual({ event: undefined, reason });
  });

  it('treats fields of the wrong type as unknown', () => {
    const r = policyEventFromEcs({
      event: { category: 'process', action: 'exec' },
      process: { name: 42, executable: ['/a', '/b'], session_leader: { interactive: 'true' } },
      container: { image: { name: { x: 1 }, tag: true } },
      orchestrator: { namespace: '', resource: { name: null, label: ['a:b', 3, null] } },
    });
    expect(r).toEqual({ event: { section: 'process', operation: 'exec', kubernetesPodLabels: ['a:b'] } });
  });

  it('never throws on random JSON', () => {
    const keys = fc.constantFrom(
      'event',
      'event.category',
      'category',
      'action',
      'process',
      'file',
      'file.mode',
      'path',
      'name',
      'orchestrator.resource',
      'label',
      'destination',
      'destination.port',
      'port',
      'ip',
      'address',
      'network.transport',
      'transport',
      'type',
      'drift',
      'process.drift',
      '__proto__',
      'constructor',
    );
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.constantFrom(
          'process',
          'file',
          'network',
          'exec',
          'creation',
          '0755',
          '',
          'fork',
          'open',
          'access',
          'connection_attempted',
          'listen',
          'tcp',
          'unix',
          '10.1.2.3',
          '::ffff:10.1.2.3',
          '/run/x.sock',
          '1::2::3',
          443,
          true,
        ),
        fc.jsonValue(),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(keys, tie('value'), { maxKeys: 5 }),
      ),
    })).value;
    fc.assert(
      fc.property(json, (doc) => {
        const r = policyEventFromEcs(doc);
        expect(r.event !== undefined || typeof r.reason === 'string').toBe(true);
        // Whatever comes out, both evaluators take it and agree.
        if (r.event) expect(FUZZ_COMPILED.decide(r.event)).toEqual(interpret(FUZZ_POLICY, r.event));
      }),
      { numRuns: runs(2000) },
    );
  });
});

describe('network and read documents', () => {
  const CONNECT_DOC = {
    event: {
      kind: 'event',
      category: ['network'],
      action: 'connection_attempted',
      type: ['connection', 'start'],
    },
    source: { ip: '10.88.0.5', port: 40000, address: '10.88.0.5' },
    destination: { ip: '10.88.0.1', port: 8080, address: '10.88.0.1' },
    network: { transport: 'tcp', type: 'ipv4', direction: 'egress' },
    process: { name: 'curl', executable: '/usr/bin/curl', drift: true },
    container: { image: { name: 'docker.io/library/alpine:3.20' } },
    orchestrator: { namespace: 'prod' },
  };

  it('maps a connect document', () => {
    expect(policyEventFromEcs(CONNECT_DOC).event).toEqual({
      section: 'network',
      operation: 'connect',
      destinationAddress: '10.88.0.1',
      destinationIp: '10.88.0.1',
      destinationPort: 8080,
      transport: 'tcp',
      processDrift: true,
      processExecutable: '/usr/bin/curl',
      processName: 'curl',
      containerImageFullName: 'docker.io/library/alpine',
      containerImageTag: '3.20',
      kubernetesNamespace: 'prod',
    });
    expect(policyEventFromEcs(flatten(CONNECT_DOC)).event).toEqual(policyEventFromEcs(CONNECT_DOC).event);
  });

  it.each([
    ['connection_attempted', 'connect'],
    ['connection_accepted', 'accept'],
    ['bind', 'bind'],
    ['listen', 'listen'],
  ])('event.action %s is %s', (action, op) => {
    expect(
      policyEventFromEcs({ ...CONNECT_DOC, event: { category: 'network', action } }).event?.operation,
    ).toBe(op);
  });

  it('prefers cloud_defend.operation, maps unix sockets and odd values to unknown', () => {
    const ev = policyEventFromEcs({
      'event.category': 'network',
      'event.action': 'connection_attempted',
      'cloud_defend.operation': 'bind',
      'destination.address': '/run/containerd/containerd.sock',
      'network.transport': 'UNIX',
      'destination.port': 'x',
      'process.drift': 'yes',
    }).event;
    expect(ev).toEqual({
      section: 'network',
      operation: 'bind',
      destinationAddress: '/run/containerd/containerd.sock',
      transport: 'unix',
    });
    // d4c's own documents: no ECS transport for a unix socket, the family says it.
    const fromFamily = policyEventFromEcs({
      event: { category: 'network', action: 'connection_attempted' },
      destination: { address: '/var/run/docker.sock' },
      network: { direction: 'egress' },
      cloud_defend: { network: { family: 'unix' } },
    }).event;
    expect(fromFamily?.transport).toBe('unix');
    for (const port of [70000, -1, 1.5, '08080x', true]) {
      expect(
        policyEventFromEcs({ ...CONNECT_DOC, destination: { port } }).event?.destinationPort,
      ).toBeUndefined();
    }
    expect(policyEventFromEcs({ ...CONNECT_DOC, destination: { port: '443' } }).event?.destinationPort).toBe(
      443,
    );
    expect(
      policyEventFromEcs({ ...CONNECT_DOC, network: { transport: 'sctp' } }).event?.transport,
    ).toBeUndefined();
  });

  it('takes destination.ip as the address when destination.address is absent', () => {
    const ev = policyEventFromEcs({ ...CONNECT_DOC, destination: { ip: 'fd00::1', port: 53 } }).event;
    expect(ev).toMatchObject({
      destinationAddress: 'fd00::1',
      destinationIp: 'fd00::1',
      destinationPort: 53,
    });
  });

  it('maps a read document and drift on process documents', () => {
    const read = policyEventFromEcs({
      event: { category: ['file'], action: 'open', type: ['access'] },
      file: { path: '/var/run/secrets/kubernetes.io/serviceaccount/token' },
      process: { name: 'cat', drift: false },
    }).event;
    expect(read).toEqual({
      section: 'file',
      operation: 'readFile',
      filePath: '/var/run/secrets/kubernetes.io/serviceaccount/token',
      processName: 'cat',
      processDrift: false,
    });
    const exec = policyEventFromEcs({
      ...NESTED_EXEC,
      process: { ...NESTED_EXEC.process, drift: true },
    }).event;
    expect(exec).toEqual({ ...WANT_EXEC, processDrift: true });
  });
});

describe('ecsField', () => {
  it('finds every split of a dotted path, longest key first', () => {
    expect(ecsField({ 'a.b.c': 1 }, 'a.b.c')).toBe(1);
    expect(ecsField({ a: { 'b.c': 2 } }, 'a.b.c')).toBe(2);
    expect(ecsField({ 'a.b': { c: 3 } }, 'a.b.c')).toBe(3);
    expect(ecsField({ a: { b: { c: 4 } } }, 'a.b.c')).toBe(4);
    expect(ecsField({ 'a.b': { x: 1 }, a: { b: { c: 5 } } }, 'a.b.c')).toBe(5);
    expect(ecsField({ a: 1 }, 'a.b')).toBeUndefined();
    expect(ecsField({}, 'constructor')).toBeUndefined();
  });
  it('modeIsExecutable', () => {
    expect(modeIsExecutable('0755')).toBe(true);
    expect(modeIsExecutable('0644')).toBe(false);
    expect(modeIsExecutable(['0710'])).toBe(true);
    expect(modeIsExecutable(-1)).toBe(false);
    expect(modeIsExecutable('99')).toBe(false);
  });
});
