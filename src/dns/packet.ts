// DNS wire format (RFC 1035, 3596, 6891) → a plain message. Our own parser: it never throws
// anything but DnsParseError (fuzzed with fast-check in packet.test.ts), follows compression
// pointers only backwards with a bounded number of jumps, and decodes only what the documents
// use (questions, answer records; authority/additional are counted, not kept).
import { ipv6Text } from '../util/index.js';
import { DNS_CODES } from './codes.js';

/** The parser's codes (src/dns/codes.ts: short, pastEnd, badLabel, tooManyRecords). */
export type DnsParseCode = string;

const C = {
  short: DNS_CODES.short.code,
  pastEnd: DNS_CODES.pastEnd.code,
  badLabel: DNS_CODES.badLabel.code,
  tooManyRecords: DNS_CODES.tooManyRecords.code,
} as const;

export class DnsParseError extends Error {
  constructor(
    readonly code: DnsParseCode,
    message: string,
    /** Byte offset in the message where parsing stopped. */
    readonly offset: number,
  ) {
    super(message);
    this.name = 'DnsParseError';
  }
}

export interface DnsQuestion {
  name: string;
  type: string;
  class: string;
}

export interface DnsAnswer {
  name: string;
  type: string;
  class: string;
  ttl: number;
  data: string;
}

export interface DnsMessage {
  id: number;
  response: boolean;
  opCode: string;
  /** AA, TC, RD, RA, AD, CD (header bits), DO (EDNS). */
  headerFlags: string[];
  responseCode: string;
  questions: DnsQuestion[];
  answers: DnsAnswer[];
  authorityCount: number;
  additionalCount: number;
}

const TYPES: Readonly<Record<number, string>> = {
  1: 'A',
  2: 'NS',
  5: 'CNAME',
  6: 'SOA',
  10: 'NULL',
  12: 'PTR',
  13: 'HINFO',
  15: 'MX',
  16: 'TXT',
  28: 'AAAA',
  33: 'SRV',
  35: 'NAPTR',
  39: 'DNAME',
  41: 'OPT',
  43: 'DS',
  46: 'RRSIG',
  47: 'NSEC',
  48: 'DNSKEY',
  64: 'SVCB',
  65: 'HTTPS',
  99: 'SPF',
  252: 'AXFR',
  255: 'ANY',
  257: 'CAA',
};
const CLASSES: Readonly<Record<number, string>> = { 1: 'IN', 3: 'CH', 4: 'HS', 254: 'NONE', 255: 'ANY' };
const OPCODES = ['QUERY', 'IQUERY', 'STATUS', '3', 'NOTIFY', 'UPDATE', 'DSO'];
const RCODES = [
  'NOERROR',
  'FORMERR',
  'SERVFAIL',
  'NXDOMAIN',
  'NOTIMP',
  'REFUSED',
  'YXDOMAIN',
  'YXRRSET',
  'NXRRSET',
  'NOTAUTH',
  'NOTZONE',
];

/** `A`, `AAAA`, … or `TYPE<n>` (RFC 3597) for unlisted ones. */
export function typeName(t: number): string {
  return TYPES[t] ?? `TYPE${t}`;
}
function className(c: number): string {
  return CLASSES[c] ?? `CLASS${c}`;
}

const MAX_JUMPS = 16;
const MAX_NAME = 255;

/** A domain name at `at`; returns [name, offset after it in the message]. */
function readName(buf: Buffer, at: number, end: number): [string, number] {
  let pos = at;
  let next = -1; // where parsing resumes after the first pointer
  let jumps = 0;
  let len = 0;
  let name = '';
  for (;;) {
    if (pos >= end) throw new DnsParseError(C.pastEnd, 'name runs past the end', pos);
    const l = buf[pos] as number;
    if (l === 0) {
      pos++;
      break;
    }
    const kind = l & 0xc0;
    if (kind === 0xc0) {
      if (pos + 1 >= end) throw new DnsParseError(C.pastEnd, 'compression pointer runs past the end', pos);
      const target = ((l & 0x3f) << 8) | (buf[pos + 1] as number);
      // Only backwards: with the jump bound this rules out loops.
      if (target >= pos || ++jumps > MAX_JUMPS)
        throw new DnsParseError(C.badLabel, 'compression pointer loop or forward pointer', pos);
      if (next < 0) next = pos + 2;
      pos = target;
      continue;
    }
    if (kind !== 0) throw new DnsParseError(C.badLabel, `reserved label type 0x${kind.toString(16)}`, pos);
    if (pos + 1 + l > end) throw new DnsParseError(C.pastEnd, 'label runs past the end', pos);
    len += l + 1;
    if (len > MAX_NAME) throw new DnsParseError(C.badLabel, 'name longer than 255 bytes', pos);
    if (name.length > 0) name += '.';
    name += label(buf, pos + 1, pos + 1 + l);
    pos += 1 + l;
  }
  return [name === '' ? '.' : name, next >= 0 ? next : pos];
}

/** Printable ASCII as is (dots and backslashes escaped), other bytes as \DDD (RFC 4343). */
function label(buf: Buffer, s: number, e: number): string {
  let plain = true;
  for (let i = s; i < e; i++) {
    const c = buf[i] as number;
    if (c <= 0x20 || c >= 0x7f || c === 0x2e || c === 0x5c) {
      plain = false;
      break;
    }
  }
  if (plain) return buf.toString('latin1', s, e);
  let out = '';
  for (let i = s; i < e; i++) {
    const c = buf[i] as number;
    if (c === 0x2e || c === 0x5c) out += `\\${String.fromCharCode(c)}`;
    else if (c <= 0x20 || c >= 0x7f) out += `\\${c.toString().padStart(3, '0')}`;
    else out += String.fromCharCode(c);
  }
  return out;
}

