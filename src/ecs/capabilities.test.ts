import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allCapsMask, CAP_NAMES, CapabilityNames, capMask, capNames } from './capabilities.js';

describe('capabilities', () => {
  const caps = new CapabilityNames(40);

  it('names bits in order', () => {
    expect(CAP_NAMES).toHaveLength(41);
    expect(CAP_NAMES[21]).toBe('CAP_SYS_ADMIN');
    expect(CAP_NAMES[40]).toBe('CAP_CHECKPOINT_RESTORE');
    expect(caps.names(0n)).toEqual([]);
    expect(caps.names(1n | (1n << 21n))).toEqual(['CAP_CHOWN', 'CAP_SYS_ADMIN']);
  });

  it('says CAP_ALL when every bit the kernel knows is set, and only then', () => {
    expect(caps.names(0x1ffffffffffn)).toEqual(['CAP_ALL']);
    expect(caps.names(allCapsMask(40))).toEqual(['CAP_ALL']);
    // Extra high bits beyond the kernel's last cap do not prevent CAP_ALL.
    expect(caps.names(allCapsMask(40) | (1n << 50n))).toEqual(['CAP_ALL']);
    const missingOne = allCapsMask(40) & ~(1n << 40n);
    expect(caps.names(missingOne)).toHaveLength(40);
    expect(caps.names(missingOne)).not.toContain('CAP_ALL');
    // On an older kernel (cap_last_cap 37, 5.x) the same 38 bits are all.
    expect(new CapabilityNames(37).names(allCapsMask(37))).toEqual(['CAP_ALL']);
    expect(caps.names(allCapsMask(37))).not.toContain('CAP_ALL');
  });

  it('names unknown bits and reads them back', () => {
    expect(capNames(1n << 45n)).toEqual(['CAP_UNKNOWN_45']);
    expect(capMask(['CAP_UNKNOWN_45']).mask).toBe(1n << 45n);
    expect(capMask(['cap_chown', 'CAP_NOPE'])).toEqual({ mask: 1n, unknown: ['CAP_NOPE'] });
    expect(capMask(['CAP_ALL']).mask).toBe(allCapsMask());
  });

  it('round-trips any mask of known bits', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: allCapsMask() }), (m) => {
        const names = caps.names(m);
        const back = capMask(names).mask;
        expect(back).toBe(m);
      }),
    );
  });

  it('memoises and freezes renderings', () => {
    const a = caps.names(3n);
    expect(caps.names(3n)).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
  });

  it('rejects an impossible cap_last_cap', () => {
    expect(() => new CapabilityNames(64)).toThrow(RangeError);
    expect(() => new CapabilityNames(-1)).toThrow(RangeError);
  });
});
