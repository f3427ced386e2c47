// Network values of the policy language: IP addresses, CIDRs, unix socket paths and ports.
// Parsed once at load/compile time into plain numbers; the per-event work is parsing the
// event's own address (memoised by callers) and comparing four 32-bit words.
//
// Addresses are 128-bit, as four unsigned 32-bit words, most significant first. An IPv4
// address is held in its IPv4-mapped form `::ffff:a.b.c.d`, so `10.0.0.1` and
// `::ffff:10.0.0.1` are the same address and an IPv4 CIDR `10.0.0.0/8` is the IPv6 CIDR
// `::ffff:10.0.0.0/104`. Consequence, documented in docs/policy.md: an IPv6 CIDR containing
// the mapped range (`::/n` with n <= 80, `::ffff:0:0/96`) matches IPv4 addresses too.

import { ipv6Text } from '../util/index.js';
export type Words = [number, number, number, number];

export interface Cidr {
  /** The network address, host bits cleared. */
  net: Words;
  /** Prefix length over 128 bits (an IPv4 /n is 96+n). */
  bits: number;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

const fail = <T>(reason: string): Parsed<T> => ({ ok: false, reason });

function parseV4Parts(s: string): Parsed<number> {
  const parts = s.split('.');
  if (parts.length !== 4) return fail(`an IPv4 address has 4 dot-separated numbers, not ${parts.length}`);
  let n = 0;
  for (const p of parts) {
    if (!/^[0-9]{1,3}$/.test(p)) return fail(`${JSON.stringify(p)} is not a number from 0 to 255`);
    if (p.length > 1 && p.startsWith('0')) return fail(`${JSON.stringify(p)} has a leading zero`);
    const v = Number(p);
    if (v > 255) return fail(`${p} is greater than 255`);
    n = n * 256 + v;
  }
  return { ok: true, value: n };
}

/** IPv6 text (RFC 4291 forms: `::`, a trailing dotted quad) to words. */
function parseV6(s: string): Parsed<Words> {
  if (s.includes('%')) return fail('zone indexes (%...) are not supported');
  const halves = s.split('::');
  if (halves.length > 2) return fail('"::" may appear only once');
  const groups = (h: string): Parsed<number[]> => {
    if (h === '') return { ok: true, value: [] };
    const out: number[] = [];
    const items = h.split(':');
    for (let i = 0; i < items.length; i++) {
      const g = items[i]!;
      if (i === items.length - 1 && g.includes('.')) {
        const v4 = parseV4Parts(g);
        if (!v4.ok) return fail(v4.reason);
        out.push(v4.value >>> 16, v4.value & 0xffff);
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(g))
        return fail(`${JSON.stringify(g)} is not a group of 1 to 4 hex digits`);
      out.push(Number.parseInt(g, 16));
    }
    return { ok: true, value: out };
  };
  const head = groups(halves[0]!);
  if (!head.ok) return fail(head.reason);
  let all: number[];
  if (halves.length === 2) {
    const tail = groups(halves[1]!);
    if (!tail.ok) return fail(tail.reason);
    const missing = 8 - head.value.length - tail.value.length;
    if (missing < 1) return fail('too many groups around "::"');
    all = [...head.value, ...new Array<number>(missing).fill(0), ...tail.value];
  } else {
    all = head.value;
    if (all.length !== 8) return fail(`an IPv6 address has 8 groups (or "::"), not ${all.length}`);
  }
  const w = (i: number) => ((all[i]! << 16) | all[i + 1]!) >>> 0;
  return { ok: true, value: [w(0), w(2), w(4), w(6)] };
}

function mapped(v4: number): Words {
  return [0, 0, 0xffff, v4 >>> 0];
}

/** An IPv4 or IPv6 address; IPv4 (and IPv4-mapped IPv6) in the mapped form. */
export function parseIp(s: string): Parsed<Words> {
  if (s.includes(':')) return parseV6(s);
  const v4 = parseV4Parts(s);
  return v4.ok ? { ok: true, value: mapped(v4.value) } : fail(v4.reason);
}

/** The mask word i of a 128-bit prefix of `bits`. */
function maskWord(bits: number, i: number): number {
  const b = bits - 32 * i;
  if (b >= 32) return 0xffffffff;
  if (b <= 0) return 0;
  return (0xffffffff << (32 - b)) >>> 0;
}

export interface ParsedCidr extends Cidr {
  /** The value had bits set below the prefix (they are ignored): the network as written canonically. */
  hostBits?: string;
}

/** `10.0.0.0/8`, `fd00::/8`, or a plain address (a /32 or /128). */
export function parseCidr(s: string): Parsed<ParsedCidr> {
  const slash = s.indexOf('/');
  const addrText = slash < 0 ? s : s.slice(0, slash);
  const v6 = addrText.includes(':');
  const ip = parseIp(addrText);
  if (!ip.ok) return fail(`not a valid ${v6 ? 'IPv6' : 'IPv4'} address: ${ip.reason}`);
  const max = v6 ? 128 : 32;
  let len = max;
  if (slash >= 0) {
    const lenText = s.slice(slash + 1);
    if (!/^[0-9]{1,3}$/.test(lenText) || (lenText.length > 1 && lenText.startsWith('0')))
      return fail(`the prefix length ${JSON.stringify(lenText)} is not a number from 0 to ${max}`);
    len = Number(lenText);
    if (len > max)
      return fail(`the prefix length ${len} is greater than ${max} for an ${v6 ? 'IPv6' : 'IPv4'} address`);
  }
  const bits = v6 ? len : 96 + len;
  const net = ip.value.map((w, i) => (w & maskWord(bits, i)) >>> 0) as Words;
  const out: ParsedCidr = { net, bits };
  if (net.some((w, i) => w !== ip.value[i])) out.hostBits = `${formatIp(net, !v6)}/${len}`;
  return { ok: true, value: out };
}

/** Canonical text: dotted quad when `v4`, else RFC 5952 compressed IPv6. */
export function formatIp(w: Words, v4: boolean): string {
  if (v4) return [w[3] >>> 24, (w[3] >>> 16) & 255, (w[3] >>> 8) & 255, w[3] & 255].join('.');
  return ipv6Text(w.flatMap((x) => [x >>> 16, x & 0xffff]));
}

export function cidrContains(c: Cidr, ip: Words): boolean {
  for (let i = 0; i < 4; i++) {
    const m = maskWord(c.bits, i);
    if (m === 0) return true;
    if ((ip[i]! & m) >>> 0 !== c.net[i]) return false;
  }
  return true;
}

// ---- unix socket paths ----

/** Filesystem socket paths: the `targetFilePath` rule. */
const UNIX_PATH = /^(?:\/[^/*]+)*(?:\/\*|\/\*\*)?$/;
/**
 * Abstract socket names: `@`, then a name whose `/`-separated parts follow the path rule, the
 * first part may be empty (`@/tmp/.X11-unix/X0`). Wildcards only as a final `/*` or `/**`.
 */
const ABSTRACT = /^@(?:[^/*]+|(?=\/))(?:\/[^/*]+)*(?:\/\*|\/\*\*)?$/;

export function isUnixAddress(v: string): boolean {
  return v.startsWith('/') || v.startsWith('@');
}

// ---- destinationAddress values ----

export type AddressValue = { kind: 'cidr'; cidr: ParsedCidr } | { kind: 'unix'; pattern: string };

/** A `destinationAddress` value, or why it is not one. */
export function parseAddressValue(v: string): Parsed<AddressValue> {
  if (v.startsWith('/')) {
    return UNIX_PATH.test(v)
      ? { ok: true, value: { kind: 'unix', pattern: v } }
      : fail(
          'a unix socket path must be absolute; a final /* matches the sockets of a directory, /** any depth (e.g. /run/containerd/*)',
        );
  }
  if (v.startsWith('@')) {
    return ABSTRACT.test(v)
      ? { ok: true, value: { kind: 'unix', pattern: v } }
      : fail('an abstract unix socket name is @ followed by a name; a final /* or /** is the only wildcard');
  }
  const c = parseCidr(v);
  if (!c.ok)
    return fail(`${c.reason}; expected an IP address, a CIDR (10.0.0.0/8, fd00::/8) or a unix socket path`);
  return { ok: true, value: { kind: 'cidr', cidr: c.value } };
}

// ---- destinationPort values ----

export interface PortRange {
  lo: number;
  hi: number;
}

export const MAX_PORT = 65535;

/** A `destinationPort` value: a YAML integer or a string `N` / `N-M`, 0-65535. */
export function parsePortValue(v: string | number): Parsed<PortRange> {
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) return fail(`${v} is not a whole number`);
    if (v < 0 || v > MAX_PORT) return fail(`${v} is outside 0-${MAX_PORT}`);
    return { ok: true, value: { lo: v, hi: v } };
  }
  const m = /^([0-9]{1,5})(?:-([0-9]{1,5}))?$/.exec(v);
  if (!m) return fail('expected a port (443) or a range (8000-8080)');
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  for (const p of [lo, hi]) if (p > MAX_PORT) return fail(`${p} is outside 0-${MAX_PORT}`);
  if (lo > hi) return fail(`the range is reversed (${lo} > ${hi}); write ${hi}-${lo}`);
  return { ok: true, value: { lo, hi } };
}

/** The canonical text of a port value: `443` or `8000-8080` (what the Policy model holds). */
export function portText(r: PortRange): string {
  return r.lo === r.hi ? String(r.lo) : `${r.lo}-${r.hi}`;
}
