import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isProjectedVolume, mountTarget } from './mounts.js';

describe('mount targets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'd4c-mounts-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('counts kubelet projected-files volumes as file mounts, other directories as directories', async () => {
    const sa = join(dir, 'pods/u/volumes/kubernetes.io~projected/kube-api-access-abcde');
    const data = join(dir, 'pods/u/volumes/kubernetes.io~empty-dir/data');
    mkdirSync(sa, { recursive: true });
    mkdirSync(data, { recursive: true });
    writeFileSync(join(dir, 'one'), 'x');
    expect(await mountTarget(sa)).toBe('file');
    expect(await mountTarget(data)).toBe('directory');
    expect(await mountTarget(join(dir, 'one'))).toBe('file');
    expect(await mountTarget(join(dir, 'gone'))).toBe('unknown');
    expect(await mountTarget('tmpfs')).toBe('unknown');
  });

  it('knows the projected kinds by the kubelet path only', () => {
    for (const k of ['secret', 'configmap', 'projected', 'downward-api'])
      expect(isProjectedVolume(`/var/lib/kubelet/pods/u/volumes/kubernetes.io~${k}/v`)).toBe(true);
    expect(isProjectedVolume('/var/lib/kubelet/pods/u/volumes/kubernetes.io~nfs/v')).toBe(false);
    expect(isProjectedVolume('/srv/kubernetes.io~secret/v')).toBe(false);
    expect(isProjectedVolume('/var/lib/kubelet/pods/u/volumes/kubernetes.io~secret/v/sub')).toBe(false);
  });
});
