// Issue 8's "read a service-account token mounted into a lab pod": the real agent with a readFile
// policy and the rule pack; a lab pod whose kubelet-shaped projected volume holds the token reads
// it (read document with pod context, mount type, the pack's token-read alert) and reads an
// unrelated file (no document). Also the lab's own mounts: per-pod tokens, --no-service-account,
// --volume, and the volume directory going with the pod.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CriClient } from '../../src/container/cri.js';
import {
  labDown,
  labPaths,
  labUp,
  parseVolume,
  podDir,
  removePod,
  runPod,
  SERVICE_ACCOUNT_PATH as SA,
  waitExit,
} from '../../src/lab/index.js';
import { DEFAULT_RULE_PACK_DIR } from '../../src/rules/pack.js';
import { type Doc, readDocs, startAgent, waitFor } from './agent-runner.js';
import { describeLive } from './gate.js';

const POLICY = `file:
  selectors:
    - name: tokenReads
      operation: [readFile]
      targetFilePath:
        - ${SA}/**
        - /run/secrets/kubernetes.io/serviceaccount/**
    - name: tokenReadsOffVolumes
      operation: [readFile]
      targetFilePath: [${SA}/**]
      ignoreVolumeFiles: true
  responses:
    - match: [tokenReads, tokenReadsOffVolumes]
      actions: [log]
`;

const TOKEN_RULE = 'Kubernetes Service-Account Token Read by a Shell or Utility';

