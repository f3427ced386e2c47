import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cgroupV2Root } from '../container/index.js';
import type { NetworkActivity } from '../ecs/index.js';
import { type Enforcer, enforcementReport } from '../enforce/index.js';
import { DEFAULT_ENFORCEMENT_CAPS, parsePolicy, withConnectBlock } from '../policy/index.js';
import { agentEnforcement, ConnectEnforcement, policyBlocks } from './connect-enforcement.js';

const POLICY = parsePolicy(
  'network:\n  selectors:\n    - name: s\n      operation: [connect]\n      destinationPort: [22]\n  responses:\n    - match: [s]\n      actions: [alert, block]\n',
  'p.yaml',
  { enforcementCaps: withConnectBlock(DEFAULT_ENFORCEMENT_CAPS) },
).policy!;

const refused: NetworkActivity = {
  operation: 'connect',
  type: 'ipv4',
  outcome: 'failure',
  errorCode: 'EPERM',
  destination: { address: '10.0.0.1', ip: '10.0.0.1', port: 22 },
};

describe('connect enforcement (no kernel)', () => {
  it('tells which blockers a policy needs', () => {
    expect(policyBlocks(POLICY)).toEqual({ network: true, other: false });
    const file = parsePolicy(
      'file:\n  selectors:\n    - name: f\n      operation: [modifyFile]\n      targetFilePath: [/etc/**]\n  responses:\n    - match: [f]\n      actions: [alert, block]\n',
      'p.yaml',
    ).policy!;
    expect(policyBlocks(file)).toEqual({ network: false, other: true });
  });

  it('finds the cgroup v2 mount, preferring the standard places', () => {
    const dir = mkdtempSync(join(tmpdir(), 'd4c-mi-'));
    const f = join(dir, 'mountinfo');
    writeFileSync(
      f,
      [
        '30 25 0:26 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755',
        '31 30 0:27 / /mnt/other rw - cgroup2 cgroup2 rw',
        '32 30 0:28 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw,nsdelegate',
        '',
      ].join('\n'),
    );
    expect(cgroupV2Root(f)).toBe('/sys/fs/cgroup/unified');
    writeFileSync(f, '31 30 0:27 / /mnt/other rw - cgroup2 cgroup2 rw\n');
    expect(cgroupV2Root(f)).toBe('/mnt/other');
    writeFileSync(f, '30 25 0:26 / /sys/fs/cgroup ro - tmpfs tmpfs ro\n');
    expect(cgroupV2Root(f)).toBeUndefined();
    rmSync(dir, { recursive: true });
  });

  it('--monitoring: attaches nothing; a container connect the policy blocks is `monitoring`', async () => {
    const ce = await ConnectEnforcement.start({ policy: POLICY, monitoring: true, onWarning: () => {} });
    expect(ce.attached).toEqual([]);
    const ok: NetworkActivity = { ...refused, outcome: 'success', errorCode: undefined } as NetworkActivity;
    expect(ce.blockMode(ok, ['alert', 'block'], true, false)).toBe('monitoring');
    // Host processes are never blocked, so never claimed; alerts without block are no block.
    expect(ce.blockMode(ok, ['alert', 'block'], false, false)).toBeUndefined();
    expect(ce.blockMode(ok, ['alert'], true, false)).toBeUndefined();
    expect(ce.counters.monitored).toBe(1);
    await ce.stop();
  });

  it('enforcing: only an EPERM under a covered cgroup is claimed as denied', async () => {
    const ce = await ConnectEnforcement.start({
      policy: POLICY,
      monitoring: false,
      parents: ['no-such-parent-d4c'],
      onWarning: () => {},
    });
    expect(ce.attached).toEqual([]); // the parent does not exist here
    expect(ce.covers('/no-such-parent-d4c/x')).toBe(false);
    expect(ce.blockMode(refused, ['alert', 'block'], true, true)).toBe('enforce');
    expect(ce.blockMode(refused, ['alert', 'block'], true, false)).toBeUndefined();
    expect(
      ce.blockMode({ ...refused, errorCode: 'ECONNREFUSED' }, ['alert', 'block'], true, true),
    ).toBeUndefined();
    // A refused bind (cgroup bind4/6) is a denial too; listen and accept have no veto.
    expect(ce.blockMode({ ...refused, operation: 'bind' }, ['alert', 'block'], true, true)).toBe('enforce');
    expect(ce.blockMode({ ...refused, operation: 'listen' }, ['alert', 'block'], true, true)).toBeUndefined();
    expect(ce.counters).toMatchObject({ denied: 2, uncovered: 1 });
    const report = agentEnforcement(undefined, ce)!;
    expect(report.backends).toEqual(['cgroup connect filter']);
    expect(report.enforced).toEqual(['connect', 'bind']);
    expect(report.alertOnly).toEqual(['accept', 'listen']);
    expect(report.monitoring).toBe(false);
    expect(agentEnforcement(undefined, undefined)).toBeUndefined();
    // With fanotify too (a policy blocking files and connects): one report, both listed.
    const fan = { report: enforcementReport(), monitoring: false } as unknown as Enforcer;
    const both = agentEnforcement(fan, ce)!;
    expect(both.backends).toEqual(['fanotify', 'cgroup connect filter']);
    expect(both.enforced).toEqual([...enforcementReport().enforced, 'connect', 'bind']);
    expect(both.alertOnly).toContain('createFile');
    expect(both.alertOnly).toContain('listen');
    expect(both.note).toMatch(
      /fanotify can deny .*; connect and bind are denied for container processes only/,
    );
    await ce.stop();
  });
});
