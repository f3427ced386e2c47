import { describe, expect, it } from 'vitest';
import { normalizeImageRef } from './image-ref.js';

const D = 'sha256:f008c2a20c16b01d643c2afb4baf3745449ca1e7d8bb50e93d6bd396cccfb17b';

describe('normalizeImageRef', () => {
  it.each([
    ['nginx', 'docker.io/library/nginx', 'latest', undefined],
    ['nginx:1.27', 'docker.io/library/nginx', '1.27', undefined],
    ['library/nginx:1.27', 'docker.io/library/nginx', '1.27', undefined],
    ['bitnami/redis', 'docker.io/bitnami/redis', 'latest', undefined],
    ['docker.io/nginx', 'docker.io/library/nginx', 'latest', undefined],
    ['index.docker.io/nginx:1', 'docker.io/library/nginx', '1', undefined],
    ['quay.io/org/app:v1.2', 'quay.io/org/app', 'v1.2', undefined],
    ['localhost/d4c/busybox:latest', 'localhost/d4c/busybox', 'latest', undefined],
    ['localhost:5000/app', 'localhost:5000/app', 'latest', undefined],
    ['registry:5000/team/app:2', 'registry:5000/team/app', '2', undefined],
    [`nginx@${D}`, 'docker.io/library/nginx', undefined, D],
    [`nginx:1.27@${D}`, 'docker.io/library/nginx', '1.27', D],
  ])('%s', (ref, name, tag, digest) => {
    const r = normalizeImageRef(ref);
    expect(r?.name).toBe(name);
    expect(r?.tag).toBe(tag);
    expect(r?.digest).toBe(digest);
  });

  it('builds the full reference', () => {
    expect(normalizeImageRef('nginx')?.full).toBe('docker.io/library/nginx:latest');
    expect(normalizeImageRef(`busybox@${D}`)?.full).toBe(`docker.io/library/busybox@${D}`);
  });

  it.each([
    '',
    ' ',
    'a b',
    'nginx:',
    'nginx@sha256:xyz',
    '/nginx',
    'nginx/',
    'a//b',
    'Nginx',
    `sha256:${D.slice(7)}`,
  ])('rejects %j', (ref) => {
    expect(normalizeImageRef(ref)).toBeUndefined();
  });
});
