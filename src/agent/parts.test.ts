// Unit tests of the agent's adapters; the event path is tested in pipeline.test.ts (no root needed)
// and live in test/e2e.
import { describe, expect, it } from 'vitest';
import type { ContainerMeta } from '../container/index.js';
import { createEcsBuilder, sequentialEventIds } from '../ecs/index.js';
import type { Detection } from '../rules/index.js';
import type { ForkEvent } from '../sensor/index.js';
import { credentials, taskFacts } from './adapter.js';
import { ContainerContexts, mountKind } from './context.js';
import { detectionDoc } from './detections.js';

const ID = 'a'.repeat(64);

function meta(over: Partial<ContainerMeta> = {}): ContainerMeta {
  return { id: ID, sources: ['oci'], complete: true, ...over };
}

describe('agent adapters', () => {
  it('maps every sensor field onto TaskFacts', () => {
    const e: ForkEvent = {
      kind: 'fork',
      ts: 5,
      startTime: 7,
      parentStartTime: 3,
      tgid: 10,
      tid: 11,
      ppid: 9,
      pgid: 8,
      sid: 6,
      vpid: 1,
      uid: 1000,
      euid: 0,
      suid: 2,
      gid: 100,
      egid: 0,
      sgid: 3,
      capEffective: 1n,
      capPermitted: 3n,
      ttyMajor: 136,
      ttyMinor: 2,
      cgroupId: 42,
      cgroupPath: `/libpod_parent/libpod-${ID}`,
      pidns: 400,
      mntns: 500,
      comm: 'sh',
      truncated: false,
    };
    expect(taskFacts(e)).toEqual({
      tgid: 10,
      tid: 11,
      ppid: 9,
      pgid: 8,
      sid: 6,
      vpid: 1,
      startNs: 7,
      ruid: 1000,
      euid: 0,
      suid: 2,
      rgid: 100,
      egid: 0,
      sgid: 3,
      capEff: 1n,
      capPrm: 3n,
      ttyMajor: 136,
      ttyMinor: 2,
      cgroupId: 42,
      cgroupPath: `/libpod_parent/libpod-${ID}`,
      pidNsInum: 400,
      mntNsInum: 500,
      comm: 'sh',
    });
  });

  it('shares credential triples and refuses unknown ids', () => {
    expect(credentials(0, 0, 0)).toBe(credentials(0, 0, 0));
    expect(credentials(1, 2, 3)?.saved.id).toBe(3);
    expect(credentials(-1, -1, -1)).toBeUndefined();
  });

  it('builds a container context once per metadata state, pods with orchestrator fields', () => {
    const ctxs = new ContainerContexts({ name: 'lab' });
    const m = meta({
      name: 'web',
      runtime: 'podman',
      image: { name: 'docker.io/library/nginx', tag: '1.27', full: 'docker.io/library/nginx:1.27' },
      privileged: false,
    });
    const a = ctxs.of(m);
    expect(ctxs.of(m)).toBe(a);
    expect(a.container).toEqual({
      id: ID,
      name: 'web',
      runtime: 'podman',
      image: { name: 'docker.io/library/nginx', tag: '1.27' },
      privileged: false,
    });
    expect(a.orchestrator).toBeUndefined();
    m.sources.push('podman-api');
    expect(ctxs.of(m)).not.toBe(a);
    const pod = ctxs.of(
      meta({ pod: { uid: 'u', name: 'p', namespace: 'ns', labels: { app: 'x', 'pod-template-hash': 'h' } } }),
    );
    expect(pod.orchestrator).toMatchObject({
      clusterName: 'lab',
      namespace: 'ns',
      podName: 'p',
      podUid: 'u',
      parentType: 'ReplicaSet',
    });
    expect(ctxs.bare({ id: ID, runtime: 'podman', layout: 'cgroupfs' })).toEqual({
      container: { id: ID },
      complete: false,
    });
  });

  it('a cluster identity learnt later reaches contexts and documents built after it', () => {
    const ctxs = new ContainerContexts({ name: 'flag-name' });
    const m = meta({ pod: { uid: 'u', name: 'p', namespace: 'ns' } });
    const before = ctxs.of(m);
    expect(before.orchestrator).toMatchObject({ clusterName: 'flag-name' });
    expect(before.orchestrator?.clusterId).toBeUndefined();
    ctxs.setCluster({ id: 'uid-1', name: 'flag-name' });
    const after = ctxs.of(m);
    expect(after).not.toBe(before);
    expect(after.orchestrator).toMatchObject({ clusterId: 'uid-1', clusterName: 'flag-name' });
    expect(ctxs.of(m)).toBe(after);
    ctxs.setCluster({ id: 'uid-1', name: 'flag-name' });
    expect(ctxs.of(m)).toBe(after);

    const b = createEcsBuilder({
      agent: { id: 'agent', version: '0' },
      host: { name: 'h', hostname: 'h', bootTimeNs: 0n },
      eventIds: sequentialEventIds('e'),
    });
    const input = { process: { pid: 1, entityId: 'x' }, policy: { actions: ['log'] as const } };
    expect(b.processExecDoc(input).cloud).toBeUndefined();
    b.setCloud({ provider: 'gcp', region: 'europe-west1' });
    expect(b.processExecDoc(input).cloud).toEqual({ provider: 'gcp', region: 'europe-west1' });
    expect(b.heartbeatDoc({ blockActionEnabled: false }).cloud).toEqual({
      provider: 'gcp',
      region: 'europe-west1',
    });
  });

  it('finds the mount a path sits on, longest destination first', () => {
    const m = meta({
      mounts: [
        { destination: '/data', source: '/v', type: 'volume', readOnly: false, target: 'directory' },
        { destination: '/data/conf.yaml', source: '/f', type: 'bind', readOnly: true, target: 'file' },
        { destination: '/run', source: 'tmpfs', type: 'tmpfs', readOnly: false, target: 'directory' },
      ],
    });
    expect(mountKind(m, '/data/x')).toBe('volume');
    expect(mountKind(m, '/data')).toBe('volume');
    expect(mountKind(m, '/data/conf.yaml')).toBe('file');
    expect(mountKind(m, '/database')).toBeUndefined();
    expect(mountKind(m, '/run/x')).toBeUndefined();
    expect(mountKind(undefined, '/data/x')).toBeUndefined();
  });

  it('finds a /var/run mount by its /run spelling and the other way round', () => {
    const sa = '/var/run/secrets/kubernetes.io/serviceaccount';
    const m = meta({
      mounts: [
        {
          destination: sa,
          source: '/k/volumes/kubernetes.io~projected/x',
          type: 'volume',
          readOnly: true,
          target: 'file',
        },
        { destination: '/run/data', source: '/v', type: 'volume', readOnly: false, target: 'directory' },
      ],
    });
    expect(mountKind(m, `${sa}/..2026_11_28_05_00_00.1/token`)).toBe('file');
    expect(mountKind(m, '/run/secrets/kubernetes.io/serviceaccount/token')).toBe('file');
    expect(mountKind(m, '/var/run/data/x')).toBe('volume');
    expect(mountKind(m, '/var/runner/x')).toBeUndefined();
  });

  it('turns a detection into an alerts-stream document with rule, threat and event ids', () => {
    const b = createEcsBuilder({
      agent: { id: 'agent', version: '0' },
      host: { name: 'h', hostname: 'h', bootTimeNs: 0n },
      eventIds: sequentialEventIds('e'),
    });
    const ev = b.processExecDoc({ process: { pid: 1, entityId: 'x' }, policy: { actions: ['log'] } });
    const d: Detection = {
      rule: {
        id: 'r1',
        name: 'Rule',
        description: 'd',
        severity: 'high',
        riskScore: 73,
        type: 'eql',
        language: 'eql',
        query: 'q',
        index: [],
        tags: ['t'],
        threat: [
          {
            framework: 'MITRE ATT&CK',
            tactic: {
              id: 'TA0002',
              name: 'Execution',
              reference: 'https://attack.mitre.org/tactics/TA0002/',
            },
            techniques: [
              { id: 'T1059', name: 'Cmd', subtechniques: [{ id: 'T1059.004', name: 'Unix Shell' }] },
            ],
          },
        ],
        falsePositives: [],
        exceptionsList: [],
        enabled: true,
        buildingBlock: false,
        file: 'r.toml',
        queryPos: { line: 1, col: 1 },
      },
      events: ['e-1'],
      ts: 0,
    };
    // biome-ignore lint/suspicious/noExplicitAny: reading the JSON shape
    const doc: any = detectionDoc(d, ev, b.fragments.streams.alerts, sequentialEventIds('a'));
    expect(doc.event).toMatchObject({
      id: 'a-1',
      kind: 'alert',
      dataset: 'cloud_defend.alerts',
      severity: 73,
    });
    expect(doc.data_stream.dataset).toBe('cloud_defend.alerts');
    expect(doc.rule).toMatchObject({ id: 'r1', name: 'Rule', severity: 'high' });
    expect(doc.threat[0].technique.subtechnique.id).toEqual(['T1059.004']);
    expect(doc.cloud_defend.detection.event_ids).toEqual(['e-1']);
    // The event document itself is untouched.
    expect(ev.event.kind).toBe('event');
    expect(ev.data_stream.dataset).toBe('cloud_defend.process');
  });
});
