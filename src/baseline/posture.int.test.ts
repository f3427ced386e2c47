// `d4c posture` over a real store: each finding from the documents that show it (and none from
// those that do not), with its severity and the Kubernetes field to change.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../test/cli.js';
import { EventStore } from '../store/index.js';

const root = mkdtempSync(join(tmpdir(), 'd4c-posture-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
function doc(pod: string, extra: Record<string, unknown>) {
  const t = Date.UTC(2026, 4, 1) + n * 1000;
  return {
    '@timestamp': new Date(t).toISOString(),
    event: { id: `p${n++}`, kind: 'event', category: ['process'], action: 'exec', type: ['start'] },
    process: { executable: '/bin/sh', name: 'sh', user: { id: '1000' } },
    container: { id: pod.padEnd(64, '0'), image: { name: 'ghcr.io/acme/app:1' } },
    orchestrator: { namespace: 'shop', resource: { name: pod, parent: { type: 'ReplicaSet' } } },
    ...extra,
  };
}

describe('d4c posture', () => {
  const dir = join(root, 'store');
  beforeAll(async () => {
    const s = await EventStore.open({ dir });
    const P = 'logs-cloud_defend.process-default';
    const F = 'logs-cloud_defend.file-default';
    // shop/risky: privileged, extra capabilities (one effective), root, drift, writes, token read.
    s.write(
      doc('risky-5f6d-abcde', {
        container: {
          id: 'r'.repeat(64),
          image: { name: 'ghcr.io/acme/app:1' },
          security_context: { privileged: true },
        },
        process: {
          executable: '/tmp/x',
          name: 'x',
          user: { id: '0' },
          drift: true,
          interactive: true,
          thread: {
            capabilities: {
              permitted: ['CAP_CHOWN', 'CAP_SYS_ADMIN', 'CAP_NET_ADMIN'],
              effective: ['CAP_SYS_ADMIN'],
            },
          },
        },
      }),
      P,
    );
    s.write(
      doc('risky-5f6d-abcde', {
        event: { id: 'w1', kind: 'event', category: ['file'], action: 'modification', type: ['change'] },
        file: { path: '/var/cache/app/x' },
      }),
      F,
    );
    s.write(
      doc('risky-5f6d-abcde', {
        event: { id: 'w2', kind: 'event', category: ['file'], action: 'modification', type: ['change'] },
        file: { path: '/data/db' },
        cloud_defend: { mount: { type: 'volume' } },
      }),
      F,
    );
    s.write(
      doc('risky-5f6d-abcde', {
        event: { id: 'r1', kind: 'event', category: ['file'], action: 'open', type: ['access'] },
        file: { path: '/var/run/secrets/kubernetes.io/serviceaccount/token' },
      }),
      F,
    );
    // shop/calm: a non-root exec only.
    s.write(doc('calm-5f6d-fghij', {}), P);
    await s.close();
  }, 30_000);

  it('reports each finding with its severity and field', () => {
    const r = runCli(['posture', '--store', dir, '--json']);
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.out);
    const byName = new Map(rep.workloads.map((w: { workload: string }) => [w.workload, w]));
    const risky = byName.get('shop/Deployment/risky') as {
      findings: { check: string; severity: string; field: string; examples: string[]; summary: string }[];
    };
    const f = new Map(risky.findings.map((x) => [x.check, x]));
    expect([...f.keys()].sort()).toEqual([
      'capabilities',
      'drift',
      'interactive',
      'privileged',
      'root',
      'rootfs-writes',
      'token-read',
    ]);
    expect(f.get('privileged')).toMatchObject({ severity: 'critical', field: 'securityContext.privileged' });
    expect(f.get('capabilities')).toMatchObject({
      severity: 'high',
      field: 'securityContext.capabilities.drop',
    });
    expect(f.get('capabilities')?.examples.sort()).toEqual(['CAP_NET_ADMIN', 'CAP_SYS_ADMIN']);
    expect(f.get('capabilities')?.summary).toMatch(/effective in a process: CAP_SYS_ADMIN$/);
    expect(f.get('root')?.field).toBe('securityContext.runAsNonRoot');
    // The volume write is not a root-filesystem write; the token read is not a write at all.
    expect(f.get('rootfs-writes')).toMatchObject({
      field: 'securityContext.readOnlyRootFilesystem',
      examples: ['/var/cache/app'],
    });
    expect(f.get('token-read')?.field).toBe('automountServiceAccountToken');
    expect(risky.findings[0]?.severity).toBe('critical');
    expect(byName.get('shop/Deployment/calm')).toMatchObject({ findings: [] });
  });

  it('prints the same for a person', () => {
    const r = runCli(['posture', '--store', dir]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /shop\/Deployment\/risky \(\d+ events\): 7 finding\(s\)\n {2}CRITICAL +runs privileged/,
    );
    expect(r.out).toContain('change automountServiceAccountToken: false');
    expect(r.out).toMatch(/shop\/Deployment\/calm \(1 events\): nothing to change seen/);
  });
});
