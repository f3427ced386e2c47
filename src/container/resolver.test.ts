import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type PodmanService,
  podmanAvailable,
  removeAll,
  runContainer,
  startPodmanService,
} from '../../test/e2e/containers.js';
import { parseCgroupPath } from './cgroup.js';
import { DockerApiClient } from './docker-api.js';
import { OciSpecSource } from './oci.js';
import { ContainerResolver } from './resolver.js';
import type { MetadataSource, SourceResult } from './types.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await sleep(25);
}

/** A source over a fixed table: stands for a runtime in the unit tests of caching and bounds. */
class TableSource implements MetadataSource {
  readonly name = 'table';
  readonly runtimes = ['podman'] as const;
  calls = 0;
  constructor(private readonly table: Record<string, SourceResult>) {}
  async inspect(id: string): Promise<SourceResult> {
    this.calls++;
    return this.table[id] ?? { status: 'not-found' };
  }
}

const hex = (n: number) => n.toString(16).padStart(64, '0');

describe('ContainerResolver caching, bounds and grace', () => {
  it('an event feed that fails says the runtime is unreachable (once), and when it answers again', () => {
    let health: Parameters<NonNullable<MetadataSource['watch']>>[1];
    const src: MetadataSource = {
      name: 'feed',
      runtimes: ['cri'],
      inspect: async () => ({ status: 'not-found' }),
      watch: (_on, h) => {
        health = h;
        return () => {};
      },
    };
    const warnings: string[] = [];
    const r = new ContainerResolver({ sources: [src], onWarning: (w) => warnings.push(w) });
    r.start();
    health!.down('feed: connect ECONNREFUSED', true);
    health!.down('feed: connect ECONNREFUSED', true);
    expect(r.counters).toMatchObject({ watchFailures: 2, unreachable: 2 });
    expect(warnings).toEqual([
      'container metadata: feed unreachable (feed: connect ECONNREFUSED); events keep flowing without it',
    ]);
    health!.up();
    health!.up();
    expect(warnings.at(-1)).toBe('container metadata: feed answers again');
    expect(warnings).toHaveLength(2);
    health!.down('feed: bad request', false);
    expect(r.counters).toMatchObject({ watchFailures: 3, unreachable: 2 });
    r.stop();
  });

  it('first sight starts a lookup; lookup() is sync and answers once it completed', async () => {
    const src = new TableSource({ [hex(1)]: { status: 'ok', meta: { name: 'one', sources: ['table'] } } });
    const r = new ContainerResolver({ sources: [src], onWarning: () => {} });
    expect(r.lookup(hex(1))).toBeUndefined();
    const m = await r.resolve(hex(1));
    expect(m).toMatchObject({ id: hex(1), name: 'one', complete: true, sources: ['table'] });
    expect(r.lookup(hex(1))).toBe(m);
    expect(src.calls).toBe(1);
    expect(r.counters).toMatchObject({ lookups: 3, misses: 1, hits: 2 });
  });

  it('unknown containers stay incomplete, with the cgroup hint, and are retried only after retryMs', async () => {
    let now = 1000;
    const src = new TableSource({});
    const r = new ContainerResolver({ sources: [src], retryMs: 5000, now: () => now, onWarning: () => {} });
    const hint = parseCgroupPath(`/kubepods/besteffort/pod74c13223-5a00-11e9-b385-42010a80018d/${hex(2)}`);
    const m = await r.resolve(hex(2), hint);
    expect(m).toMatchObject({
      complete: false,
      runtimeHint: 'cri',
      pod: { uid: '74c13223-5a00-11e9-b385-42010a80018d' },
    });
    expect(r.lookup(hex(2))).toBe(m);
    expect(src.calls).toBe(1);
    now += 5000;
    r.lookup(hex(2));
    await r.resolve(hex(2));
    expect(src.calls).toBe(2);
    expect(r.counters.notFound).toBe(2);
  });

  it('is bounded: the oldest entries go first, counted', async () => {
    const r = new ContainerResolver({ sources: [new TableSource({})], maxEntries: 3, onWarning: () => {} });
    for (let i = 0; i < 5; i++) r.lookup(hex(i));
    expect(r.size).toBe(3);
    expect(r.counters.evictions).toBe(2);
  });

  it('keeps an ended container for the grace period, then drops it', async () => {
    let now = 0;
    const src = new TableSource({ [hex(7)]: { status: 'ok', meta: { name: 'seven', sources: ['table'] } } });
    const r = new ContainerResolver({ sources: [src], graceMs: 60_000, now: () => now, onWarning: () => {} });
    await r.resolve(hex(7));
    r.onRuntimeEvent({ type: 'die', id: hex(7), time: 0, source: 'table' });
    now = 59_999;
    r.sweep();
    expect(r.lookup(hex(7))?.name).toBe('seven');
    expect(r.lookup(hex(7))?.endedAt).toBe(0);
    now = 60_000;
    r.sweep();
    expect(r.size).toBe(0);
    expect(r.counters.expired).toBe(1);
  });

  it('merges sources in order: earlier wins, later fills gaps', async () => {
    const a = new TableSource({
      [hex(3)]: { status: 'ok', meta: { name: 'api', privileged: true, sources: ['a'] } },
    });
    const b = new TableSource({
      [hex(3)]: { status: 'ok', meta: { name: 'spec', capabilities: ['CAP_SYS_ADMIN'], sources: ['b'] } },
    });
    const r = new ContainerResolver({ sources: [a, b], onWarning: () => {} });
    expect(await r.resolve(hex(3))).toMatchObject({
      name: 'api',
      privileged: true,
      capabilities: ['CAP_SYS_ADMIN'],
      sources: ['a', 'b'],
    });
  });
});

