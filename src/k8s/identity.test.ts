// Cluster identity through the real client library against a real HTTPS API server
// (test/k8s-api-server.ts): kubeconfig and in-cluster service account, flags winning, and every
// failure mode (401, 403, 404, no answer, nothing listening) with the background retry.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type TestApiServer } from '../../test/k8s-api-server.js';
import { findApiSource } from './config.js';
import { type ClusterIdentity, ClusterIdentitySource, cloudFromNode } from './identity.js';

const UID = '5f1b7c3e-8a9d-4e2f-b6c1-0d2e3f4a5b6c';
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.test-token';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await sleep(20);
}

describe('cluster identity from the Kubernetes API', () => {
  let api: TestApiServer;
  beforeAll(async () => {
    api = await startApiServer({
      token: TOKEN,
      kubeSystemUid: UID,
      kubeadmClusterName: 'kubeadm-prod',
      nodes: {
        'node-a': {
          providerID: 'gce://acme-project/europe-west1-b/node-a',
          labels: {
            'topology.kubernetes.io/region': 'europe-west1',
            'topology.kubernetes.io/zone': 'europe-west1-b',
          },
        },
      },
    });
  });
  afterAll(async () => {
    await api?.close();
  });

  const source = (o: ConstructorParameters<typeof ClusterIdentitySource>[0]) => {
    const warnings: string[] = [];
    const changes: ClusterIdentity[] = [];
    const s = new ClusterIdentitySource({
      timeoutMs: 10_000,
      retryMinMs: 50,
      retryMaxMs: 200,
      nodeName: 'node-a',
      env: {},
      onWarning: (w) => warnings.push(w),
      onChange: (i) => changes.push(i),
      ...o,
    });
    return { s, warnings, changes };
  };

  it('kubeconfig: kube-system UID as id, current context cluster as name, cloud.* from the Node; bearer token sent', async () => {
    api.mode = 'ok';
    const before = api.requests.length;
    const { s, warnings } = source({ kubeconfig: api.writeKubeconfig('prod-eu') });
    const id = await s.start();
    s.stop();
    expect(id).toEqual({
      id: UID,
      name: 'prod-eu',
      cloud: {
        provider: 'gcp',
        projectId: 'acme-project',
        availabilityZone: 'europe-west1-b',
        region: 'europe-west1',
        instanceName: 'node-a',
      },
    });
    const reqs = api.requests.slice(before);
    expect(reqs.map((r) => r.path)).toContain('/api/v1/namespaces/kube-system');
    expect(reqs.map((r) => r.path)).toContain('/api/v1/nodes/node-a');
    for (const r of reqs) expect(r.authorization).toBe(`Bearer ${TOKEN}`);
    expect(s.counters).toMatchObject({ source: 'kubeconfig', attempts: 1, successes: 1, failures: 0 });
    expect(warnings).toEqual([]);
  });

  it('in-cluster: service account token and CA files, cluster name from kubeadm-config', async () => {
    api.mode = 'ok';
    const prefix = api.writeServiceAccount();
    const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
    process.env.KUBERNETES_SERVICE_HOST = '127.0.0.1';
    process.env.KUBERNETES_SERVICE_PORT = String(api.port);
    try {
      const before = api.requests.length;
      const { s } = source({ inClusterPrefix: prefix, env: process.env, nodeName: 'node-b' });
      expect(s.apiSource?.kind).toBe('in-cluster');
      const id = await s.start();
      s.stop();
      // node-b has no Node object: counted as an optional failure, id still there; the node's
      // name is still its instance name (Kibana's Kubernetes dashboard counts nodes by it).
      expect(id).toEqual({ id: UID, name: 'kubeadm-prod', cloud: { instanceName: 'node-b' } });
      expect(s.counters.optionalFailures).toBe(1);
      const reqs = api.requests.slice(before);
      expect(reqs.length).toBeGreaterThanOrEqual(3);
      for (const r of reqs) expect(r.authorization).toBe(`Bearer ${TOKEN}`);
    } finally {
      for (const [k, v] of [
        ['KUBERNETES_SERVICE_HOST', saved.host],
        ['KUBERNETES_SERVICE_PORT', saved.port],
      ] as const)
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    }
  });

  it('flags win over the API', async () => {
    api.mode = 'ok';
    const { s } = source({
      kubeconfig: api.writeKubeconfig('prod-eu'),
      clusterId: 'flag-id',
      clusterName: 'flag-name',
    });
    const id = await s.start();
    s.stop();
    expect(id.id).toBe('flag-id');
    expect(id.name).toBe('flag-name');
    expect(id.cloud?.provider).toBe('gcp');
  });

  it('403: keeps the flags, warns once, counts, retries with backoff and picks the identity up later', async () => {
    api.mode = 403;
    const { s, warnings, changes } = source({
      kubeconfig: api.writeKubeconfig('c403'),
      clusterName: 'named',
    });
    const id = await s.start();
    expect(id).toEqual({ name: 'named' });
    await until(() => s.counters.forbidden >= 3, 20_000);
    expect(s.counters.forbidden).toBeGreaterThanOrEqual(3);
    expect(s.counters.successes).toBe(0);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/forbidden \(403\).*retrying/);
    api.mode = 'ok';
    await until(() => changes.length > 0, 20_000);
    s.stop();
    expect(changes.at(-1)).toMatchObject({ id: UID, name: 'named' });
    expect(s.identity.id).toBe(UID);
    expect(warnings.at(-1)).toMatch(/answers again/);
  });

  it('401 and 404 are told apart', async () => {
    api.mode = 'ok';
    const bad = source({ kubeconfig: api.writeKubeconfig('c401', 'wrong-token') });
    await bad.s.start();
    bad.s.stop();
    expect(bad.s.counters.unauthorized).toBe(1);
    expect(bad.warnings[0]).toMatch(/credentials refused \(401\)/);
    api.mode = 404;
    const nf = source({ kubeconfig: api.writeKubeconfig('c404') });
    await nf.s.start();
    nf.s.stop();
    expect(nf.s.counters.notFound).toBe(1);
    expect(nf.s.identity).toEqual({ name: 'c404' }); // the kubeconfig's name, no id
  });

  it('a server that never answers costs at most the bounded wait', async () => {
    api.mode = 'hang';
    const { s, warnings } = source({ kubeconfig: api.writeKubeconfig('hang'), timeoutMs: 300 });
    const t0 = Date.now();
    const id = await s.start();
    expect(Date.now() - t0).toBeLessThan(5000); // not forever: the wait is bounded
    expect(id).toEqual({ name: 'hang' });
    await until(() => s.counters.timeouts >= 1, 20_000);
    s.stop();
    api.mode = 'ok';
    expect(s.counters.timeouts).toBeGreaterThanOrEqual(1);
    expect(warnings[0]).toMatch(/no answer in time/);
  });

  it('nothing listening: unreachable', async () => {
    const port = await new Promise<number>((r) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => r(p));
      });
    });
    const dir = mkdtempSync(join(tmpdir(), 'd4c-k8s-'));
    try {
      const file = join(dir, 'kc');
      writeFileSync(
        file,
        `apiVersion: v1\nkind: Config\nclusters:\n- name: gone\n  cluster:\n    server: https://127.0.0.1:${port}\n    certificate-authority: ${api.caFile}\nusers:\n- name: u\n  user:\n    token: t\ncontexts:\n- name: c\n  context:\n    cluster: gone\n    user: u\ncurrent-context: c\n`,
      );
      const { s, warnings } = source({ kubeconfig: file });
      await s.start();
      s.stop();
      expect(s.counters.unreachable).toBe(1);
      expect(warnings[0]).toMatch(/unreachable/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('where the API is', () => {
  it('--kubeconfig, then KUBECONFIG, then in-cluster, then ~/.kube/config; none is no error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'd4c-k8s-find-'));
    try {
      const home = join(dir, 'home');
      mkdirSync(join(home, '.kube'), { recursive: true });
      writeFileSync(join(home, '.kube', 'config'), 'x');
      const kc = join(dir, 'kc');
      writeFileSync(kc, 'x');
      const sa = join(dir, 'root/var/run/secrets/kubernetes.io/serviceaccount');
      mkdirSync(sa, { recursive: true });
      writeFileSync(join(sa, 'token'), 't');
      const inCluster = { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' };
      const prefix = join(dir, 'root');
      expect(findApiSource({ kubeconfig: '/x', env: { KUBECONFIG: kc } })?.files).toEqual(['/x']);
      expect(
        findApiSource({ env: { KUBECONFIG: `/missing:${kc}`, ...inCluster }, inClusterPrefix: prefix }),
      ).toMatchObject({
        kind: 'kubeconfig',
        files: [kc],
      });
      expect(findApiSource({ env: { ...inCluster, HOME: home }, inClusterPrefix: prefix })?.kind).toBe(
        'in-cluster',
      );
      expect(findApiSource({ env: { HOME: home }, inClusterPrefix: prefix })).toMatchObject({
        kind: 'kubeconfig',
        why: '~/.kube/config',
      });
      expect(findApiSource({ env: { HOME: join(dir, 'nohome') }, inClusterPrefix: prefix })).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('cloud.* from a Node', () => {
  it('reads providerID and topology labels', () => {
    expect(
      cloudFromNode('aws:///us-east-1a/i-0abc123', { 'topology.kubernetes.io/region': 'us-east-1' }),
    ).toEqual({
      provider: 'aws',
      availabilityZone: 'us-east-1a',
      instanceId: 'i-0abc123',
      region: 'us-east-1',
    });
    expect(
      cloudFromNode(
        'azure:///subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/pool/virtualMachines/3',
        { 'failure-domain.beta.kubernetes.io/zone': 'westeurope-1' },
      ),
    ).toEqual({ provider: 'azure', accountId: 'sub-1', instanceName: '3', availabilityZone: 'westeurope-1' });
    expect(cloudFromNode('kind://docker/lab/lab-control-plane', {})).toEqual({ provider: 'kind' });
    expect(cloudFromNode('gce://acme/europe-west1-b/vm-1', {}, 'node-x')).toEqual({
      provider: 'gcp',
      projectId: 'acme',
      availabilityZone: 'europe-west1-b',
      instanceName: 'vm-1',
    });
  });

  it('names the instance after the node when the provider gives no name', () => {
    expect(cloudFromNode('aws:///us-east-1a/i-0abc123', {}, 'ip-10-0-1-5.ec2.internal')).toEqual({
      provider: 'aws',
      availabilityZone: 'us-east-1a',
      instanceId: 'i-0abc123',
      instanceName: 'ip-10-0-1-5.ec2.internal',
    });
    expect(cloudFromNode(undefined, {}, 'lab-node')).toEqual({ instanceName: 'lab-node' });
    expect(cloudFromNode(undefined, {})).toBeUndefined();
    expect(cloudFromNode('not a provider id', {})).toBeUndefined();
  });
});
