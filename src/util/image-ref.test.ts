import { describe, expect, it } from 'vitest';
import { normaliseImageName, parseImageRef } from './image-ref.js';
import { runs } from './runs.fixture.js';

const DIGEST = 'sha256:0a399eb16751829e1af26fea27b20c3ec28d7ab1fb72182879dcae1cca21206a';

describe('image reference normalisation', () => {
  it.each([
    // input, fullName, name, tag, digest
    ['nginx', 'docker.io/library/nginx', 'nginx', undefined, undefined],
    ['nginx:1.27', 'docker.io/library/nginx', 'nginx', '1.27', undefined],
    ['nginx:latest', 'docker.io/library/nginx', 'nginx', 'latest', undefined],
    ['library/nginx', 'docker.io/library/nginx', 'nginx', undefined, undefined],
    ['docker.io/nginx', 'docker.io/library/nginx', 'nginx', undefined, undefined],
    ['docker.io/library/nginx', 'docker.io/library/nginx', 'nginx', undefined, undefined],
    ['index.docker.io/nginx', 'docker.io/library/nginx', 'nginx', undefined, undefined],
    ['bitnami/redis:7', 'docker.io/bitnami/redis', 'redis', '7', undefined],
    ['elastic/elastic-agent', 'docker.io/elastic/elastic-agent', 'elastic-agent', undefined, undefined],
    ['localhost:5000/app:1', 'localhost:5000/app', 'app', '1', undefined],
    ['localhost/app', 'localhost/app', 'app', undefined, undefined],
    ['[::1]:5000/app', '[::1]:5000/app', 'app', undefined, undefined],
    ['[::1]:5000/app:v2', '[::1]:5000/app', 'app', 'v2', undefined],
    ['[fe80::1]/team/app', '[fe80::1]/team/app', 'app', undefined, undefined],
    [`gcr.io/p/i@${DIGEST}`, 'gcr.io/p/i', 'i', undefined, DIGEST],
    [`gcr.io/p/i:1.0@${DIGEST}`, 'gcr.io/p/i', 'i', '1.0', DIGEST],
    [
      'quay.io/prometheus/node-exporter:v1.8.2',
      'quay.io/prometheus/node-exporter',
      'node-exporter',
      'v1.8.2',
      undefined,
    ],
    ['registry.k8s.io/pause:3.9', 'registry.k8s.io/pause', 'pause', '3.9', undefined],
    ['my-registry.example.com:443/a/b/c:tag_1', 'my-registry.example.com:443/a/b/c', 'c', 'tag_1', undefined],
    ['public.ecr.aws/x/my_app.v2', 'public.ecr.aws/x/my_app.v2', 'my_app.v2', undefined, undefined],
    ['  nginx  ', 'docker.io/library/nginx', 'nginx', undefined, undefined],
    // Docker: a first component with upper case is a registry; hosts are kept as written.
    ['Foo/bar', 'Foo/bar', 'bar', undefined, undefined],
    ['DOCKER.IO/nginx', 'DOCKER.IO/nginx', 'nginx', undefined, undefined],
    ['registry-1.docker.io/nginx', 'registry-1.docker.io/nginx', 'nginx', undefined, undefined],
  ])('%s', (input, fullName, name, tag, digest) => {
    const r = parseImageRef(input);
    if (!r.ok) throw new Error(r.message);
    expect(r.ref.fullName).toBe(fullName);
    expect(r.ref.name).toBe(name);
    expect(r.ref.tag).toBe(tag);
    expect(r.ref.digest).toBe(digest);
  });

  it.each([
    ['', 'D4C-IMG-001'],
    ['   ', 'D4C-IMG-001'],
    ['a b', 'D4C-IMG-003'],
    ['garbage!!', 'D4C-IMG-003'],
    ['0a399eb16751829e1af26fea27b20c3ec28d7ab1fb72182879dcae1cca21206a', 'D4C-IMG-007'],
    ['Nginx', 'D4C-IMG-003'],
    ['docker.io/Nginx', 'D4C-IMG-003'],
    ['nginx:', 'D4C-IMG-004'],
    ['nginx:-bad', 'D4C-IMG-004'],
    ['nginx@sha256:abc', 'D4C-IMG-005'],
    ['nginx@', 'D4C-IMG-005'],
    ['bad*imagename', 'D4C-IMG-003'],
    ['a//b', 'D4C-IMG-003'],
    ['exa_mple.com/app', 'D4C-IMG-002'],
    ['host:port/app', 'D4C-IMG-002'],
    ['[::1/app', 'D4C-IMG-002'],
    ['[::1]x/app', 'D4C-IMG-002'],
    [`r.io/${'a'.repeat(260)}`, 'D4C-IMG-006'],
  ])('rejects %j with %s', (input, code) => {
    const r = parseImageRef(input);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.code).toBe(code);
      expect(r.message.length).toBeGreaterThan(0);
    }
  });

  it('normalises policy full names (no tag, no digest)', () => {
    expect(normaliseImageName('docker.io/nginx')).toBe('docker.io/library/nginx');
    expect(normaliseImageName('gcr.io/proj/img')).toBe('gcr.io/proj/img');
    expect(normaliseImageName('localhost:5000/app')).toBe('localhost:5000/app');
    expect(normaliseImageName('[::1]:5000/app')).toBe('[::1]:5000/app');
    expect(normaliseImageName('docker.io/nginx:latest')).toBeUndefined();
    expect(normaliseImageName('docker.io/Nginx')).toBeUndefined();
  });
});

describe('image reference properties', () => {
  it('never throws, and normal forms are fixed points', async () => {
    const fc = (await import('fast-check')).default;
    const part = fc.stringMatching(/^[a-z0-9]{1,5}([._-][a-z0-9]{1,3})?$/);
    const ref = fc
      .tuple(
        fc.constantFrom('', 'docker.io/', 'gcr.io/', 'localhost:5000/', '[::1]:5000/', 'index.docker.io/'),
        fc.array(part, { minLength: 1, maxLength: 3 }),
        fc.option(fc.stringMatching(/^\w[\w.-]{0,8}$/), { nil: undefined }),
      )
      .map(([d, p, tag]) => `${d}${p.join('/')}${tag === undefined ? '' : `:${tag}`}`);
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), ref), (s) => {
        const r = parseImageRef(s);
        if (!r.ok) return;
        const again = parseImageRef(
          `${r.ref.fullName}${r.ref.tag ? `:${r.ref.tag}` : ''}${r.ref.digest ? `@${r.ref.digest}` : ''}`,
        );
        expect(again).toEqual(r);
      }),
      { numRuns: runs(2000) },
    );
  });
});
