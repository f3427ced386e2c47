// Compiled fields of the network conditions (see compile.ts for the field model).
// - destinationPort: every range's bounds cut 0-65535 into intervals; each interval carries
//   the mask of the selectors whose ranges cover it. Per event: a binary search over at most
//   a few hundred breakpoints, no allocation.
// - destinationAddress: CIDRs parsed once into words and prefix lengths, unix socket patterns
//   in a PathIndex; per distinct address the mask is computed once and memoised (an address
//   is parsed only on its first sighting).

import { type Field, type Mask, memo } from './compile-field.js';
import type { PolicyEvent, Selector } from './model.js';
import { type Cidr, cidrContains, isUnixAddress, parseCidr, parseIp, parsePortValue } from './net.js';
import { PathIndex } from './patterns.js';

function setBit(m: Mask, bit: number): void {
  m[bit >>> 5]! |= 1 << (bit & 31);
}

function freeMask(sels: readonly Selector[], words: number, has: (s: Selector) => boolean): Mask {
  const m = new Uint32Array(words);
  sels.forEach((s, bit) => {
    if (!has(s)) setBit(m, bit);
  });
  return m;
}

export function portField(sels: readonly Selector[], words: number): Field | undefined {
  if (!sels.some((s) => s.destinationPort !== undefined)) return undefined;
  const free = freeMask(sels, words, (s) => s.destinationPort !== undefined);
  const ranges: { lo: number; hi: number; bit: number }[] = [];
  sels.forEach((s, bit) => {
    for (const v of s.destinationPort ?? []) {
      const r = parsePortValue(v);
      // The validator admits only valid values; a policy built in code with a bad one matches nothing.
      if (r.ok) ranges.push({ ...r.value, bit });
    }
  });
  const cuts = [...new Set([0, ...ranges.flatMap((r) => [r.lo, r.hi + 1])])].sort((a, b) => a - b);
  const starts = Int32Array.from(cuts);
  const masks = cuts.map((start) => {
    const m = free.slice();
    for (const r of ranges) if (r.lo <= start && start <= r.hi) setBit(m, r.bit);
    return m;
  });
  return {
    cost: 1,
    free,
    mask: (ev: PolicyEvent) => {
      const p = ev.destinationPort;
      if (p === undefined || !(p >= 0)) return free;
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        if (starts[mid]! <= p) lo = mid;
        else hi = mid - 1;
      }
      return masks[lo]!;
    },
  };
}

export function addressField(sels: readonly Selector[], words: number): Field | undefined {
  if (!sels.some((s) => s.destinationAddress !== undefined)) return undefined;
  const free = freeMask(sels, words, (s) => s.destinationAddress !== undefined);
  const cidrs: { cidr: Cidr; bit: number }[] = [];
  const unix = new PathIndex(words);
  let hasUnix = false;
  sels.forEach((s, bit) => {
    for (const v of s.destinationAddress ?? []) {
      if (isUnixAddress(v)) {
        unix.add(v, bit);
        hasUnix = true;
        continue;
      }
      const c = parseCidr(v);
      if (c.ok) cidrs.push({ cidr: c.value, bit });
    }
  });
  const lookup = memo((address) => {
    const m = free.slice();
    if (hasUnix) unix.matchInto(address, m);
    if (cidrs.length > 0 && !isUnixAddress(address)) {
      const ip = parseIp(address);
      if (ip.ok) for (const c of cidrs) if (cidrContains(c.cidr, ip.value)) setBit(m, c.bit);
    }
    return m;
  });
  return {
    cost: 4,
    free,
    mask: (ev: PolicyEvent) => {
      const a = ev.destinationAddress ?? ev.destinationIp;
      return a === undefined ? free : lookup(a);
    },
  };
}
