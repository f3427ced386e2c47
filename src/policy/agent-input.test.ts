// The standalone Elastic Agent form of a policy: the D4C policy under `security-policy`, its
// package policy id and revision beside it; problems keep their place in the file as given.
import { describe, expect, it } from 'vitest';
import { AGENT, curl, HOST } from '../../test/ecs/fixtures.js';
import { createEcsBuilder } from '../ecs/index.js';
import { policyIdentity } from './agent-input.js';
import { parsePolicy } from './load.js';

const POLICY = `
  process:
    selectors:
      - name: allProcesses
        operation: [fork, exec]
    responses:
      - match: [allProcesses]
        actions: [log]
`;
const indent = (s: string, n: number) =>
  s
    .split('\n')
    .map((l) => (l.trim() === '' ? l : `${' '.repeat(n)}${l}`))
    .join('\n');

const AGENT_CONFIG = `outputs:
  default:
    type: elasticsearch
    hosts: ['https://es:9200']
inputs:
  - id: cloud_defend/control-d4c
    name: cloud_defend-1
    type: cloud_defend/control
    use_output: default
    revision: 7
    package_policy_id: 5c1e2b4a-policy
    meta:
      package:
        name: cloud_defend
    data_stream:
      namespace: default
    streams: []
    security-policy:${indent(POLICY, 4)}`;

describe('Elastic Agent input', () => {
  it('reads the policy and its package policy id and revision from an agent configuration', () => {
    const r = parsePolicy(AGENT_CONFIG, 'agent.yml');
    expect(r.diagnostics).toEqual([]);
    expect(r.policy?.packagePolicyId).toBe('5c1e2b4a-policy');
    expect(r.policy?.packagePolicyRevision).toBe(7);
    expect(r.policy?.process?.selectors.map((s) => s.name)).toEqual(['allProcesses']);
  });

  it('reads a single input too; plain D4C YAML has no package policy', () => {
    const r = parsePolicy(`type: cloud_defend/control\nrevision: 0\nsecurity-policy:${POLICY}`, 'input.yml');
    expect(r.diagnostics).toEqual([]);
    expect(r.policy?.packagePolicyRevision).toBe(0);
    expect(r.policy?.packagePolicyId).toBeUndefined();
    const plain = parsePolicy(POLICY.replace(/^ {2}/gm, ''), 'plain.yml');
    expect(plain.policy?.process).toBeDefined();
    expect(plain.policy?.packagePolicyId).toBeUndefined();
  });

  it('positions problems in the file as given; the revision must fit the package’s short', () => {
    const bad = AGENT_CONFIG.replace('revision: 7', 'revision: 40000').replace(
      'actions: [log]',
      'actions: [lgo]',
    );
    const r = parsePolicy(bad, 'agent.yml');
    expect(r.policy).toBeUndefined();
    const lines = bad.split('\n');
    const at = (needle: string) => lines.findIndex((l) => l.includes(needle)) + 1;
    expect(r.diagnostics.map((d) => [d.code, d.pos.line])).toEqual([
      ['D4C-POL-045', at('revision: 40000')],
      ['D4C-POL-026', at('actions: [lgo]')],
    ]);
    expect(r.diagnostics[0]?.message).toMatch(/"revision" must be an integer 0–32767/);
  });

  it('an agent configuration without a D4C input is an error at "inputs"', () => {
    const r = parsePolicy('inputs:\n  - type: filestream\n    id: logs\n', 'agent.yml');
    expect(r.policy).toBeUndefined();
    expect(r.diagnostics.map((d) => [d.code, d.pos.line, d.pos.col])).toEqual([['D4C-POL-045', 1, 1]]);
  });

  it('--policy-id / --policy-revision', () => {
    expect(policyIdentity({ id: 'p-1', revision: '12' })).toEqual({ id: 'p-1', revision: 12 });
    expect(policyIdentity({ revision: '32768' }).error).toMatch(/0–32767/);
    expect(policyIdentity({ revision: '-1' }).error).toBeDefined();
    expect(policyIdentity({ id: '' }).error).toBeDefined();
    expect(policyIdentity({})).toEqual({});
  });

  it('documents the policy decided, and the heartbeat, carry the package policy', () => {
    const b = createEcsBuilder({ agent: AGENT, host: HOST, packagePolicy: { id: 'p-1', revision: 12 } });
    const decided = b.processExecDoc({
      process: curl,
      policy: { actions: ['log'], matchedSelectors: ['all'] },
    });
    expect(decided.cloud_defend).toMatchObject({ package_policy_id: 'p-1', package_policy_revision: 12 });
    // An input naming its own (a policy of another source) keeps it.
    const own = b.processExecDoc({
      process: curl,
      policy: { actions: ['log'], matchedSelectors: [], packagePolicyId: 'other', packagePolicyRevision: 1 },
    });
    expect(own.cloud_defend).toMatchObject({ package_policy_id: 'other', package_policy_revision: 1 });
    expect(b.processExecDoc({ process: curl }).cloud_defend?.package_policy_id).toBeUndefined();
    expect(b.heartbeatDoc({ blockActionEnabled: false }).cloud_defend).toEqual({
      block_action_enabled: false,
      package_policy_id: 'p-1',
      package_policy_revision: 12,
    });
  });
});
