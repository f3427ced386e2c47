// The learned policy without a kernel: path generalisation, and writeBaseline over documents of
// several workloads — the YAML validates, replaying the learning documents through it (the
// compiled evaluator) gives no alert and no block, and a new executable, path or destination in
// a workload alerts naming that workload's selector. Workloads with too little history are left
// out and listed.
import { describe, expect, it } from 'vitest';
import {
  compilePolicy,
  DEFAULT_ENFORCEMENT_CAPS,
  parsePolicy,
  policyEventFromEcs,
  withConnectBlock,
} from '../policy/index.js';
import { Learner } from './learn.js';
import { generalise, type PathEvidence } from './paths.js';
import { Replay } from './replay.js';
import { podOwner, workloadOf } from './workload.js';
import { writeBaseline } from './write.js';

const E = (events = 1, first = 0, last = 0): PathEvidence => ({ events, first, last });
const pats = (paths: string[], min = 3) =>
  generalise(new Map(paths.map((p) => [p, E()])), min).map((g) => g.pattern);

describe('path generalisation', () => {
  it('keeps exact paths until a directory has enough distinct files', () => {
    expect(pats(['/var/log/a.log', '/var/log/b.log'])).toEqual(['/var/log/a.log', '/var/log/b.log']);
    expect(pats(['/var/log/a.log', '/var/log/b.log', '/var/log/c.log', '/etc/x'])).toEqual([
      '/etc/x',
      '/var/log/*',
    ]);
  });
  it('lifts to dir/** when enough subdirectories were each generalised', () => {
    const paths = ['a', 'b', 'c'].flatMap((d) => [1, 2, 3].map((i) => `/srv/data/${d}/f${i}`));
    expect(pats([...paths, '/srv/data/top'])).toEqual(['/srv/data/**']);
    // Two subdirectories are not enough: each stays dir/*.
    expect(pats(paths.slice(0, 6))).toEqual(['/srv/data/a/*', '/srv/data/b/*']);
  });
  it('never widens to the root or a top-level directory', () => {
    expect(pats(['/a', '/b', '/c', '/d'])).toEqual(['/a', '/b', '/c', '/d']);
    const top = ['x', 'y', 'z'].flatMap((d) => [1, 2, 3].map((i) => `/tmp/${d}/f${i}`));
    expect(pats(top)).toEqual(['/tmp/x/*', '/tmp/y/*', '/tmp/z/*']);
  });
  it('covers what the language cannot name by the nearest nameable directory, and sums evidence', () => {
    const long = `/data/${'x'.repeat(300)}`;
    const g = generalise(
      new Map([
        ['/data/we*ird', E(2, 10, 20)],
        [long, E(1, 5, 5)],
        ['/data/ok', E(1, 30, 30)],
      ]),
    );
    expect(g.map((x) => x.pattern)).toEqual(['/data/*']);
    expect(g[0]?.evidence).toEqual({ events: 4, first: 5, last: 30 });
    expect(g[0]?.paths).toBe(3);
  });
});

describe('workloads', () => {
  it('recovers the owner behind a pod from its name and owner kind', () => {
    expect(podOwner('web-7d9f8c6b5-x2k4q', 'ReplicaSet')).toEqual({ owner: 'web', kind: 'Deployment' });
    expect(podOwner('db-0', 'StatefulSet')).toEqual({ owner: 'db', kind: 'StatefulSet' });
    expect(podOwner('solo', undefined)).toBeUndefined();
    const ev = {
      'orchestrator.namespace': 'shop',
      'orchestrator.resource.name': 'api-5f6d-abcde',
      'orchestrator.resource.parent.type': 'ReplicaSet',
      'container.image.name': 'ghcr.io/acme/api:1.2',
    };
    expect(workloadOf(ev)?.label).toBe('shop/Deployment/api');
    expect(workloadOf(ev, 'image')?.label).toBe('ghcr.io/acme/api');
    expect(workloadOf({ 'process.name': 'sshd' })).toBeUndefined();
  });
});

const T = Date.UTC(2026, 2, 1);
let n = 0;
function exec(image: string, exe: string, extra: Record<string, unknown> = {}) {
  return {
    '@timestamp': T + n++ * 1000,
    'event.id': `e${n}`,
    'event.category': ['process'],
    'event.action': 'exec',
    'process.executable': exe,
    'process.name': exe.slice(exe.lastIndexOf('/') + 1),
    'container.id': 'c'.repeat(64),
    'container.image.name': image,
    ...extra,
  };
}
function write(image: string, path: string) {
  return {
    ...exec(image, '/bin/sh'),
    'event.category': ['file'],
    'event.action': 'modification',
    'file.path': path,
  };
}
function connect(image: string, ip: string) {
  return {
    ...exec(image, '/usr/bin/curl'),
    'event.category': ['network'],
    'event.action': 'connection_attempted',
    'destination.ip': ip,
    'destination.port': 443,
    'network.transport': 'tcp',
  };
}
function pod(ev: Record<string, unknown>) {
  return {
    ...ev,
    'orchestrator.namespace': 'shop',
    'orchestrator.resource.name': 'api-5f6d-abcde',
    'orchestrator.resource.parent.type': 'ReplicaSet',
  };
}

