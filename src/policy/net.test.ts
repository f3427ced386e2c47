// IP, CIDR and port parsing: exact reasons for bad values, canonical forms, and agreement with
// node's own parser (net.isIP) and matcher (net.BlockList) on random inputs.
import { BlockList, isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runs } from '../util/runs.fixture.js';
import { cidrContains, formatIp, parseAddressValue, parseCidr, parseIp, parsePortValue } from './net.js';

describe('parseIp', () => {
  it.each([
    ['10.1.2.3', [0, 0, 0xffff, 0x0a010203]],
    ['::ffff:10.1.2.3', [0, 0, 0xffff, 0x0a010203]],
    ['::ffff:a01:203', [0, 0, 0xffff, 0x0a010203]],
    ['::', [0, 0, 0, 0]],
    ['::1', [0, 0, 0, 1]],
    ['fd00::5', [0xfd000000, 0, 0, 5]],
    ['2001:DB8:0:0:1:0:0:1', [0x20010db8, 0, 0x10000, 1]],
  ])('%s', (text, words) => {
    expect(parseIp(text)).toEqual({ ok: true, value: words });
  });
  it.each([
    ['1.2.3', 'an IPv4 address has 4 dot-separated numbers, not 3'],
    ['1.2.3.256', '256 is greater than 255'],
    ['01.2.3.4', '"01" has a leading zero'],
    ['1.2.3.x', '"x" is not a number from 0 to 255'],
    ['1::2::3', '"::" may appear only once'],
    ['1:2:3:4:5:6:7', 'an IPv6 address has 8 groups (or "::"), not 7'],
    ['1:2:3:4:5:6:7::8', 'too many groups around "::"'],
    ['12345::', '"12345" is not a group of 1 to 4 hex digits'],
    ['fe80::1%eth0', 'zone indexes (%...) are not supported'],
  ])('%s: %s', (text, reason) => {
    expect(parseIp(text)).toEqual({ ok: false, reason });
  });

  it('accepts exactly what node accepts (zones aside)', () => {
    const chars = fc.constantFrom(
      ...'0123456789abcdefABCDEF:.:::.'.split(''),
      'ffff',
      '::ffff:',
      '255',
      '256',
    );
    fc.assert(
      fc.property(
        fc.array(chars, { maxLength: 16 }).map((a) => a.join('')),
        (s) => {
          expect(parseIp(s).ok).toBe(isIP(s) !== 0);
        },
      ),
      { numRuns: runs(5000) },
    );
  });

  it('formats canonically (RFC 5952) and round-trips', () => {
    const w = (s: string) => (parseIp(s) as { value: [number, number, number, number] }).value;
    expect(formatIp(w('2001:db8:0:0:1:0:0:1'), false)).toBe('2001:db8::1:0:0:1');
    expect(formatIp(w('::'), false)).toBe('::');
    expect(formatIp(w('1:0:0:2:0:0:0:3'), false)).toBe('1:0:0:2::3');
    expect(formatIp(w('1:2:3:4:5:6:7:8'), false)).toBe('1:2:3:4:5:6:7:8');
    expect(formatIp(w('1:0:3:4:5:6:7:8'), false)).toBe('1:0:3:4:5:6:7:8');
    expect(formatIp(w('10.0.0.1'), true)).toBe('10.0.0.1');
    fc.assert(
      fc.property(fc.ipV6(), (s) => {
        const text = formatIp(w(s), false);
        expect(w(text)).toEqual(w(s));
      }),
    );
  });
});

describe('CIDRs', () => {
  it('parses prefixes and names problems', () => {
    expect(parseCidr('10.0.0.0/8')).toEqual({
      ok: true,
      value: { net: [0, 0, 0xffff, 0x0a000000], bits: 104 },
    });
    expect(parseCidr('10.1.2.3')).toMatchObject({ ok: true, value: { bits: 128 } });
    expect(parseCidr('fd00::/8')).toMatchObject({ ok: true, value: { bits: 8 } });
    expect(parseCidr('10.1.2.3/8')).toMatchObject({ ok: true, value: { hostBits: '10.0.0.0/8' } });
    expect(parseCidr('10.0.0.0/33')).toEqual({
      ok: false,
      reason: 'the prefix length 33 is greater than 32 for an IPv4 address',
    });
    expect(parseCidr('::/129')).toMatchObject({ ok: false });
    expect(parseCidr('10.0.0.0/08')).toEqual({
      ok: false,
      reason: 'the prefix length "08" is not a number from 0 to 32',
    });
    expect(parseCidr('10.0.0.0/')).toMatchObject({ ok: false });
  });

  it("contains exactly what node's BlockList says, across families", () => {
    const v4 = fc.ipV4();
    const v6 = fc.oneof(
      fc.ipV6(),
      v4.map((a) => `::ffff:${a}`),
    );
    const cidr = fc.oneof(
      fc.tuple(v4, fc.integer({ min: 0, max: 32 })).map(([a, n]) => [a, n, 'ipv4'] as const),
      fc.tuple(v6, fc.integer({ min: 0, max: 128 })).map(([a, n]) => [a, n, 'ipv6'] as const),
    );
    // Nearby addresses so that small prefixes are exercised: the network itself, +-1 in the last word.
    fc.assert(
      fc.property(cidr, fc.oneof(v4, v6), ([net, len, type], other) => {
        const c = parseCidr(`${net}/${len}`);
        expect(c.ok).toBe(true);
        if (!c.ok) return;
        const list = new BlockList();
        list.addSubnet(net, len, type);
        for (const addr of [net, other]) {
          const ip = parseIp(addr);
          if (!ip.ok) throw new Error(addr);
          expect(cidrContains(c.value, ip.value)).toBe(list.check(addr, isIP(addr) === 6 ? 'ipv6' : 'ipv4'));
        }
      }),
      { numRuns: runs(3000) },
    );
  });
});

describe('destinationAddress values', () => {
  it.each([
    '/run/docker.sock',
    '/run/*',
    '/**',
    '@abstract',
    '@/tmp/.X11-unix/X0',
    '@/tmp/.X11-unix/*',
    '@name/**',
    '10.0.0.0/8',
    '::1',
  ])('accepts %s', (v) => {
    expect(parseAddressValue(v).ok).toBe(true);
  });
  it.each(['/', '/run/', '/run/*/x', '@', '@*', '@a/***', 'localhost', '', '10.0.0.0/8/8'])(
    'rejects %j',
    (v) => {
      expect(parseAddressValue(v).ok).toBe(false);
    },
  );
});

describe('ports', () => {
  it.each([
    [443, { lo: 443, hi: 443 }],
    ['443', { lo: 443, hi: 443 }],
    ['0-65535', { lo: 0, hi: 65535 }],
    ['8000-8000', { lo: 8000, hi: 8000 }],
  ])('%j', (v, r) => {
    expect(parsePortValue(v)).toEqual({ ok: true, value: r });
  });
  it.each([
    [65536, '65536 is outside 0-65535'],
    [-1, '-1 is outside 0-65535'],
    [Number.NaN, 'NaN is not a whole number'],
    ['8080-80', 'the range is reversed (8080 > 80); write 80-8080'],
    ['80 - 90', 'expected a port (443) or a range (8000-8080)'],
    ['123456', 'expected a port (443) or a range (8000-8080)'],
  ])('%j: %s', (v, reason) => {
    expect(parsePortValue(v)).toEqual({ ok: false, reason });
  });
});
