import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { podmanAvailable, removeAll, removeVolume, runContainer } from '../../test/e2e/containers.js';
import { OciSpecSource, specToMeta } from './oci.js';

const ID = 'ab'.repeat(32);

describe.skipIf(!podmanAvailable())('OciSpecSource with real podman containers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'd4c-oci-'));
  const vol = `d4c-test-ocivol-${process.pid}`;
  afterAll(async () => {
    await removeAll();
    await removeVolume(vol);
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds the spec through runc state: caps, privileged, mounts, pid', async () => {
    writeFileSync(join(dir, 'f.conf'), 'x');
    const priv = await runContainer({
      privileged: true,
      volumes: [`${vol}:/data`, `${join(dir, 'f.conf')}:/etc/f.conf:ro`],
    });
    const capped = await runContainer({ capAdd: ['SYS_ADMIN'] });
    const plain = await runContainer({});
    const src = new OciSpecSource();
    const p = await src.inspect(priv.id);
    expect(p.status).toBe('ok');
    if (p.status !== 'ok') return;
    expect(p.meta.privileged).toBe(true);
    expect(p.meta.runtime).toBe('podman');
    expect(p.meta.pid).toBe(priv.pid);
    expect(p.meta.capabilities).toContain('CAP_SYS_MODULE');
    const byDest = Object.fromEntries((p.meta.mounts ?? []).map((m) => [m.destination, m]));
    expect(Object.keys(byDest).sort()).toEqual(['/data', '/etc/f.conf']);
    expect(byDest['/data']).toMatchObject({ type: 'volume', target: 'directory' });
    expect(byDest['/etc/f.conf']).toMatchObject({ type: 'bind', target: 'file', readOnly: true });

    const c = await src.inspect(capped.id);
    const q = await src.inspect(plain.id);
    if (c.status !== 'ok' || q.status !== 'ok') throw new Error('expected ok');
    expect(c.meta.privileged).toBe(false);
    expect(c.meta.capabilities).toContain('CAP_SYS_ADMIN');
    expect(q.meta.capabilities).not.toContain('CAP_SYS_ADMIN');
    expect(q.meta.capabilities).toContain('CAP_CHOWN');
    expect(q.meta.mounts).toEqual([]);
  });

  it('unknown and malformed ids are not-found', async () => {
    const src = new OciSpecSource();
    expect(await src.inspect('0'.repeat(64))).toEqual({ status: 'not-found' });
    expect(await src.inspect('../../etc')).toEqual({ status: 'not-found' });
  });
});

describe('OciSpecSource over a containerd-shaped state directory', () => {
  const state = mkdtempSync(join(tmpdir(), 'd4c-ctrd-'));
  afterAll(() => rmSync(state, { recursive: true, force: true }));

  it('reads the bundle of a CRI container with its Kubernetes annotations', async () => {
    const bundle = join(state, 'io.containerd.runtime.v2.task', 'k8s.io', ID);
    mkdirSync(bundle, { recursive: true });
    const spec = {
      process: { capabilities: { effective: ['CAP_CHOWN', 'CAP_NET_BIND_SERVICE'] } },
      linux: { maskedPaths: ['/proc/kcore'] },
      annotations: {
        'io.kubernetes.cri.container-type': 'container',
        'io.kubernetes.cri.container-name': 'web',
        'io.kubernetes.cri.sandbox-name': 'web-7d4b9',
        'io.kubernetes.cri.sandbox-namespace': 'shop',
        'io.kubernetes.cri.sandbox-uid': '74c13223-5a00-11e9-b385-42010a80018d',
        'io.kubernetes.cri.image-name': 'nginx:1.27',
      },
      mounts: [
        { destination: '/etc/hosts', type: 'bind', source: '/var/lib/kubelet/pods/x/etc-hosts' },
        {
          destination: '/cfg',
          type: 'bind',
          source: '/var/lib/kubelet/pods/x/volumes/kubernetes.io~configmap/cfg',
          options: ['ro'],
        },
      ],
    };
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
    const src = new OciSpecSource({ storageDirs: [], runcRoots: [], containerdStateDirs: [state] });
    const r = await src.inspect(ID);
    if (r.status !== 'ok') throw new Error(JSON.stringify(r));
    expect(r.meta).toMatchObject({
      runtime: 'containerd',
      name: 'web',
      privileged: false,
      pod: { uid: '74c13223-5a00-11e9-b385-42010a80018d', name: 'web-7d4b9', namespace: 'shop' },
      image: { name: 'docker.io/library/nginx', tag: '1.27' },
      // A configMap volume is a file mount (ignoreVolumeFiles) by its kubelet path alone.
      mounts: [{ destination: '/cfg', type: 'volume', readOnly: true, target: 'file' }],
    });
  });

  it('a broken config.json is an error, counted', async () => {
    const id = 'cd'.repeat(32);
    const bundle = join(state, 'io.containerd.runtime.v2.task', 'default', id);
    mkdirSync(bundle, { recursive: true });
    writeFileSync(join(bundle, 'config.json'), '{not json');
    const src = new OciSpecSource({ storageDirs: [], runcRoots: [], containerdStateDirs: [state] });
    expect((await src.inspect(id)).status).toBe('error');
    expect(src.counters.malformed).toBe(1);
  });

  it('privileged is inferred from a full, unmasked spec', async () => {
    const m = await specToMeta(ID, {
      process: { capabilities: { effective: ['CAP_SYS_ADMIN', 'CAP_SYS_MODULE'] } },
    });
    expect(m.privileged).toBe(true);
  });
});