function rdata(buf: Buffer, type: number, s: number, e: number): string {
  const n = e - s;
  switch (type) {
    case 1:
      if (n === 4) return `${buf[s]}.${buf[s + 1]}.${buf[s + 2]}.${buf[s + 3]}`;
      break;
    case 28:
      if (n === 16) {
        const g: number[] = [];
        for (let i = 0; i < 8; i++) g.push(buf.readUInt16BE(s + i * 2));
        if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff)
          return `::ffff:${buf[s + 12]}.${buf[s + 13]}.${buf[s + 14]}.${buf[s + 15]}`;
        return ipv6Text(g);
      }
      break;
    case 2:
    case 5:
    case 12:
    case 39:
      return readName(buf, s, e)[0];
    case 15:
      if (n >= 3) return `${buf.readUInt16BE(s)} ${readName(buf, s + 2, e)[0]}`;
      break;
    case 33:
      if (n >= 7)
        return `${buf.readUInt16BE(s)} ${buf.readUInt16BE(s + 2)} ${buf.readUInt16BE(s + 4)} ${readName(buf, s + 6, e)[0]}`;
      break;
    case 16:
    case 99: {
      const parts: string[] = [];
      let p = s;
      while (p < e) {
        const l = buf[p] as number;
        if (p + 1 + l > e) throw new DnsParseError(C.pastEnd, 'TXT string runs past its record', p);
        parts.push(buf.toString('utf8', p + 1, p + 1 + l));
        p += 1 + l;
      }
      return parts.join('');
    }
  }
  return buf.toString('hex', s, e);
}

/**
 * Parses one DNS message. `names`: rdata is decoded against the whole message, so compression
 * pointers inside records resolve.
 */
export function parseMessage(buf: Buffer): DnsMessage {
  const end = buf.length;
  if (end < 12) throw new DnsParseError(C.short, `${end} bytes is shorter than a DNS header`, 0);
  const id = buf.readUInt16BE(0);
  const f = buf.readUInt16BE(2);
  const qd = buf.readUInt16BE(4);
  const an = buf.readUInt16BE(6);
  const ns = buf.readUInt16BE(8);
  const ar = buf.readUInt16BE(10);
  // Every question takes ≥ 5 bytes and every record ≥ 11: a count the size cannot hold is a lie.
  if (qd * 5 + (an + ns + ar) * 11 > end - 12)
    throw new DnsParseError(C.tooManyRecords, 'more records than the message can hold', 4);
  const headerFlags: string[] = [];
  if (f & 0x0400) headerFlags.push('AA');
  if (f & 0x0200) headerFlags.push('TC');
  if (f & 0x0100) headerFlags.push('RD');
  if (f & 0x0080) headerFlags.push('RA');
  if (f & 0x0020) headerFlags.push('AD');
  if (f & 0x0010) headerFlags.push('CD');
  let rcode = f & 0xf;
  let pos = 12;
  const questions: DnsQuestion[] = [];
  for (let i = 0; i < qd; i++) {
    const [name, p] = readName(buf, pos, end);
    if (p + 4 > end) throw new DnsParseError(C.pastEnd, 'question runs past the end', p);
    questions.push({ name, type: typeName(buf.readUInt16BE(p)), class: className(buf.readUInt16BE(p + 2)) });
    pos = p + 4;
  }
  const answers: DnsAnswer[] = [];
  const records = an + ns + ar;
  for (let i = 0; i < records; i++) {
    const [name, p] = readName(buf, pos, end);
    if (p + 10 > end) throw new DnsParseError(C.pastEnd, 'record header runs past the end', p);
    const type = buf.readUInt16BE(p);
    const cls = buf.readUInt16BE(p + 2);
    const ttl = buf.readUInt32BE(p + 4);
    const rdlen = buf.readUInt16BE(p + 8);
    const s = p + 10;
    if (s + rdlen > end) throw new DnsParseError(C.pastEnd, 'record data runs past the end', s);
    if (i < an)
      answers.push({
        name,
        type: typeName(type),
        class: className(cls),
        ttl,
        data: rdata(buf, type, s, s + rdlen),
      });
    else if (type === 41) {
      // OPT (EDNS): extended rcode in the TTL's top byte, DO in its flags.
      rcode |= (ttl >>> 24) << 4;
      if (ttl & 0x8000) headerFlags.push('DO');
    }
    pos = s + rdlen;
  }
  return {
    id,
    response: (f & 0x8000) !== 0,
    opCode: OPCODES[(f >> 11) & 0xf] ?? String((f >> 11) & 0xf),
    headerFlags,
    responseCode: RCODES[rcode] ?? (rcode === 16 ? 'BADVERS' : String(rcode)),
    questions,
    answers,
    authorityCount: ns,
    additionalCount: ar,
  };
}

/** The id of a message, without parsing it (undefined when shorter than two bytes). */
export function messageId(buf: Buffer): number | undefined {
  return buf.length >= 2 ? buf.readUInt16BE(0) : undefined;
}
