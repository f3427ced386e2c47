import { describe, expect, it } from 'vitest';
import { rng } from './rng.fixture.js';

describe('rng (mulberry32)', () => {
  it('is deterministic per seed, in [0, 1), and seeds differ', () => {
    const a = rng(42);
    const b = rng(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
    expect(rng(43)()).not.toBe(rng(42)());
    // mulberry32's first output for seed 1 (reference value of the published algorithm).
    expect(Math.round(rng(1)() * 4294967296)).toBe(2693262067);
  });
});
