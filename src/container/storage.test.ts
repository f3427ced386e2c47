import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { podmanAvailable, removeAll, runContainer } from '../../test/e2e/containers.js';
import { OciSpecSource } from './oci.js';
import { ContainerResolver } from './resolver.js';
import { ContainersStorageSource } from './storage.js';

describe.skipIf(!podmanAvailable())('podman metadata without any API service', () => {
  afterAll(removeAll);

  it('containers-storage + the OCI spec give name, image, digest, privileged, caps', async () => {
    const c = await runContainer({ image: 'busybox', privileged: true });
    const r = new ContainerResolver({
      sources: [new ContainersStorageSource(), new OciSpecSource()],
      holdMs: 10_000,
      onWarning: () => {},
    });
    const m = await r.resolve(c.id, { id: c.id, runtime: 'podman', layout: 'cgroupfs' });
    expect(m).toMatchObject({
      id: c.id,
      name: c.name,
      runtime: 'podman',
      complete: true,
      privileged: true,
      pid: c.pid,
      image: { name: 'docker.io/library/busybox', tag: 'latest' },
      sources: ['containers-storage', 'oci'],
    });
    expect(m.image?.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(m.image?.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(m.capabilities).toContain('CAP_SYS_ADMIN');
  });
});

describe('ContainersStorageSource over files', () => {
  const root = mkdtempSync(join(tmpdir(), 'd4c-storage-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const ID = 'ef'.repeat(32);
  const IMG = '12'.repeat(32);

  it('reads names and image digests, and re-reads a file that changed', async () => {
    mkdirSync(join(root, 'overlay-containers'), { recursive: true });
    mkdirSync(join(root, 'overlay-images'), { recursive: true });
    const containers = (name: string) =>
      JSON.stringify([
        { id: ID, names: [name], image: IMG, metadata: JSON.stringify({ 'image-name': 'quay.io/a/b:2' }) },
      ]);
    writeFileSync(join(root, 'overlay-containers', 'containers.json'), containers('first'));
    writeFileSync(
      join(root, 'overlay-images', 'images.json'),
      JSON.stringify([{ id: IMG, digest: 'sha256:aa' }]),
    );
    const src = new ContainersStorageSource({ roots: [root] });
    const r = await src.inspect(ID);
    expect(r).toEqual({
      status: 'ok',
      meta: {
        id: ID,
        name: 'first',
        sources: ['containers-storage'],
        image: {
          name: 'quay.io/a/b',
          tag: '2',
          full: 'quay.io/a/b:2',
          digest: 'sha256:aa',
          id: `sha256:${IMG}`,
        },
      },
    });
    await new Promise((res) => setTimeout(res, 20));
    writeFileSync(join(root, 'overlay-containers', 'containers.json'), containers('second'));
    const again = await src.inspect(ID);
    expect(again.status === 'ok' && again.meta.name).toBe('second');
    expect(await src.inspect('0'.repeat(64))).toEqual({ status: 'not-found' });
  });

  it('a corrupt file is an error, counted, never thrown', async () => {
    const bad = mkdtempSync(join(tmpdir(), 'd4c-storage-bad-'));
    mkdirSync(join(bad, 'overlay-containers'));
    writeFileSync(join(bad, 'overlay-containers', 'containers.json'), '[{');
    const src = new ContainersStorageSource({ roots: [bad] });
    expect((await src.inspect(ID)).status).toBe('error');
    expect(src.counters.malformed).toBe(1);
    rmSync(bad, { recursive: true, force: true });
  });
});
