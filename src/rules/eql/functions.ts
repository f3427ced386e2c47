// Elasticsearch EQL string/math functions on scalar values. Shared by the compiled path and the
// interpreter. Null in (or a value of the wrong type) gives null out, as in Elasticsearch.

import { wildcardMatch } from '../common/wildcard.js';
import type { Literal } from './ast.js';

export type Scalar = Literal;

const str = (v: Scalar | undefined): v is string => typeof v === 'string';
const num = (v: Scalar | undefined): v is number => typeof v === 'number';
const low = (s: string, ci: boolean): string => (ci ? s.toLowerCase() : s);

function arith(
  a: Scalar | undefined,
  b: Scalar | undefined,
  f: (x: number, y: number) => number | null,
): Scalar {
  if (!num(a) || !num(b)) return null;
  const r = f(a, b);
  return r === null || !Number.isFinite(r) ? null : r;
}

export type Fn = (args: Scalar[], ci: boolean) => Scalar;

export const FUNCTION_IMPLS: Record<string, Fn> = {
  add: ([a, b]) => arith(a, b, (x, y) => x + y),
  subtract: ([a, b]) => arith(a, b, (x, y) => x - y),
  multiply: ([a, b]) => arith(a, b, (x, y) => x * y),
  divide: ([a, b]) =>
    arith(a, b, (x, y) =>
      y === 0 ? null : Number.isInteger(x) && Number.isInteger(y) ? Math.trunc(x / y) : x / y,
    ),
  modulo: ([a, b]) => arith(a, b, (x, y) => (y === 0 ? null : x % y)),
  between: ([s, l, r, g], ci) => {
    if (!str(s) || !str(l) || !str(r)) return null;
    const greedy = g === true;
    const hay = low(s, ci);
    const li = hay.indexOf(low(l, ci));
    if (li < 0) return '';
    const from = li + l.length;
    const ri = greedy ? hay.lastIndexOf(low(r, ci)) : hay.indexOf(low(r, ci), from);
    if (ri < from) return '';
    return s.slice(from, ri);
  },
  cidrMatch: ([ip, ...cidrs]) => {
    if (!str(ip)) return null;
    const addr = parseIp(ip);
    if (!addr) return false;
    for (const c of cidrs) {
      if (str(c) && cidrContains(c, addr)) return true;
    }
    return false;
  },
  concat: (args) => {
    let out = '';
    for (const a of args) {
      if (a === null) return null;
      out += String(a);
    }
    return out;
  },
  endsWith: ([s, x], ci) => (str(s) && str(x) ? low(s, ci).endsWith(low(x, ci)) : null),
  startsWith: ([s, x], ci) => (str(s) && str(x) ? low(s, ci).startsWith(low(x, ci)) : null),
  stringContains: ([s, x], ci) => (str(s) && str(x) ? low(s, ci).includes(low(x, ci)) : null),
  indexOf: ([s, x, start], ci) => {
    if (!str(s) || !str(x)) return null;
    const from =
      start === undefined || start === null ? 0 : num(start) ? Math.max(0, Math.trunc(start)) : null;
    if (from === null) return null;
    const i = low(s, ci).indexOf(low(x, ci), from);
    return i < 0 ? null : i;
  },
  length: ([s]) => (str(s) ? s.length : null),
  number: ([s, base]) => {
    if (num(s)) return s;
    if (!str(s)) return null;
    const b = base === undefined || base === null ? 10 : num(base) ? base : null;
    if (b === null) return null;
    const t = s.trim();
    if (b === 10) {
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return null;
      return Number(t);
    }
    const body = b === 16 ? t.replace(/^([+-]?)0[xX]/, '$1') : t;
    const digits = '0123456789abcdefghijklmnopqrstuvwxyz'.slice(0, b);
    if (b < 2 || b > 36 || !new RegExp(`^[+-]?[${digits}]+$`, 'i').test(body)) return null;
    return Number.parseInt(body, b);
  },
  string: ([v]) => (v === null || v === undefined ? null : String(v)),
  substring: ([s, start, end]) => {
    if (!str(s) || !num(start)) return null;
    if (end !== undefined && end !== null && !num(end)) return null;
    const n = s.length;
    const norm = (i: number): number => Math.min(n, Math.max(0, i < 0 ? n + i : i));
    const a = norm(Math.trunc(start));
    const b = end === undefined || end === null ? n : norm(Math.trunc(end));
    return b <= a ? '' : s.slice(a, b);
  },
  wildcard: ([s, ...ps], ci) => {
    if (!str(s)) return null;
    for (const p of ps) if (str(p) && wildcardMatch(p, s, ci)) return true;
    return false;
  },
};

type Ip = { v6: boolean; bytes: number[] };

function parseIp(s: string): Ip | null {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(s)) {
    const b = s.split('.').map(Number);
    return b.every((x) => x <= 255) ? { v6: false, bytes: b } : null;
  }
  if (!s.includes(':')) return null;
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const parse = (h: string): number[] | null => {
    if (h === '') return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      const v = Number.parseInt(g, 16);
      out.push(v >> 8, v & 255);
    }
    return out;
  };
  const a = parse(halves[0]!);
  const b = halves.length === 2 ? parse(halves[1]!) : [];
  if (!a || !b) return null;
  const fill = 16 - a.length - b.length;
  if (fill < 0 || (halves.length === 1 && fill !== 0)) return null;
  const bytes = [...a, ...new Array(fill).fill(0), ...b];
  // IPv4-mapped IPv6 compares as IPv4, as Elasticsearch stores it.
  if (bytes.slice(0, 10).every((x) => x === 0) && bytes[10] === 255 && bytes[11] === 255) {
    return { v6: false, bytes: bytes.slice(12) };
  }
  return { v6: true, bytes };
}

function cidrContains(cidr: string, ip: Ip): boolean {
  const [a, bits] = cidr.split('/');
  const net = parseIp(a ?? '');
  if (!net || net.v6 !== ip.v6) return false;
  const max = net.bytes.length * 8;
  const n = bits === undefined ? max : Number(bits);
  if (!Number.isInteger(n) || n < 0 || n > max) return false;
  for (let i = 0; i < n; i++) {
    const byte = i >> 3;
    const mask = 0x80 >> (i & 7);
    if ((net.bytes[byte]! & mask) !== (ip.bytes[byte]! & mask)) return false;
  }
  return true;
}
