// bench/run.ts accepts only a list of finite, positive results from a bench: what `npm run bench
// -- --smoke` (in `npm run check`) relies on to fail on a broken bench.
import { describe, expect, it } from 'vitest';
import { notResults } from '../bench/run.js';

describe('bench/run.ts: a bench answer', () => {
  it('is a list of results with finite, positive ops/s', () => {
    expect(notResults([{ group: 'g', name: 'a', opsPerSec: 12.5, baseline: true }])).toBeUndefined();
    expect(notResults([])).toBeUndefined(); // a bench skipped here (not root)
  });

  it('is refused when it is an object, or a figure is NaN, zero or missing', () => {
    expect(notResults({ name: 'process-table' })).toBe('returned object, not a list of results');
    expect(notResults([{ group: 'g', name: 'a', opsPerSec: Number.NaN }])).toMatch(/not finite and positive/);
    expect(notResults([{ group: 'g', name: 'a', opsPerSec: 0 }])).toMatch(/not finite and positive/);
    expect(notResults([{ group: 'g', name: 'a' }])).toMatch(/not finite and positive/);
  });
});