describeLive('lab')('service-account token read in a lab pod', () => {
  const p = labPaths(`/var/lib/d4c/lab-sa-${process.pid}`);
  let dir: string;
  let docs: Doc[] = [];
  type LabPod = { containerId: string; podUid: string };
  const pods: Record<string, LabPod> = {};
  const fromPod: Record<string, string> = {};

  async function execOut(containerId: string, cmd: string[]): Promise<{ out: string; code: number }> {
    const c = new CriClient(p.socket, 10_000);
    try {
      const r = await c.call<{ stdout?: Buffer; exitCode?: number }>('ExecSync', {
        containerId,
        cmd,
        timeout: 5,
      });
      return { out: r.stdout?.toString() ?? '', code: r.exitCode ?? 0 };
    } finally {
      c.close();
    }
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'd4c-lab-token-'));
    writeFileSync(join(dir, 'data.txt'), 'volume data\n');
    await labUp(p, []);
    const agent = await startAgent(['--rules', DEFAULT_RULE_PACK_DIR], { policy: POLICY, lab: p });
    try {
      pods.reader = await runPod(p, {
        namespace: 'shop',
        pod: 'reader',
        labels: { app: 'reader' },
        command: [
          'sh',
          '-c',
          `sleep 1; cat ${SA}/token >/dev/null; cat /etc/hostname >/dev/null; cat /etc/passwd >/dev/null; sleep 30`,
        ],
      });
      pods.other = await runPod(p, {
        namespace: 'billing',
        pod: 'other',
        command: ['sh', '-c', 'sleep 30'],
      });
      // A token read of `pod` written by the agent (`n` of them), and the rule's alert on it.
      const tokenReads = (pod: LabPod) => (d: Doc) =>
        d.container?.id === pod.containerId && d.event.kind === 'event' && d.file?.name === 'token';
      const seen = (pod: LabPod, n: number) =>
        waitFor(
          () => readDocs(agent.ndjson).filter(tokenReads(pod)).length >= n,
          `${n} token read(s) of ${pod.containerId.slice(0, 12)}`,
        );
      await seen(pods.reader!, 1); // the pod's own, after its first second
      for (const [name, pod] of Object.entries(pods)) {
        const r = await execOut(pod.containerId, ['cat', `${SA}/token`]);
        expect(r.code).toBe(0);
        fromPod[name] = r.out;
      }
      await seen(pods.reader!, 2);
      await seen(pods.other!, 1);
      await agent.waitForDoc(
        (d) => d.event.kind === 'alert' && d.rule?.name === TOKEN_RULE,
        'the token rule alert',
      );
    } finally {
      docs = (await agent.stop()).docs;
    }
  }, 110_000);

  afterAll(async () => {
    await labDown(p).catch(() => {});
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const of = (name: string) => docs.filter((d) => d.container?.id === pods[name]?.containerId);
  const reads = (name: string) =>
    of(name).filter((d) => d.event.kind === 'event' && d.event.type?.includes('access'));

  it('reports the token read with the read shape and the pod’s context', () => {
    const r = reads('reader');
    expect(r.length).toBeGreaterThanOrEqual(2); // the pod's own cat and the exec'd one
    for (const d of r) {
      expect(d.event.category).toEqual(['file']);
      expect(d.event.action).toBe('open');
      expect(d.event.type).toEqual(['access']);
      expect(d.data_stream.dataset).toBe('cloud_defend.file');
      expect(d.cloud_defend.operation).toBe('readFile');
      // tokenReadsOffVolumes ignores volume files: the projected token is one.
      expect(d.cloud_defend.matched_selectors).toEqual(['tokenReads']);
      // The kubelet layout: `token` links through ..data to the timestamped directory.
      expect(d.file.path).toMatch(
        /^\/var\/run\/secrets\/kubernetes\.io\/serviceaccount\/\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\.\d{9}\/token$/,
      );
      expect(d.file.name).toBe('token');
      expect(d.cloud_defend.mount?.type).toBe('file'); // a projected volume: ignoreVolumeFiles
      expect(d.process.name).toBe('busybox');
      expect(d.orchestrator).toMatchObject({
        type: 'kubernetes',
        cluster: { id: 'lab-id', name: 'lab' },
        namespace: 'shop',
        resource: { type: 'pod', name: 'reader', label: ['app:reader'] },
      });
      expect(d.container).toMatchObject({
        id: pods.reader!.containerId,
        name: 'reader',
        runtime: 'containerd',
      });
      expect(d.container.image.name).toBe('docker.io/library/busybox');
      expect(d.cloud_defend.metadata_complete).toBe(true);
    }
  });

  it('reports no unrelated read', () => {
    for (const name of ['reader', 'other']) {
      const paths = reads(name).map((d) => d.file.path);
      expect(paths.filter((x: string) => !x.startsWith(`${SA}/`))).toEqual([]);
    }
    expect(reads('other').map((d) => d.orchestrator.namespace)).toEqual(['billing']);
  });

  it('fires the pack’s token-read rule', () => {
    const alerts = of('reader').filter((d) => d.event.kind === 'alert' && d.rule?.name === TOKEN_RULE);
    expect(alerts.length).toBeGreaterThanOrEqual(1);
    expect(alerts[0].orchestrator.resource.name).toBe('reader');
    expect(alerts[0].file.path.startsWith(`${SA}/`)).toBe(true);
  });

  it('gives each pod its own token, the namespace file and the lab CA', async () => {
    expect(fromPod.reader!.split('.')).toHaveLength(3);
    expect(fromPod.reader).not.toBe(fromPod.other);
    const claims = JSON.parse(Buffer.from(fromPod.other!.split('.')[1]!, 'base64url').toString());
    expect(claims.sub).toBe('system:serviceaccount:billing:default');
    expect((await execOut(pods.other!.containerId, ['cat', `${SA}/namespace`])).out).toBe('billing');
    const ca = await execOut(pods.other!.containerId, ['cat', `${SA}/ca.crt`]);
    expect(ca.out).toBe(readFileSync(join(p.dir, 'pki', 'ca.crt'), 'utf8'));
    // Read-only, as the kubelet mounts it.
    expect((await execOut(pods.other!.containerId, ['touch', `${SA}/x`])).code).not.toBe(0);
  });

  it('mounts no token with --no-service-account, and --volume host paths', async () => {
    const nosa = await runPod(p, {
      namespace: 'shop',
      pod: 'nosa',
      serviceAccount: false,
      command: ['sh', '-c', `test ! -e ${SA}`],
    });
    expect(await waitExit(p, nosa.containerId, 20_000)).toBe(0);
    const vol = await runPod(p, {
      namespace: 'shop',
      pod: 'vol',
      volumes: [parseVolume(`${dir}:/data:ro`)],
      command: ['sh', '-c', 'grep -q "volume data" /data/data.txt && ! touch /data/new 2>/dev/null'],
    });
    expect(await waitExit(p, vol.containerId, 20_000)).toBe(0);
  });

  it('removes the pod’s volumes with the pod', async () => {
    expect(existsSync(podDir(p, pods.other!.podUid))).toBe(true);
    expect(await removePod(p, 'other', 'billing')).toBe(true);
    expect(existsSync(podDir(p, pods.other!.podUid))).toBe(false);
  });
});
