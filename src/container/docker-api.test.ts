// Against the real podman API socket with real containers (root + podman required).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type PodmanService,
  podmanAvailable,
  removeAll,
  removeVolume,
  runContainer,
  startPodmanService,
  withContainer,
} from '../../test/e2e/containers.js';
import { DockerApiClient } from './docker-api.js';
import type { ContainerMeta, RuntimeEvent } from './types.js';

const ok = podmanAvailable();

describe.skipIf(!ok)('DockerApiClient against podman', () => {
  let service: PodmanService;
  let client: DockerApiClient;
  const dir = mkdtempSync(join(tmpdir(), 'd4c-api-'));
  const vol = `d4c-test-vol-${process.pid}`;

  beforeAll(async () => {
    service = await startPodmanService();
    // The name says podman although the socket path does not.
    client = new DockerApiClient({ socketPath: service.socket, name: 'podman-api', timeoutMs: 10_000 });
    writeFileSync(join(dir, 'app.conf'), 'x=1\n');
  });
  afterAll(async () => {
    await service?.stop();
    await removeAll();
    await removeVolume(vol);
    rmSync(dir, { recursive: true, force: true });
  });

  async function meta(id: string): Promise<Partial<ContainerMeta>> {
    const r = await client.inspect(id);
    if (r.status !== 'ok') throw new Error(`inspect: ${JSON.stringify(r)}`);
    return r.meta;
  }

  it('knows it talks to podman', async () => {
    expect(await client.ping()).toBe(true);
    expect(client.name).toBe('podman-api');
  });

  it('a plain container: name, normalised image and tag, digest, not privileged, labels', async () => {
    await withContainer({ image: 'busybox', labels: { app: 'web', tier: 'front' } }, async (c) => {
      const m = await meta(c.id);
      expect(m.id).toBe(c.id);
      expect(m.name).toBe(c.name);
      expect(m.runtime).toBe('podman');
      expect(m.image?.name).toBe('docker.io/library/busybox');
      expect(m.image?.tag).toBe('latest');
      expect(m.image?.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(m.image?.id).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(m.privileged).toBe(false);
      expect(m.capAdd).toEqual([]);
      expect(m.labels).toMatchObject({ app: 'web', tier: 'front' });
      expect(m.pid).toBe(c.pid);
      expect(m.sources).toEqual(['podman-api']);
    });
  });

  it('privileged, cap-add, a named volume and a file bind mount', async () => {
    const c = await runContainer({
      privileged: true,
      volumes: [`${vol}:/data`, `${join(dir, 'app.conf')}:/etc/app.conf:ro`, `${dir}:/hostdir`],
    });
    const d = await runContainer({ capAdd: ['SYS_ADMIN', 'net_admin'] });
    const m = await meta(c.id);
    expect(m.privileged).toBe(true);
    expect(m.image?.name).toBe('localhost/d4c/busybox');
    const byDest = Object.fromEntries((m.mounts ?? []).map((x) => [x.destination, x]));
    expect(byDest['/data']).toMatchObject({ type: 'volume', target: 'directory', readOnly: false });
    expect(byDest['/etc/app.conf']).toMatchObject({
      type: 'bind',
      target: 'file',
      readOnly: true,
      source: join(dir, 'app.conf'),
    });
    expect(byDest['/hostdir']).toMatchObject({ type: 'bind', target: 'directory' });
    const n = await meta(d.id);
    expect(n.privileged).toBe(false);
    expect(n.capAdd?.sort()).toEqual(['CAP_NET_ADMIN', 'CAP_SYS_ADMIN']);
    expect(n.mounts).toEqual([]);
    await c.remove();
    await d.remove();
  });

  it('unknown ids are not-found, not errors', async () => {
    const before = client.counters.errors;
    expect(await client.inspect('0'.repeat(64))).toEqual({ status: 'not-found' });
    expect(client.counters.errors).toBe(before);
    expect(client.counters.notFound).toBeGreaterThan(0);
  });

  it('streams start and die events', async () => {
    const seen: RuntimeEvent[] = [];
    const stop = client.watch((e) => seen.push(e));
    try {
      await new Promise((r) => setTimeout(r, 300));
      const c = await runContainer({ command: ['sh', '-c', 'sleep 0.2'] });
      const until = Date.now() + 10_000;
      while (Date.now() < until && !seen.some((e) => e.id === c.id && e.type === 'die')) {
        await new Promise((r) => setTimeout(r, 50));
      }
      const mine = seen.filter((e) => e.id === c.id).map((e) => e.type);
      expect(mine).toContain('start');
      expect(mine).toContain('die');
      expect(mine.indexOf('start')).toBeLessThan(mine.indexOf('die'));
      await c.remove();
    } finally {
      stop();
    }
  });
});

describe('DockerApiClient without an engine', () => {
  it('a missing socket is an unreachable error, counted, never thrown', async () => {
    const client = new DockerApiClient({ socketPath: '/nonexistent/d4c.sock', timeoutMs: 200 });
    const r = await client.inspect('a'.repeat(64));
    expect(r.status).toBe('error');
    expect(r.status === 'error' && r.unreachable).toBe(true);
    expect(client.counters.errors).toBe(1);
    expect(client.lastError).toContain('/nonexistent/d4c.sock');
  });

  it('an events stream that cannot connect tells the watcher’s health, and again when it connects', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'd4c-docker-'));
    const socketPath = join(dir, 'api.sock');
    const client = new DockerApiClient({ socketPath, timeoutMs: 200 });
    const downs: string[] = [];
    let ups = 0;
    const stop = client.watch(() => {}, {
      down: (e, unreachable) => downs.push(`${unreachable}:${e}`),
      up: () => ups++,
    });
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('');
    });
    try {
      const until = async (cond: () => boolean) => {
        for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
      };
      await until(() => downs.length > 0);
      expect(downs[0]).toMatch(/^true:.*api\.sock events:/);
      // The engine comes up: the next reconnect works.
      await new Promise<void>((r) => server.listen(socketPath, r));
      await until(() => ups > 0);
      expect(ups).toBe(1);
    } finally {
      stop();
      server.closeAllConnections();
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
