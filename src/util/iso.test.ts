import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIso, isoFromMs } from './iso.js';

describe('ISO formatting', () => {
  it('matches Date.toISOString, cached minute or not, fractional ms included', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -62_000_000_000_000, max: 300_000_000_000_000, noNaN: true }), {
          minLength: 1,
          maxLength: 20,
        }),
        (list) => {
          for (const ms of list) {
            for (const d of [0, 0.5, 1, 59_999, 60_000, 61_001]) {
              expect(formatIso(ms + d)).toBe(new Date(ms + d).toISOString());
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('isoFromMs is undefined out of range, never throws', () => {
    expect(isoFromMs(Number.NaN)).toBeUndefined();
    expect(isoFromMs(Number.POSITIVE_INFINITY)).toBeUndefined();
    expect(isoFromMs(8.64e15 + 1)).toBeUndefined();
    expect(isoFromMs(0)).toBe('1970-01-01T00:00:00.000Z');
    expect(() => formatIso(Number.NaN)).toThrow(RangeError);
  });
});
