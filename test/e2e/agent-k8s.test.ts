// The agent on lab pods with a Kubernetes API (a real HTTPS server reached through the official
// client and a kubeconfig) and a container runtime that goes away and comes back, in one run:
//   1. the API forbids reading kube-system (403): pods get the kubeconfig's cluster name, no id;
//   2. the API answers: later pods get orchestrator.cluster.id (kube-system UID) and cloud.*;
//   3. containerd is stopped (the pods run on under their shims): events keep flowing, cached
//      metadata is kept, a container first seen meanwhile is emitted with its id and
//      metadata_complete: false, and a warning and counters say the runtime is unreachable;
//   4. containerd is started again: new pods get full metadata.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type LabPaths, labDown, labPaths, labUp, type RunningPod, runPod } from '../../src/lab/index.js';
import { pidAlive } from '../../src/util/pid.js';
import { runCli } from '../cli.js';
import { startApiServer, type TestApiServer } from '../k8s-api-server.js';
import { type Doc, type RunningAgent, startAgent } from './agent-runner.js';
import { describeLive } from './gate.js';
import { LOG_PROCESSES } from './policies.js';

const pexec = promisify(execFile);

const UID = '3c0a9f5e-1b2d-4c6e-8f70-a1b2c3d4e5f6';
const TOKEN = 'lab-agent-token';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The exec of `cat` in the pod's container. */
const catIn =
  (pod: { containerId: string } | undefined) =>
  (d: Doc): boolean =>
    pod !== undefined &&
    d.container?.id === pod.containerId &&
    d.event.action === 'exec' &&
    d.process.args?.[0] === 'cat';

async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/**
 * A container containerd never heard of, made with runc from a running pod's bundle while
 * containerd is down: same image and pod cgroup, a new 64-hex id (what a runtime outage looks
 * like to the agent: a container it has to emit without the runtime's answer).
 */
