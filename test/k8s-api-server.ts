// A small real Kubernetes API server for tests: HTTPS with a self-signed certificate made by
// openssl, answering the reads the agent makes (the kube-system Namespace, kubeadm's ConfigMap, a
// Node) as the API documents them, with switchable failure modes and a log of the requests.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Mode = 'ok' | 401 | 403 | 404 | 'hang';

export interface FakeRequest {
  path: string;
  authorization: string | undefined;
}

export interface ApiServerOptions {
  token: string;
  kubeSystemUid: string;
  /** kubeadm-config's ClusterConfiguration clusterName (absent: 404). */
  kubeadmClusterName?: string;
  nodes?: Record<string, { providerID?: string; labels?: Record<string, string> }>;
}

export interface TestApiServer {
  url: string;
  port: number;
  caFile: string;
  dir: string;
  requests: FakeRequest[];
  mode: Mode;
  /** A kubeconfig for this server (CA + bearer token), current context's cluster `clusterName`. */
  writeKubeconfig(clusterName: string, token?: string): string;
  /** The in-cluster files under a prefix: <prefix>/var/run/secrets/kubernetes.io/serviceaccount/. */
  writeServiceAccount(token?: string): string;
  close(): Promise<void>;
}

export async function startApiServer(o: ApiServerOptions): Promise<TestApiServer> {
  const dir = mkdtempSync(join(tmpdir(), 'd4c-k8s-api-'));
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'ca.crt');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=kubernetes',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'ignore' },
  );
  const requests: FakeRequest[] = [];
  const hung: Array<() => void> = [];
  const state = { mode: 'ok' as Mode };
  const server: Server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
    const path = (req.url ?? '').split('?')[0]!;
    requests.push({ path, authorization: req.headers.authorization });
    const json = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const status = (code: number, reason: string, message: string) =>
      json(code, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message,
        reason,
        code,
      });
    if (state.mode === 'hang') {
      hung.push(() => res.destroy());
      return;
    }
    if (req.headers.authorization !== `Bearer ${o.token}` || state.mode === 401)
      return status(401, 'Unauthorized', 'Unauthorized');
    if (state.mode === 403)
      return status(
        403,
        'Forbidden',
        `namespaces "kube-system" is forbidden: User "system:serviceaccount:d4c:agent" cannot get resource "namespaces" in API group "" at the cluster scope`,
      );
    if (state.mode === 404 && path.startsWith('/api/v1/namespaces/kube-system'))
      return status(404, 'NotFound', 'namespaces "kube-system" not found');
    if (req.method === 'GET' && path === '/api/v1/namespaces/kube-system')
      return json(200, {
        kind: 'Namespace',
        apiVersion: 'v1',
        metadata: {
          name: 'kube-system',
          uid: o.kubeSystemUid,
          resourceVersion: '4',
          creationTimestamp: '2026-01-01T00:00:00Z',
          labels: { 'kubernetes.io/metadata.name': 'kube-system' },
        },
        spec: { finalizers: ['kubernetes'] },
        status: { phase: 'Active' },
      });
    if (path === '/api/v1/namespaces/kube-system/configmaps/kubeadm-config') {
      if (!o.kubeadmClusterName) return status(404, 'NotFound', 'configmaps "kubeadm-config" not found');
      return json(200, {
        kind: 'ConfigMap',
        apiVersion: 'v1',
        metadata: { name: 'kubeadm-config', namespace: 'kube-system', uid: 'cm-1' },
        data: {
          ClusterConfiguration: `apiServer: {}\napiVersion: kubeadm.k8s.io/v1beta3\nclusterName: ${o.kubeadmClusterName}\nkind: ClusterConfiguration\n`,
        },
      });
    }
    const node = /^\/api\/v1\/nodes\/([^/]+)$/.exec(path);
    if (node) {
      const n = o.nodes?.[decodeURIComponent(node[1]!)];
      if (!n) return status(404, 'NotFound', `nodes "${node[1]}" not found`);
      return json(200, {
        kind: 'Node',
        apiVersion: 'v1',
        metadata: { name: node[1], uid: 'node-uid', labels: n.labels ?? {} },
        spec: n.providerID ? { providerID: n.providerID } : {},
      });
    }
    status(404, 'NotFound', 'the server could not find the requested resource');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const url = `https://127.0.0.1:${port}`;
  return {
    url,
    port,
    caFile: cert,
    dir,
    requests,
    get mode() {
      return state.mode;
    },
    set mode(m: Mode) {
      state.mode = m;
      if (m !== 'hang') for (const h of hung.splice(0)) h();
    },
    writeKubeconfig(clusterName, token = o.token) {
      const file = join(dir, `kubeconfig-${clusterName}`);
      writeFileSync(
        file,
        `apiVersion: v1
kind: Config
clusters:
- name: ${clusterName}
  cluster:
    server: ${url}
    certificate-authority: ${cert}
users:
- name: agent
  user:
    token: ${token}
contexts:
- name: ${clusterName}-ctx
  context:
    cluster: ${clusterName}
    user: agent
current-context: ${clusterName}-ctx
`,
      );
      return file;
    },
    writeServiceAccount(token = o.token) {
      const prefix = join(dir, 'root');
      const sa = join(prefix, 'var/run/secrets/kubernetes.io/serviceaccount');
      mkdirSync(sa, { recursive: true });
      writeFileSync(join(sa, 'token'), token);
      writeFileSync(join(sa, 'ca.crt'), readFileSync(cert));
      writeFileSync(join(sa, 'namespace'), 'd4c');
      return prefix;
    },
    async close() {
      for (const h of hung.splice(0)) h();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
