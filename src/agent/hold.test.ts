import { describe, expect, it } from 'vitest';
import type { CgroupIdentity, ContainerMeta, ContainerResolver } from '../container/index.js';
import { type Holdable, MetadataHold } from './hold.js';
import { newCounters } from './stats.js';

interface Ev extends Holdable {
  n: number;
}

/** A resolver whose lookups answer when the test says so; `cached` is what lookup() returns. */
function fakeResolver() {
  const cached = new Map<string, ContainerMeta>();
  const waiting = new Map<string, (m: ContainerMeta) => void>();
  let resolves = 0;
  const resolver = {
    lookup: (id: string) => cached.get(id),
    resolve: (id: string) => {
      resolves++;
      return new Promise<ContainerMeta>((r) => waiting.set(id, r));
    },
  } as unknown as ContainerResolver;
  const answer = async (id: string, cache: boolean) => {
    const meta = { id } as unknown as ContainerMeta;
    if (cache) cached.set(id, meta);
    waiting.get(id)?.(meta);
    await Promise.resolve();
    await Promise.resolve();
  };
  return { resolver, answer, resolves: () => resolves };
}

const ev = (n: number, cid?: string): Ev => ({
  n,
  cid,
  identity: cid ? ({ id: cid } as unknown as CgroupIdentity) : undefined,
  held: false,
});

describe('MetadataHold', () => {
  it('holds events of an unknown container, in order, until its lookup answers; one lookup per container', async () => {
    const f = fakeResolver();
    const out: number[] = [];
    const c = newCounters();
    const q = new MetadataHold<Ev>(
      f.resolver,
      c,
      100,
      (h) => out.push(h.n),
      () => {},
    );
    q.enqueue(ev(1)); // host event, nothing held: straight through
    q.enqueue(ev(2, 'a'));
    q.enqueue(ev(3)); // behind a held event: waits too (order is kept)
    q.enqueue(ev(4, 'a'));
    expect(out).toEqual([1]);
    expect(q.pending).toBe(3);
    expect(f.resolves()).toBe(1);
    await f.answer('a', true);
    expect(out).toEqual([1, 2, 3, 4]);
    expect(q.pending).toBe(0);
    expect(c.held).toBe(3);
  });

  it('keeps an answer the resolver did not cache, so the queue still moves', async () => {
    const f = fakeResolver();
    const out: number[] = [];
    const q = new MetadataHold<Ev>(
      f.resolver,
      newCounters(),
      100,
      (h) => out.push(h.n),
      () => {},
    );
    q.enqueue(ev(1, 'gone'));
    await f.answer('gone', false);
    expect(out).toEqual([1]);
    expect(q.meta('gone', undefined)).toBeDefined();
  });

  it('is bounded: beyond maxHeld the oldest goes out with what is known, counted', () => {
    const f = fakeResolver();
    const out: number[] = [];
    const c = newCounters();
    const q = new MetadataHold<Ev>(
      f.resolver,
      c,
      2,
      (h) => out.push(h.n),
      () => {},
    );
    for (let i = 1; i <= 5; i++) q.enqueue(ev(i, 'slow'));
    expect(out).toEqual([1, 2, 3]);
    expect(c.holdOverflow).toBe(3);
    q.drain(true);
    expect(out).toEqual([1, 2, 3, 4, 5]);
  });

  it('a failing finish is reported and does not stop the queue', async () => {
    const f = fakeResolver();
    const out: number[] = [];
    const errors: unknown[] = [];
    const q = new MetadataHold<Ev>(
      f.resolver,
      newCounters(),
      100,
      (h) => {
        if (h.n === 2) throw new Error('boom');
        out.push(h.n);
      },
      (e) => errors.push(e),
    );
    for (let i = 1; i <= 3; i++) q.enqueue(ev(i, 'x'));
    await f.answer('x', true);
    expect(out).toEqual([1, 3]);
    expect(errors).toHaveLength(1);
  });
});