async function runcSidecar(p: LabPaths, pod: RunningPod): Promise<{ id: string; remove(): Promise<void> }> {
  const bundle = join(p.state, 'io.containerd.runtime.v2.task/k8s.io', pod.containerId);
  const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
  const id = randomBytes(32).toString('hex');
  const dir = mkdtempSync(join(tmpdir(), 'd4c-sidecar-'));
  spec.root = { path: join(bundle, 'rootfs'), readonly: true };
  spec.process.args = ['sh', '-c', 'while :; do sleep 1; done'];
  spec.process.terminal = false;
  spec.linux.cgroupsPath = `/kubepods/besteffort/pod${pod.podUid}/${id}`;
  delete spec.hooks;
  writeFileSync(join(dir, 'config.json'), JSON.stringify(spec));
  const root = join(dir, 'runc');
  mkdirSync(root);
  await pexec('runc', ['--root', root, 'run', '-d', '--pid-file', join(dir, 'pid'), id], {
    cwd: dir,
    timeout: 20_000,
  });
  return {
    id,
    async remove() {
      await pexec('runc', ['--root', root, 'delete', '--force', id]).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describeLive(
  'lab',
  'runc',
  'openssl',
)('d4c agent: cluster identity from the Kubernetes API; containerd stopped and restarted', () => {
  const p = labPaths(`/var/lib/d4c/lab-k8s-${process.pid}`);
  let api: TestApiServer;
  let docs: Doc[] = [];
  let stats: Doc;
  let stderr = '';
  let code: number | null = null;
  const pods: Record<string, RunningPod> = {};
  let sidecarId = '';
  const outage = { from: 0, to: 0 };

  beforeAll(async () => {
    api = await startApiServer({
      token: TOKEN,
      kubeSystemUid: UID,
      nodes: {
        'lab-node': {
          providerID: 'gce://lab-project/lab-zone-a/lab-node',
          labels: {
            'topology.kubernetes.io/region': 'lab-region',
            'topology.kubernetes.io/zone': 'lab-zone-a',
          },
        },
      },
    });
    api.mode = 403;
    await labUp(p, []);
    pods.steady = await runPod(p, {
      namespace: 'ops',
      pod: 'steady',
      command: ['sh', '-c', 'while :; do sleep 1; done'],
    });
    let agent: RunningAgent | undefined;
    let sidecar: Awaited<ReturnType<typeof runcSidecar>> | undefined;
    try {
      agent = await startAgent(
        [
          '--cri-socket',
          p.socket,
          '--kubeconfig',
          api.writeKubeconfig('lab-cluster'),
          '--node-name',
          'lab-node',
        ],
        { policy: LOG_PROCESSES },
      );
      const a = agent;
      // 1. The API refuses.
      pods.early = await runPod(p, {
        namespace: 'shop',
        pod: 'early',
        command: ['sh', '-c', 'cat /etc/hostname; sleep 60'],
      });
      await a.waitForDoc(catIn(pods.early), "the early pod's cat");
      // 2. The API answers (the agent retries with backoff: 1 s, 2 s, 4 s...).
      api.mode = 'ok';
      await until(() => /cluster identity known/.test(a.stderr()), 30_000, 'the API retry');
      pods.identified = await runPod(p, {
        namespace: 'shop',
        pod: 'identified',
        command: ['sh', '-c', 'cat /etc/hostname; sleep 60'],
      });
      await a.waitForDoc(catIn(pods.identified), "the identified pod's cat");
      // 3. containerd goes away; the pods' shims keep their containers running.
      const pid = Number(readFileSync(p.pidFile, 'utf8'));
      process.kill(pid, 'SIGTERM');
      await until(() => !pidAlive(pid), 20_000, 'containerd to stop');
      outage.from = Date.now();
      await until(
        () => /container metadata: cri unreachable/.test(a.stderr()),
        20_000,
        'the unreachable warning',
      );
      sidecar = await runcSidecar(p, pods.steady);
      sidecarId = sidecar.id;
      // Both written during the outage: a document of the sidecar and one of the steady pod.
      await a.waitForDoc((d) => d.container?.id === sidecarId, 'a document of the runc sidecar');
      await a.waitForDoc(
        (d) => d.container?.id === pods.steady?.containerId && Date.parse(d['@timestamp']) > outage.from,
        'a document of the steady pod during the outage',
      );
      outage.to = Date.now();
      // 4. containerd is back (it recovers the pods from its state directory).
      await labUp(p);
      await until(
        () => /container metadata: cri answers again/.test(a.stderr()),
        20_000,
        'the CRI to answer again',
      );
      pods.after = await runPod(p, {
        namespace: 'shop',
        pod: 'after',
        command: ['sh', '-c', 'cat /etc/hostname; sleep 60'],
      });
      await a.waitForDoc(catIn(pods.after), "the after pod's cat");
    } finally {
      const r = await agent?.stop();
      docs = r?.docs ?? [];
      stats = r?.stats;
      stderr = r?.stderr ?? '';
      code = r?.code ?? null;
      await sidecar?.remove();
    }
  }, 170_000);

  afterAll(async () => {
    await labDown(p).catch(() => {});
    await api?.close();
  }, 60_000);

  const of = (id: string | undefined) => docs.filter((d) => id !== undefined && d.container?.id === id);
  const catOf = (pod: string) =>
    of(pods[pod]?.containerId).find((d) => d.event.action === 'exec' && d.process.args?.[0] === 'cat');

  it('the agent ran through all of it and stopped cleanly', () => {
    expect(code).toBe(0);
    expect(docs.length).toBeGreaterThan(0);
  });

  it('API forbidden: the kubeconfig cluster name without an id; a warning and counters say so', () => {
    const d = catOf('early');
    expect(d, 'exec of cat in the early pod').toBeDefined();
    expect(d.orchestrator.cluster).toEqual({ name: 'lab-cluster' });
    expect(d.cloud).toBeUndefined();
    expect(stderr).toMatch(
      /kubernetes API \(--kubeconfig\): reading the kube-system namespace is forbidden \(403\)/,
    );
    expect(stats.kubernetes).toMatchObject({ source: 'kubeconfig', successes: 1, clusterId: UID });
    expect(stats.kubernetes.forbidden).toBeGreaterThanOrEqual(1);
  });

  it('API answering: orchestrator.cluster.id is the kube-system UID, cloud.* from the Node', () => {
    const d = catOf('identified');
    expect(d, 'exec of cat in the identified pod').toBeDefined();
    expect(d.orchestrator).toMatchObject({
      type: 'kubernetes',
      cluster: { id: UID, name: 'lab-cluster' },
      namespace: 'shop',
      resource: { type: 'pod', name: 'identified' },
    });
    expect(d.cloud).toEqual({
      provider: 'gcp',
      region: 'lab-region',
      availability_zone: 'lab-zone-a',
      project: { id: 'lab-project' },
      instance: { name: 'lab-node' },
    });
    expect(d.cloud_defend.metadata_complete).toBe(true);
    // The token went with every request.
    expect(api.requests.length).toBeGreaterThan(0);
    for (const r of api.requests) expect(r.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('containerd down: events keep flowing, cached pods keep their metadata', () => {
    const during = of(pods.steady?.containerId).filter((d) => {
      const t = Date.parse(d['@timestamp']);
      return t > outage.from && t < outage.to;
    });
    expect(during.length, 'documents of the steady pod during the outage').toBeGreaterThan(0);
    for (const d of during) {
      expect(d.cloud_defend.metadata_complete).toBe(true);
      expect(d.orchestrator.resource.name).toBe('steady');
      expect(d.orchestrator.cluster.id).toBe(UID);
    }
  });

  it('containerd down: a container first seen then is emitted with its id, flagged incomplete', () => {
    const side = of(sidecarId);
    expect(side.length, 'documents of the runc sidecar').toBeGreaterThan(0);
    for (const d of side) {
      expect(d.container.id).toBe(sidecarId);
      expect(d.cloud_defend.metadata_complete).toBe(false);
      // What the cgroup path tells without the runtime: the pod uid.
      expect(d.orchestrator.resource.id).toBe(pods.steady?.podUid);
    }
    expect(stats.docsIncompleteMetadata).toBeGreaterThanOrEqual(side.length);
    expect(stats.containers.unreachable).toBeGreaterThan(0);
    expect(stats.containers.watchFailures).toBeGreaterThan(0);
  });

  it('containerd back: new pods get full metadata again', () => {
    const d = catOf('after');
    expect(d, 'exec of cat in the pod started after the restart').toBeDefined();
    expect(d.cloud_defend.metadata_complete).toBe(true);
    expect(d.orchestrator).toMatchObject({
      cluster: { id: UID, name: 'lab-cluster' },
      namespace: 'shop',
      resource: { name: 'after' },
    });
    expect(d.container).toMatchObject({ name: 'after', runtime: 'containerd' });
    expect(d.container.image.name).toBe('docker.io/library/busybox');
  });
});

describeLive()('d4c agent --kubeconfig', () => {
  it('a missing kubeconfig is one line and exit 1, before anything starts', () => {
    const r = runCli([
      'agent',
      '--no-store',
      '--metrics-addr',
      'off',
      '--kubeconfig',
      '/nonexistent/kubeconfig',
    ]);
    expect(r.code).toBe(1);
    expect(r.err.trim()).toBe('d4c agent: --kubeconfig /nonexistent/kubeconfig: no such file');
  });
});
