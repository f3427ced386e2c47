import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1ConfigMap, V1DaemonSet } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { runMain } from '../../test/run-main.js';
import { checkConfig, parseConfigText, resolveAgentOutputSettings } from '../config/index.js';

const ROOT = join(import.meta.dirname, '../..');
const COMMITTED = join(ROOT, 'deploy/kubernetes/d4c.yaml');
const tmp = mkdtempSync(join(tmpdir(), 'd4c-deploy-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function docs(yaml: string): Array<{ kind: string; metadata: { name: string } } & Record<string, unknown>> {
  return parseAllDocuments(yaml).map((d) => {
    expect(d.errors).toEqual([]);
    return d.toJS();
  });
}
const find = <T>(all: ReturnType<typeof docs>, kind: string, name?: string) =>
  all.find((d) => d.kind === kind && (name === undefined || d.metadata.name === name)) as T | undefined;

describe('d4c deploy manifests', () => {
  it('prints what deploy/kubernetes/d4c.yaml holds (regenerate: d4c deploy manifests > deploy/kubernetes/d4c.yaml)', async () => {
    const r = await runMain(['deploy', 'manifests']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toBe(readFileSync(COMMITTED, 'utf8'));
  });

  it('renders every object kubectl needs, the DaemonSet as the issue asks', async () => {
    const all = docs((await runMain(['deploy', 'manifests'])).out);
    expect(all.map((d) => d.kind)).toEqual([
      'Namespace',
      'ResourceQuota',
      'ServiceAccount',
      'ClusterRole',
      'ClusterRoleBinding',
      'Role',
      'RoleBinding',
      'ConfigMap',
      'ConfigMap',
      'Service',
      'DaemonSet',
    ]);
    const ds = find<V1DaemonSet>(all, 'DaemonSet')!;
    const pod = ds.spec!.template.spec!;
    const c = pod.containers[0]!;
    expect(pod.hostPID).toBe(true);
    expect(pod.hostNetwork).toBeUndefined();
    expect(pod.priorityClassName).toBe('system-node-critical');
    expect(pod.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(ds.spec!.updateStrategy?.type).toBe('RollingUpdate');
    expect(c.securityContext?.privileged).toBe(false);
    expect(c.securityContext?.readOnlyRootFilesystem).toBe(true);
    expect(c.securityContext?.capabilities?.drop).toEqual(['ALL']);
    expect(c.securityContext?.capabilities?.add).toEqual([
      'BPF',
      'PERFMON',
      'SYS_ADMIN',
      'NET_ADMIN',
      'SYS_PTRACE',
      'DAC_READ_SEARCH',
    ]);
    expect(c.livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(c.readinessProbe?.httpGet?.path).toBe('/healthz');
    expect(c.env?.find((e) => e.name === 'NODE_NAME')?.valueFrom?.fieldRef?.fieldPath).toBe('spec.nodeName');
    expect(pod.volumes?.filter((v) => v.hostPath).map((v) => v.hostPath!.path)).toEqual([
      '/var/lib/d4c',
      '/sys/fs/cgroup',
      '/sys/fs/bpf',
      '/sys/kernel/tracing',
      '/run/containerd',
      '/run/crio',
    ]);
    // The probes reach the endpoint: the config makes it listen on the pod's interfaces at the port.
    const cm = find<V1ConfigMap>(all, 'ConfigMap', 'd4c-agent-config')!;
    const text = cm.data!['d4c.yaml']!;
    const parsed = parseConfigText(text, 'd4c.yaml');
    const s = resolveAgentOutputSettings(checkConfig(parsed.value, parsed.locate, 'd4c.yaml'), {}, {});
    expect(s.metrics.addr).toEqual({ host: '0.0.0.0', port: c.ports![0]!.containerPort });
    expect(s.store.dir).toBe('/var/lib/d4c/store');
  });

  it('takes Elasticsearch credentials from the Secret only, and the policy and rules into ConfigMaps', async () => {
    const policy = join(tmp, 'p.yaml');
    writeFileSync(policy, readFileSync(join(ROOT, 'test/fixtures/deploy/policy.yaml'), 'utf8'));
    const rules = join(tmp, 'rules');
    mkdirSync(rules);
    const pack = join(ROOT, 'rules/defense_evasion_log_deletion.toml');
    writeFileSync(join(rules, 'one.toml'), readFileSync(pack, 'utf8'));
    const r = await runMain([
      'deploy',
      'manifests',
      '--namespace',
      'sec',
      '--image',
      'registry.example/d4c/agent:9',
      '--policy',
      policy,
      '--rules',
      rules,
      '--es-url',
      'https://es.example:9200',
      '--es-secret',
      'es-creds',
      '--cluster-name',
      'prod-1',
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const all = docs(r.out);
    expect(all.filter((d) => d.kind === 'Role')).toEqual([]); // the cluster name is given
    const ds = find<V1DaemonSet>(all, 'DaemonSet')!;
    const c = ds.spec!.template.spec!.containers[0]!;
    expect(ds.metadata?.namespace).toBe('sec');
    expect(c.image).toBe('registry.example/d4c/agent:9');
    expect(c.args).toContain('--rules=/etc/d4c/rules');
    const secretEnv = (c.env ?? []).filter((e) => e.valueFrom?.secretKeyRef);
    expect(
      secretEnv.map((e) => [e.name, e.valueFrom!.secretKeyRef!.name, e.valueFrom!.secretKeyRef!.key]),
    ).toEqual([
      ['D4C_ES_API_KEY', 'es-creds', 'api-key'],
      ['D4C_ES_USERNAME', 'es-creds', 'username'],
      ['D4C_ES_PASSWORD', 'es-creds', 'password'],
    ]);
    const maps = all.filter((d) => d.kind === 'ConfigMap') as V1ConfigMap[];
    expect(maps.find((m) => m.metadata?.name === 'd4c-agent-policy')!.data!['policy.yaml']).toBe(
      readFileSync(policy, 'utf8'),
    );
    expect(maps.find((m) => m.metadata?.name === 'd4c-agent-rules')!.data!['one.toml']).toBe(
      readFileSync(pack, 'utf8'),
    );
    const config = maps.find((m) => m.metadata?.name === 'd4c-agent-config')!.data!['d4c.yaml']!;
    expect(config).toContain('https://es.example:9200');
    expect(config).not.toMatch(/api_key|password|username/);
  });

  it('refuses a bad policy with its positions, and a missing file, exit 1', async () => {
    const bad = join(tmp, 'bad.yaml');
    writeFileSync(bad, 'process:\n  selectors:\n    - name: x\n      nosuch: 1\n');
    const r = await runMain(['deploy', 'manifests', '--policy', bad]);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toMatch(new RegExp(`^${bad}:\\d+:\\d+: error: `, 'm'));
    expect(r.err).toContain(`d4c deploy manifests: ${bad}: the policy has`);
    const missing = await runMain(['deploy', 'manifests', '--policy', join(tmp, 'nope.yaml')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('nope.yaml: cannot read the policy: ENOENT');
  });

  it('refuses --es-url without --es-secret and other bad values as usage errors', async () => {
    expect((await runMain(['deploy', 'manifests', '--es-url', 'https://x:9200'])).code).toBe(2);
    expect((await runMain(['deploy', 'manifests', '--namespace', 'Bad_NS'])).code).toBe(2);
    expect((await runMain(['deploy', 'manifests', '--metrics-port', '0'])).code).toBe(2);
  });
});
