import { describe, expect, it } from 'vitest';
import {
  imageNameCache,
  imageReferenceTag,
  imageRepositoryName,
  normalizeImageName,
  PathIndex,
  pathMatcher,
  starMatcher,
} from './patterns.js';

// Each row: patterns, value, expected. Every pattern set is also run padded with 12 unrelated
// patterns of the same kind, which switches the matchers to their sorted/binary-search form.
const PATH_CASES: [string[], string, boolean][] = [
  [['/usr/bin/ls'], '/usr/bin/ls', true],
  [['/usr/bin/ls'], '/usr/bin/lsx', false],
  [['/usr/bin/ls'], '/usr/bin', false],
  [['/usr/bin/ls'], '/usr/bin/ls/x', false],
  [['/usr/bin/*'], '/usr/bin/ls', true],
  [['/usr/bin/*'], '/usr/bin/x/ls', false],
  [['/usr/bin/*'], '/usr/bin', false],
  [['/usr/bin/*'], '/usr/bin/', false],
  [['/usr/bin/*'], '/usr/binx/ls', false],
  [['/usr/bin/*'], '/usr/sbin/ls', false],
  [['/usr/**'], '/usr/bin', true],
  [['/usr/**'], '/usr/bin/ls', true],
  [['/usr/**'], '/usr/a/b/c/d', true],
  [['/usr/**'], '/usr', false],
  [['/usr/**'], '/usr/', false],
  [['/usr/**'], '/usrx/bin', false],
  [['/*'], '/etc', true],
  [['/*'], '/etc/passwd', false],
  [['/*'], '/', false],
  [['/**'], '/etc', true],
  [['/**'], '/a/b/c', true],
  [['/**'], 'relative/path', false],
  [['/etc/passwd', '/usr/bin/*', '/var/**'], '/var/log/x', true],
  [['/etc/passwd', '/usr/bin/*', '/var/**'], '/etc/passwd', true],
  [['/etc/passwd', '/usr/bin/*', '/var/**'], '/usr/bin/sh', true],
  [['/etc/passwd', '/usr/bin/*', '/var/**'], '/etc/shadow', false],
  [['/a/**', '/a/b/**'], '/a/b/c', true],
  [['/a/b/**', '/a/**'], '/a/x', true],
  [['/a/*', '/a/b/*'], '/a/b/c', true],
  [['/a/*', '/a/b/*'], '/a/x/c', false],
  [[], '/etc', false],
];

const STAR_CASES: [string[], string, boolean][] = [
  [['web'], 'web', true],
  [['web'], 'web-1', false],
  [['web-*'], 'web-1', true],
  [['web-*'], 'web-', true],
  [['web-*'], 'web', false],
  [['web-*'], 'api-web-1', false],
  [['*'], 'anything', true],
  [['app:web'], 'app:web', true],
  [['app:web'], 'app:web2', false],
  [['app:web*'], 'app:web2', true],
  [['app:web*'], 'app:web', true],
  [['app:web*'], 'app2:web', false],
  [['app:'], 'app:', true],
  [['app:'], 'app:x', false],
  [['app:*'], 'app:', true],
  [['app:*'], 'app:x', true],
  [['app:*'], 'apps:x', false],
  [['app:*'], 'app', false],
  [['app.kubernetes.io/name:web'], 'app.kubernetes.io/name:web', true],
  [['a*', 'ab*'], 'abc', true],
  [['ab*', 'a*'], 'ax', true],
];

const pad = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i));

describe('pathMatcher', () => {
  it.each(PATH_CASES)('%j vs %s -> %s', (patterns, path, want) => {
    expect(pathMatcher(patterns)(path)).toBe(want);
    const padded = [
      ...patterns,
      ...pad(12, (i) => `/zz${i}/x`),
      ...pad(12, (i) => `/zz${i}/*`),
      ...pad(12, (i) => `/zz${i}/**`),
      ...pad(12, (i) => `/0${i}/**`),
    ];
    expect(pathMatcher(padded)(path)).toBe(want);
  });
  it.each(PATH_CASES)('PathIndex: %j vs %s -> %s', (patterns, path, want) => {
    // Each pattern gets its own bit (spread over two words); the wanted bit set is computed
    // pattern by pattern with the single-pattern matcher.
    const index = new PathIndex(2);
    patterns.forEach((p, i) => {
      index.add(p, i * 7);
    });
    const out = new Uint32Array(2);
    index.matchInto(path, out);
    const bits = patterns.flatMap((p, i) => (pathMatcher([p])(path) ? [i * 7] : []));
    const expected = new Uint32Array(2);
    for (const b of bits) expected[b >>> 5]! |= 1 << (b & 31);
    expect([...out]).toEqual([...expected]);
    expect(out.some((w) => w !== 0)).toBe(want);
  });
  it('large child lists find the directory exactly', () => {
    const dirs = pad(40, (i) => `/d${i}/*`);
    const m = pathMatcher(dirs);
    expect(m('/d7/x')).toBe(true);
    expect(m('/d39/x')).toBe(true);
    expect(m('/d7/x/y')).toBe(false);
    expect(m('/d40/x')).toBe(false);
    expect(m('/d7')).toBe(false);
    expect(m('/d/x')).toBe(false);
  });
});

