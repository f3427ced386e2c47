// The ECS builder, the container resolvers and the policy all name images through
// src/util/image-ref.ts: one table shows they agree (the policy without tags, the resolvers
// with the runtime's default tag).
import { describe, expect, it } from 'vitest';
import { normalizeImageRef } from '../src/container/index.js';
import { parseImageRef } from '../src/ecs/index.js';
import { imageReferenceTag, imageRepositoryName, normalizeImageName } from '../src/policy/index.js';

const D = 'sha256:0a399eb16751829e1af26fea27b20c3ec28d7ab1fb72182879dcae1cca21206a';

describe('one image normalisation', () => {
  it.each([
    // input, full name (undefined: not a reference), tag as written
    ['nginx', 'docker.io/library/nginx', undefined],
    ['nginx:1.27', 'docker.io/library/nginx', '1.27'],
    ['library/nginx', 'docker.io/library/nginx', undefined],
    ['docker.io/nginx', 'docker.io/library/nginx', undefined],
    ['index.docker.io/library/nginx', 'docker.io/library/nginx', undefined],
    ['localhost:5000/app:1', 'localhost:5000/app', '1'],
    ['[::1]:5000/app', '[::1]:5000/app', undefined],
    [`gcr.io/p/i@${D}`, 'gcr.io/p/i', undefined],
    ['DOCKER.IO/nginx', 'DOCKER.IO/nginx', undefined],
    ['Nginx', undefined, undefined],
    ['', undefined, undefined],
    ['garbage!!', undefined, undefined],
    ['nginx:', undefined, undefined],
  ])('%j', (input, full, tag) => {
    const ecs = parseImageRef(input);
    const ctr = normalizeImageRef(input);
    if (full === undefined) {
      expect(ecs.ok).toBe(false);
      expect(ctr).toBeUndefined();
      expect(normalizeImageName(input)).toBe(input.trim()); // compared as written
      expect(imageReferenceTag(input)).toBeUndefined();
      return;
    }
    expect(ecs.ok && ecs.ref.fullName).toBe(full);
    expect(ecs.ok && ecs.ref.tag).toBe(tag);
    expect(ctr?.name).toBe(full);
    expect(ctr?.tag).toBe(tag ?? (input.includes('@') ? undefined : 'latest'));
    expect(normalizeImageName(input)).toBe(full);
    expect(imageReferenceTag(input)).toBe(tag);
    expect(imageRepositoryName(input)).toBe(ecs.ok && ecs.ref.name);
  });
});
