import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runs } from '../util/runs.fixture.js';
import { ProcessEntry } from './entry.js';
import { entityIdOf, isoOf } from './view.js';

describe('isoOf', () => {
  it('matches Date.toISOString, cached minute or not', () => {
    const boot = 1_700_000_000_000;
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 400 * 86_400_000 }), { minLength: 1, maxLength: 20 }),
        (msList) => {
          for (const ms of msList) {
            for (const d of [0, 1, 59_999, 60_000, 61_001]) {
              const ns = (ms + d) * 1e6 + 500_000; // mid-ms: beyond 2^53 ns a double rounds by a few ns
              expect(isoOf(boot, ns)).toBe(new Date(boot + ms + d).toISOString());
            }
          }
        },
      ),
    );
  });
});

describe('entityIdOf', () => {
  it('the last ns of a tick stays in that tick at high uptimes', () => {
    const e = new ProcessEntry(9, 900_000_000 * 1e7 + 9_999_999);
    expect(Buffer.from(entityIdOf('a', e, 0, 1e7), 'base64').toString()).toBe('a-9-9000000-900000000');
  });

  it('encodes agent, pid, start seconds and ticks', () => {
    const e = new ProcessEntry(7, 61.239 * 1e9);
    expect(Buffer.from(entityIdOf('a-b', e, 1_000_000, 1e7), 'base64').toString()).toBe('a-b-7-1061-6123');
    expect(Buffer.from(entityIdOf('agént☃', e, 0, 1e7), 'base64').toString()).toBe('agént☃-7-61-6123');
  });

  it('is the same for a /proc start (clock ticks) and the exact start of one process', () => {
    fc.assert(
      fc.property(
        // up to 2^53 ns (104 days of uptime): beyond it a double holds ns only to a few ns
        fc.integer({ min: 0, max: 900_719_924 }),
        fc.integer({ min: 0, max: 9_999_999 }),
        fc.integer({ min: 1_600_000_000_000, max: 1_800_000_000_000 }),
        (ticks, within, bootMs) => {
          const fromProc = new ProcessEntry(9, ticks * 1e7);
          const exact = new ProcessEntry(9, ticks * 1e7 + within);
          expect(entityIdOf('a', exact, bootMs, 1e7)).toBe(entityIdOf('a', fromProc, bootMs, 1e7));
        },
      ),
      { numRuns: runs(2000) },
    );
  });
});