describe('starMatcher', () => {
  it.each(STAR_CASES)('%j vs %s -> %s', (patterns, value, want) => {
    expect(starMatcher(patterns)(value)).toBe(want);
    const padded = [...patterns, ...pad(12, (i) => `zz${i}*`), ...pad(12, (i) => `00${i}`)];
    expect(starMatcher(padded)(value)).toBe(want);
  });
});

const DIGEST = 'sha256:0a399eb16751829e1af26fea27b20c3ec28d7ab1fb72182879dcae1cca21206a';

describe('images', () => {
  it.each([
    ['nginx', 'docker.io/library/nginx'],
    ['nginx:1.25', 'docker.io/library/nginx'],
    [`nginx@${DIGEST}`, 'docker.io/library/nginx'],
    ['library/nginx', 'docker.io/library/nginx'],
    ['docker.io/nginx', 'docker.io/library/nginx'],
    ['docker.io/library/nginx', 'docker.io/library/nginx'],
    ['index.docker.io/library/nginx:latest', 'docker.io/library/nginx'],
    // Docker keeps a registry host as written: no lower-casing, so no `library/` either.
    ['DOCKER.IO/nginx', 'DOCKER.IO/nginx'],
    // Not a reference: compared as written (trimmed), so only the same spelling matches.
    ['Nginx', 'Nginx'],
    [' a b ', 'a b'],
    ['bitnami/nginx', 'docker.io/bitnami/nginx'],
    ['gcr.io/proj/img', 'gcr.io/proj/img'],
    [`gcr.io/proj/img:v1@${DIGEST}`, 'gcr.io/proj/img'],
    ['localhost:5000/app', 'localhost:5000/app'],
    ['localhost:5000/app:v2', 'localhost:5000/app'],
    ['localhost/app', 'localhost/app'],
    ['[::1]:5000/app', '[::1]:5000/app'],
    ['registry.k8s.io/pause:3.9', 'registry.k8s.io/pause'],
    ['', ''],
  ])('normalizeImageName(%s) = %s', (ref, want) => {
    expect(normalizeImageName(ref)).toBe(want);
    expect(normalizeImageName(want)).toBe(want); // idempotent
  });

  it.each([
    ['docker.io/library/nginx', 'nginx'],
    ['gcr.io/proj/nginx', 'nginx'],
    ['docker.io/bitnami/nginx', 'nginx'],
    ['nginx:1.25', 'nginx'],
    ['docker.io/library/nginx-ingress', 'nginx-ingress'],
    ['gcr.io/nginx/controller', 'controller'],
    ['localhost:5000/app', 'app'],
  ])('imageRepositoryName(%s) = %s', (ref, want) => {
    expect(imageRepositoryName(ref)).toBe(want);
  });

  it.each([
    ['nginx:1.25', '1.25'],
    ['nginx', undefined],
    ['localhost:5000/app', undefined],
    ['localhost:5000/app:v2', 'v2'],
    [`nginx:1.25@${DIGEST}`, '1.25'],
    ['nginx:1.25@sha256:ab', undefined], // bad digest: not a reference
    ['nginx:', undefined],
  ])('imageReferenceTag(%s) = %s', (ref, want) => {
    expect(imageReferenceTag(ref)).toBe(want);
  });

  it('the image cache returns the same object for a repeated name and stays bounded', () => {
    const names = imageNameCache(4);
    const a = names('nginx');
    expect(a).toEqual({ full: 'docker.io/library/nginx', name: 'nginx' });
    expect(names('nginx')).toBe(a);
    for (let i = 0; i < 10; i++) names(`img${i}`);
    expect(names('nginx')).toEqual(a);
  });
});