describe('ContainerResolver with a runtime that hangs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'd4c-hang-'));
  const sock = join(dir, 'hang.sock');
  let server: Server;
  afterAll(() => {
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds resolve() at most holdMs, counts the timeout, and merges the late answer', async () => {
    const held: Array<import('node:net').Socket> = [];
    server = createServer((s) => held.push(s)); // accepts and never answers
    await new Promise<void>((r) => server.listen(sock, r));
    const warnings: string[] = [];
    const api = new DockerApiClient({ socketPath: sock, timeoutMs: 10_000, name: 'hang-api' });
    const r = new ContainerResolver({
      sources: [api],
      lookupTimeoutMs: 150,
      holdMs: 50,
      onWarning: (w) => warnings.push(w),
    });
    const t0 = Date.now();
    const m = await r.resolve(hex(9));
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(m.complete).toBe(false);
    expect(r.counters.heldTimeouts).toBe(1);
    await until(() => r.counters.timeouts === 1);
    expect(r.counters.timeouts).toBe(1);
    expect(warnings.join('\n')).toContain('hang-api unreachable');
    for (const s of held) s.destroy();
  });
});

describe.skipIf(!podmanAvailable())('ContainerResolver with real podman', () => {
  let service: PodmanService;
  beforeAll(async () => {
    service = await startPodmanService();
  });
  afterAll(async () => {
    await service?.stop();
    await removeAll();
  });

  it('merges the API and the OCI spec for a real container found by its cgroup', async () => {
    const r = new ContainerResolver({
      sources: [
        new DockerApiClient({ socketPath: service.socket, name: 'podman-api', timeoutMs: 10_000 }),
        new OciSpecSource(),
      ],
      // Correctness here, not speed: the machine is busy with other test files.
      holdMs: 10_000,
      lookupTimeoutMs: 10_000,
      onWarning: () => {},
    });
    const c = await runContainer({ capAdd: ['SYS_ADMIN'], labels: { team: 'blue' } });
    const text = await c.exec(['cat', '/proc/self/cgroup']);
    const line = text.stdout.split('\n').find((l) => l.startsWith('0::'))!;
    const hint = r.identify(line.slice(3));
    expect(hint).toMatchObject({ id: c.id, runtime: 'podman' });
    const m = await r.resolve(c.id, hint);
    expect(m).toMatchObject({
      id: c.id,
      name: c.name,
      runtime: 'podman',
      complete: true,
      privileged: false,
      capAdd: ['CAP_SYS_ADMIN'],
      labels: { team: 'blue' },
      image: { name: 'localhost/d4c/busybox', tag: 'latest' },
      pid: c.pid,
    });
    expect(m.capabilities).toContain('CAP_SYS_ADMIN');
    expect(m.sources).toEqual(['podman-api', 'oci']);
    await c.remove();
  });

  it('fills on start events, marks die, and keeps working while the API is stopped and restarted', async () => {
    const warnings: string[] = [];
    const api = new DockerApiClient({
      socketPath: service.socket,
      name: 'test-podman-api',
      timeoutMs: 10_000,
    });
    const r = new ContainerResolver({
      sources: [api],
      retryMs: 0,
      holdMs: 10_000,
      lookupTimeoutMs: 10_000,
      onWarning: (w) => warnings.push(w),
    });
    r.start();
    try {
      await sleep(300);
      const a = await runContainer({});
      await until(() => r.lookup(a.id)?.complete === true);
      expect(r.counters.startEvents).toBeGreaterThan(0);
      expect(r.lookup(a.id)?.name).toBe(a.name);
      await a.remove();
      await until(() => r.lookup(a.id)?.endedAt !== undefined);
      expect(r.lookup(a.id)?.endedAt).toBeDefined();

      await service.stop();
      const b = await runContainer({});
      const mb = await r.resolve(b.id, { id: b.id, runtime: 'podman', layout: 'cgroupfs' });
      expect(mb).toMatchObject({ id: b.id, complete: false, runtime: 'podman' });
      expect(r.counters.unreachable).toBeGreaterThan(0);
      expect(warnings.some((w) => w.includes('test-podman-api unreachable'))).toBe(true);

      await service.restart();
      const again = await r.resolve(b.id);
      expect(again).toMatchObject({ complete: true, name: b.name });
      expect(warnings.some((w) => w.includes('answers again'))).toBe(true);
      await b.remove();
    } finally {
      r.stop();
    }
  });
});
