// The grouped replay (replay-store.ts) against the reference (every event through Replay.add),
// on a real DuckDB store of odd documents: explicit and invalid operations, one-element lists,
// wrong types, empty strings, dotted keys, duplicates in either order, detections (and an
// explicit null detection), no event.id, unix sockets, string ports, labels with non-strings,
// events outside the window. The whole report must be equal, samples included, for policies
// that read every condition and for ones that read almost nothing (projection pushdown).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EcsDoc } from '../output/index.js';
import { DEFAULT_POLICY, LEARNING_POLICY, parsePolicy } from '../policy/index.js';
import { EventStore } from '../store/index.js';
import { sampleDocs } from '../store/sample-docs.fixture.js';
import { Replay } from './replay.js';
import { policyFields, replaySource } from './replay-store.js';
import { openEvents, type StoredEvent, type Window } from './source.js';

const root = mkdtempSync(join(tmpdir(), 'd4c-replay-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const dir = join(root, 'store');
const T0 = Date.UTC(2026, 0, 1);

const EVERY_CONDITION = `process:
  selectors:
    - name: shells
      operation: [exec, fork]
      processExecutable: [/bin/sh, /usr/bin/*]
      sessionLeaderInteractive: true
      containerImageFullName: [docker.io/library/nginx, ghcr.io/acme/api]
      containerImageTag: [latest, '1.2']
      kubernetesNamespace: [default, web]
      kubernetesPodName: [web-*]
      kubernetesPodLabel: ['app:web']
      kubernetesClusterId: [c1]
      kubernetesClusterName: [prod]
    - name: drift
      processDrift: true
    - name: alpine
      containerImageName: [alpine]
    - name: names
      processName: [sh, curl, '5']
  responses:
    - match: [shells, drift]
      exclude: [alpine]
      actions: [alert]
    - match: [alpine, names]
      actions: [log]
file:
  selectors:
    - name: etc
      operation: [modifyFile, createFile, createExecutable, modifyExecutable, deleteFile]
      targetFilePath: [/etc/**, /tmp/*]
      ignoreVolumeMounts: true
    - name: exe
      operation: [createExecutable, modifyExecutable]
  responses:
    - match: [etc]
      actions: [alert, block]
    - match: [exe]
      actions: [alert]
network:
  selectors:
    - name: out
      operation: [connect]
      destinationAddress: [10.0.0.0/8, /run/docker.sock]
      destinationPort: ['443', 8000-8080]
      transport: [tcp, unix]
    - name: any
      operation: [connect, accept, bind, listen]
  responses:
    - match: [out]
      actions: [alert]
    - match: [any]
      exclude: [out]
      actions: [log]
`;

/** Odd documents on top of the sample ones. */
function oddDocs(): { doc: EcsDoc; stream: string }[] {
  const t = (i: number) => new Date(T0 + 5_000_000 + i * 1000).toISOString();
  const P = 'logs-cloud_defend.process-default';
  const F = 'logs-cloud_defend.file-default';
  const N = 'logs-cloud_defend.network-default';
  const A = 'logs-cloud_defend.alerts-default';
  const proc = (i: number, extra: Record<string, unknown> = {}): EcsDoc => ({
    '@timestamp': t(i),
    event: { id: `odd-${i}`, kind: 'event', category: ['process'], action: 'exec', type: ['start'] },
    process: { executable: '/bin/sh', name: 'sh', session_leader: { interactive: true } },
    container: { id: 'c'.repeat(64), image: { name: 'docker.io/library/nginx:1.2' } },
    orchestrator: {
      namespace: 'web',
      resource: { name: 'web-7d9-x', label: ['app:web', 7, null] },
      cluster: { id: 'c1', name: 'prod' },
    },
    ...extra,
  });
  const out: { doc: EcsDoc; stream: string }[] = [];
  out.push({ doc: proc(1), stream: P });
  // Its alert copy, and a copy that comes first in the alerts stream for another id.
  out.push({ doc: proc(1), stream: A });
  out.push({ doc: proc(2), stream: A });
  out.push({ doc: proc(2), stream: P });
  // An explicit operation overriding the action; an invalid one (derived from the action).
  out.push({ doc: proc(3, { cloud_defend: { operation: 'fork' } }), stream: P });
  out.push({ doc: proc(4, { cloud_defend: { operation: 'bogus' } }), stream: P });
  // Wrong types and empties: a number name, an empty executable, a string boolean.
  out.push({
    doc: proc(5, { process: { executable: '', name: 5, session_leader: { interactive: 'true' } } }),
    stream: P,
  });
  // Drift; dotted keys; no event.id (twice: both count).
  out.push({ doc: proc(6, { process: { executable: '/tmp/x', name: 'x', drift: true } }), stream: P });
  const dotted: EcsDoc = {
    '@timestamp': t(7),
    'event.category': 'process',
    'event.action': 'fork',
    'process.executable': '/usr/bin/curl',
    'process.name': 'curl',
    'container.image.name': 'ghcr.io/acme/api@sha256:' + 'a'.repeat(64),
  };
  out.push({ doc: dotted, stream: P });
  out.push({ doc: dotted, stream: P });
  // Detections: one real, one with an explicit null detection (an event's alert copy).
  out.push({ doc: proc(8, { cloud_defend: { detection: { rule_id: 'r' } } }), stream: A });
  out.push({ doc: proc(9, { cloud_defend: { detection: null } }), stream: A });
  // Files: executable modes in every spelling, volume mounts, a non-file type, a read.
  const file = (i: number, action: string, extra: Record<string, unknown> = {}): EcsDoc => ({
    '@timestamp': t(i),
    event: { id: `odd-${i}`, kind: 'event', category: ['file'], action, type: ['change'] },
    process: { executable: '/bin/sh', name: 'sh' },
    file: { path: `/etc/odd-${i}` },
    container: { id: 'c'.repeat(64), image: { name: 'docker.io/library/alpine' } },
    ...extra,
  });
  out.push({ doc: file(10, 'modification', { file: { path: '/etc/x', mode: '0755' } }), stream: F });
  out.push({ doc: file(11, 'creation', { file: { path: '/tmp/y', mode: 493 } }), stream: F });
  out.push({
    doc: file(12, 'creation', { file: { path: '/tmp/z', mode: '100644', type: 'dir' } }),
    stream: F,
  });
  out.push({ doc: file(13, 'modification', { cloud_defend: { mount: { type: 'volume' } } }), stream: F });
  out.push({
    doc: file(14, 'open', { event: { id: 'odd-14', category: ['file'], action: 'open', type: ['access'] } }),
    stream: F,
  });
  out.push({ doc: file(15, 'deletion', { file: { path: '/etc/ünïcode/ファイル' } }), stream: F });
  out.push({
    doc: file(16, 'rename', { event: { id: 'odd-16', category: ['file', 'process'], action: 'rename' } }),
    stream: F,
  });
  // A detection that shares its id with a later event: the detection goes, the event stays.
  out.push({
    doc: proc(19, {
      event: { id: 'odd-20', kind: 'alert', category: ['process'], action: 'exec' },
      cloud_defend: { detection: { rule_id: 'r2' } },
    }),
    stream: A,
  });
  // Network: ip, unix socket by family, a string port, an unknown action.
  const net = (i: number, extra: Record<string, unknown>): EcsDoc => ({
    '@timestamp': t(i),
    event: { id: `odd-${i}`, kind: 'event', category: ['network'], action: 'connection_attempted' },
    process: { executable: '/usr/bin/curl', name: 'curl' },
    ...extra,
  });
  out.push({
    doc: net(20, { destination: { ip: '10.1.2.3', port: 443 }, network: { transport: 'TCP' } }),
    stream: N,
  });
  out.push({
    doc: net(21, {
      destination: { address: '/run/docker.sock' },
      cloud_defend: { network: { family: 'unix' } },
    }),
    stream: N,
  });
  out.push({
    doc: net(22, { destination: { ip: '10.9.9.9', port: '8080' }, network: { transport: 'udp' } }),
    stream: N,
  });
  out.push({ doc: net(23, { event: { id: 'odd-23', category: ['network'], action: 'weird' } }), stream: N });
  out.push({
    doc: net(24, {
      event: { id: 'odd-24', category: ['network'], action: 'bind' },
      destination: { ip: '::1', port: 70000 },
    }),
    stream: N,
  });
  // Not a policy event: another category.
  out.push({ doc: { '@timestamp': t(30), event: { id: 'odd-30', category: ['host'] } }, stream: P });
  return out;
}

/**
 * The reference's input: every event of the window, read from the store once for the file (the
 * store does not change after beforeAll) and frozen, so that no report can change another's.
 */
const read = new Map<string, Promise<StoredEvent[]>>();
function eventsOf(w: Window): Promise<StoredEvent[]> {
  const key = JSON.stringify(w);
  let p = read.get(key);
  if (!p) {
    p = (async () => {
      const src = await openEvents(dir, w);
      const out: StoredEvent[] = [];
      try {
        for await (const ev of src.events()) out.push(deepFreeze(ev));
      } finally {
        await src.close();
      }
      return out;
    })();
    read.set(key, p);
  }
  return p;
}

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

async function report(policyText: string, fast: boolean, samples: number, w: Window = {}) {
  const policy = parsePolicy(policyText, 'p.yaml').policy;
  if (!policy) throw new Error('policy does not parse');
  const r = new Replay(policy, samples);
  if (fast) {
    const src = await openEvents(dir, w);
    try {
      await replaySource(src, r, policy);
    } finally {
      await src.close();
    }
  } else for (const ev of await eventsOf(w)) r.add(ev);
  return r.report('', w);
}

describe('the grouped replay', () => {
  beforeAll(async () => {
    const store = await EventStore.open({ dir });
    for (const s of sampleDocs(4000, { startMs: T0, stepMs: 1000, containers: 9 }))
      store.write(s.doc, s.stream);
    for (const s of oddDocs()) store.write(s.doc, s.stream);
    await store.close();
  }, 60_000);

  const cases: [string, string][] = [
    ['every condition', EVERY_CONDITION],
    ['the default policy', DEFAULT_POLICY],
    ['the learning policy', LEARNING_POLICY],
  ];
  for (const [name, text] of cases)
    it(`gives the reference's report for ${name}`, async () => {
      for (const samples of [0, 1, 3]) {
        const ref = await report(text, false, samples);
        expect(ref.totals.events).toBeGreaterThan(2000);
        expect(await report(text, true, samples)).toEqual(ref);
      }
      const w = { from: T0 + 1000 * 1000, to: T0 + 5_000_000 + 12_000 };
      const ref = await report(text, false, 2, w);
      expect(await report(text, true, 2, w)).toEqual(ref);
    }, 60_000);

  it('alerts and blocks on the odd documents as the reference does', async () => {
    const r = await report(EVERY_CONDITION, true, 5);
    // Not vacuous: the odd documents fire each kind of response.
    expect(r.totals.alert).toBeGreaterThan(0);
    expect(r.totals.block).toBeGreaterThan(0);
    const out = r.responses.find((x) => x.section === 'network' && x.index === 0);
    // 10.1.2.3:443/tcp only: the docker socket has no port, 10.9.9.9:8080 is udp.
    expect(out?.events).toBe(1);
  }, 30_000);

  it('reads only the fields the policy can look at', () => {
    const p = parsePolicy(DEFAULT_POLICY, 'd').policy;
    if (!p) throw new Error('no policy');
    const f = policyFields(p);
    expect(f.has('event.category')).toBe(true);
    expect(f.has('cloud_defend.operation')).toBe(true);
    const all = parsePolicy(EVERY_CONDITION, 'e').policy;
    if (!all) throw new Error('no policy');
    const g = policyFields(all);
    for (const x of ['file.path', 'destination.port', 'orchestrator.resource.label', 'process.drift'])
      expect(g.has(x)).toBe(true);
    expect([...f].every((x) => g.has(x))).toBe(true);
  });
});
