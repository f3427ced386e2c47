// The lab end to end: containerd + CRI in a private directory, pods in two namespaces, the CLI,
// and the metadata sources (CRI, OCI spec, cgroup identity) over those real pods.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerResolver, CriSource, identityFromProcCgroup, OciSpecSource } from '../container/index.js';
import { pidAlive } from '../util/index.js';
import { labDown, labPaths, labUp, runPod } from './index.js';

const pexec = promisify(execFile);
const ok = process.getuid?.() === 0 && existsSync('/usr/bin/containerd') && existsSync('/usr/bin/podman');
const CLI = new URL('../../bin/d4c.js', import.meta.url).pathname;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond()) && Date.now() < end) await sleep(50);
}

describe.skipIf(!ok)('d4c lab', () => {
  const p = labPaths(`/tmp/d4c-lab-test-${process.pid}`);
  let cri: CriSource;

  async function cli(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
    try {
      const r = await pexec(CLI, args, { timeout: 30_000 });
      return { ...r, code: 0 };
    } catch (e) {
      const err = e as { stdout: string; stderr: string; code: number };
      return { stdout: err.stdout, stderr: err.stderr, code: err.code };
    }
  }

  let webId = '';
  const webContainerId = async () => webId;

  beforeAll(async () => {
    await labUp(p, ['nginx:1.27']);
    cri = new CriSource(p.socket);
  }, 120_000);

  afterAll(async () => {
    cri?.close();
    const pid = Number(readFileSync(p.pidFile, 'utf8'));
    await labDown(p);
    expect(existsSync(p.dir)).toBe(false);
    expect(() => process.kill(pid, 0)).toThrow();
  }, 60_000);

  it('is idempotent: a second up reuses the running node', async () => {
    const pid = readFileSync(p.pidFile, 'utf8');
    await labUp(p);
    expect(readFileSync(p.pidFile, 'utf8')).toBe(pid);
  });

  it('runs Kubernetes-shaped pods whose metadata the CRI, the OCI spec and the cgroup agree on', async () => {
    const web = await runPod(p, {
      namespace: 'shop',
      pod: 'web',
      labels: { app: 'web', tier: 'front' },
      image: 'nginx:1.27',
      command: ['sleep', '300'],
    });
    webId = web.containerId;
    const db = await runPod(p, {
      namespace: 'data',
      pod: 'db',
      privileged: true,
      capAdd: ['NET_ADMIN'],
      command: ['sleep', '300'],
    });
    const resolver = new ContainerResolver({
      sources: [cri, new OciSpecSource({ storageDirs: [], runcRoots: [], containerdStateDirs: [p.state] })],
      onWarning: () => {},
    });
    const w = await resolver.resolve(web.containerId);
    expect(w).toMatchObject({
      id: web.containerId,
      name: 'web',
      runtime: 'containerd',
      complete: true,
      privileged: false,
      image: { name: 'docker.io/library/nginx', tag: '1.27' },
      pod: { uid: web.podUid, name: 'web', namespace: 'shop', labels: { app: 'web', tier: 'front' } },
      sources: ['cri', 'oci'],
    });
    expect(w.pod?.labels?.['io.kubernetes.pod.name']).toBeUndefined();
    expect(w.capabilities).not.toContain('CAP_SYS_ADMIN');

    // The cgroup path looks like a real node's: /kubepods/besteffort/pod<uid>/<id>.
    const id = identityFromProcCgroup(readFileSync(`/proc/${w.pid}/cgroup`, 'utf8'));
    expect(id).toMatchObject({ id: web.containerId, runtime: 'cri', podUid: web.podUid, qos: 'besteffort' });

    const d = await resolver.resolve(db.containerId);
    expect(d).toMatchObject({
      privileged: true,
      capAdd: ['CAP_NET_ADMIN'],
      pod: { name: 'db', namespace: 'data' },
      image: { name: 'docker.io/library/busybox', tag: 'latest' },
    });
    expect(d.capabilities).toContain('CAP_SYS_ADMIN');
    // The OCI spec alone (no CRI) knows the pod too, from containerd's annotations.
    const oci = await new OciSpecSource({
      storageDirs: [],
      runcRoots: [],
      containerdStateDirs: [p.state],
    }).inspect(db.containerId);
    expect(oci.status === 'ok' && oci.meta.pod).toMatchObject({
      name: 'db',
      namespace: 'data',
      uid: db.podUid,
    });
  });

  it('the resolver follows CRI start/die and survives containerd being stopped and restarted', async () => {
    const src = new CriSource(p.socket, { pollMs: 200, timeoutMs: 1000, name: 'lab-cri' });
    const warnings: string[] = [];
    const r = new ContainerResolver({
      sources: [src],
      retryMs: 0,
      holdMs: 5000,
      lookupTimeoutMs: 5000,
      onWarning: (w) => warnings.push(w),
    });
    r.start();
    try {
      const job = await runPod(p, { namespace: 'ops', pod: 'tick', command: ['sleep', '1'] });
      await until(() => r.lookup(job.containerId)?.complete === true);
      expect(r.lookup(job.containerId)?.pod?.namespace).toBe('ops');
      await until(() => r.lookup(job.containerId)?.endedAt !== undefined);
      expect(r.counters.dieEvents).toBeGreaterThan(0);

      // containerd goes away; the pods' shims keep the containers running.
      const pid = Number(readFileSync(p.pidFile, 'utf8'));
      process.kill(pid, 'SIGTERM');
      await until(() => !pidAlive(pid));
      const web = (await cri.inspect('0'.repeat(64))).status; // the shared client sees it too
      expect(web).toBe('error');
      const fresh = new ContainerResolver({
        sources: [src],
        retryMs: 0,
        holdMs: 5000,
        onWarning: (w) => warnings.push(w),
      });
      const webId = await webContainerId();
      const m = await fresh.resolve(webId);
      expect(m.complete).toBe(false);
      expect(fresh.counters.unreachable).toBe(1);
      expect(warnings.some((w) => w.includes('lab-cri unreachable'))).toBe(true);

      await labUp(p);
      await until(async () => (await fresh.resolve(webId)).complete, 20_000);
      expect(fresh.lookup(webId)).toMatchObject({ complete: true, pod: { name: 'web', namespace: 'shop' } });
    } finally {
      r.stop();
    }
  }, 60_000);

  it('exec through the CLI, plain and under a terminal', async () => {
    const plain = await cli([
      'lab',
      'exec',
      '--dir',
      p.dir,
      'web',
      '--',
      'sh',
      '-c',
      'echo out; echo err >&2; exit 3',
    ]);
    expect(plain).toMatchObject({ stdout: 'out\n', code: 3 });
    expect(plain.stderr).toContain('err');
    const line = `${CLI} lab exec -it --dir ${p.dir} --namespace shop web -- sh -c 'tty; echo done'`;
    const tty = await pexec('script', ['-qec', line, '/dev/null'], { timeout: 30_000 });
    expect(tty.stdout).toMatch(/\/dev\/pts\/\d+/);
    expect(tty.stdout).toContain('done');
  });

  it('run --wait returns the command exit code; usage and lab errors are one line', async () => {
    const r = await cli([
      'lab',
      'run',
      '--dir',
      p.dir,
      '--namespace',
      'jobs',
      '--pod',
      'job',
      '--wait',
      '--',
      'sh',
      '-c',
      'exit 7',
    ]);
    expect(r.code).toBe(7);
    expect(r.stdout.trim()).toMatch(/^[0-9a-f]{64}$/);
    const dup = await cli([
      'lab',
      'run',
      '--dir',
      p.dir,
      '--namespace',
      'jobs',
      '--pod',
      'job',
      '--',
      'true',
    ]);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/^d4c lab: pod jobs\/job exists/);
    const bad = await cli(['lab', 'run', '--dir', p.dir, '--pod', 'Bad_Name', '--', 'true']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('DNS label');
    const missing = await cli(['lab', 'exec', '--dir', p.dir, 'nope', '--', 'true']);
    expect(missing).toMatchObject({ code: 1 });
    expect(missing.stderr.trim()).toBe('d4c lab: no pod nope in the lab');
    expect((await cli(['lab', 'run', '--dir', p.dir, '--', 'true'])).code).toBe(2);
    const ps = await cli(['lab', 'ps', '--dir', p.dir]);
    expect(ps.code).toBe(0);
    expect(ps.stdout).toMatch(/^NAMESPACE\s+POD\s+CONTAINER\s+ID\s+STATE\s+IMAGE\n/);
    expect(ps.stdout).toMatch(/\nshop\s+web\s+web\s+[0-9a-f]{12}\s+running\s+/);
    expect(ps.stdout).toMatch(/\njobs\s+job\s+job\s+[0-9a-f]{12}\s+exited\s+/);
  });
});