describe('writeBaseline', () => {
  const learning = [
    ...Array.from({ length: 6 }, (_, i) => exec('nginx:1.25', i % 2 ? '/usr/sbin/nginx' : '/bin/sh')),
    ...Array.from({ length: 8 }, (_, i) => write('nginx:1.25', `/var/cache/nginx/c${i % 4}`)),
    ...Array.from({ length: 5 }, () => connect('nginx:1.25', '10.0.0.7')),
    ...Array.from({ length: 12 }, (_, i) => pod(exec('ghcr.io/acme/api', i % 3 ? '/app/api' : '/bin/true'))),
    pod(write('ghcr.io/acme/api', '/tmp/api.sock')),
    ...Array.from({ length: 3 }, () => exec('docker.io/library/redis', '/usr/local/bin/redis-server')),
  ];
  const learner = new Learner();
  for (const ev of learning) learner.add(ev);

  for (const mode of ['alert', 'block'] as const)
    it(`writes a valid policy (${mode}) that is silent over its own history and alerts on deviations`, () => {
      const b = writeBaseline([...learner.workloads.values()], { mode, source: 'test', window: {} });
      const parsed = parsePolicy(b.yaml, 'baseline.yaml', {
        enforcementCaps: withConnectBlock(DEFAULT_ENFORCEMENT_CAPS),
      });
      expect(parsed.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect(parsed.policy).toBeDefined();
      const policy = parsed.policy!;
      expect(b.workloads.map((w) => w.workload).sort()).toEqual([
        'docker.io/library/nginx',
        'shop/Deployment/api',
      ]);
      expect(b.leftOut).toEqual([
        expect.objectContaining({
          workload: 'docker.io/library/redis',
          events: 3,
          reason: expect.stringMatching(/too little history/),
        }),
      ]);
      expect(b.yaml).toMatch(
        /# Left out, not guessed \(1\):\n# {3}docker\.io\/library\/redis: too little history/,
      );
      // Evidence on every learned value; the cache directory generalised.
      expect(b.yaml).toMatch(/- \/var\/cache\/nginx\/\* {2}# 4 paths, 8 writes, first 2026-03-01T/);
      expect(b.yaml).toMatch(/- \/usr\/sbin\/nginx {2}# 3 execs, first /);
      expect(b.yaml).toMatch(/kubernetesPodName: \[api-\*\]/);

      const replay = new Replay(policy, 1);
      for (const ev of learning) replay.add(ev);
      const r = replay.report('test', {});
      expect(r.totals.alert).toBe(0);
      expect(r.totals.block).toBe(0);
      expect(r.totals.events).toBe(learning.length);

      const decide = (ev: Record<string, unknown>) => {
        const pe = policyEventFromEcs(ev).event;
        if (!pe) throw new Error('not a policy event');
        return compilePolicy(policy).decide(pe);
      };
      const want = mode === 'block' ? ['alert', 'block'] : ['alert'];
      const newExec = decide(exec('nginx:1.25', '/usr/bin/wget'));
      expect(newExec.actions).toEqual(expect.arrayContaining(want));
      expect(newExec.matchedSelectors).toContain('nginx');
      expect(newExec.matchedSelectors).not.toContain('nginx-execs');
      const newPath = decide(pod(write('ghcr.io/acme/api', '/etc/passwd')));
      expect(newPath.actions).toEqual(expect.arrayContaining(want));
      expect(newPath.matchedSelectors).toEqual(['shop-api-writes']);
      const newDest = decide(connect('nginx:1.25', '192.0.2.1'));
      // Alert only, also in block mode: the connect filter cannot tell workloads apart.
      expect(newDest.actions).toEqual(['alert']);
      expect(newDest.matchedSelectors).toEqual(['nginx-connects']);
      // Learned behaviour in another workload's scope is still a deviation there.
      expect(decide(pod(exec('ghcr.io/acme/api', '/usr/sbin/nginx'))).actions).toContain('alert');
      // A workload left out is not judged.
      expect(decide(exec('docker.io/library/redis', '/bin/sh')).actions).toEqual(['log']);
    });
});
