// A small DNS message encoder (no compression): what the tests' DNS server, the parser's
// round-trip property and the bench need. Types by number; rdata as given bytes, or built from
// an IPv4/IPv6 text or a name for A/AAAA/CNAME/TXT.

export interface EncodeQuestion {
  name: string;
  type: number;
  class?: number;
}

export interface EncodeRecord {
  name: string;
  type: number;
  class?: number;
  ttl: number;
  /** A: dotted quad; AAAA: 8 hex groups or `::` form; CNAME/NS/PTR: a name; TXT: text; else hex. */
  data: string;
}

export interface EncodeMessage {
  id: number;
  /** Raw header flags word (QR, opcode, AA, TC, RD, RA, rcode). */
  flags: number;
  questions: EncodeQuestion[];
  answers?: EncodeRecord[];
}

export function encodeName(name: string): Buffer {
  if (name === '.' || name === '') return Buffer.from([0]);
  const parts: Buffer[] = [];
  for (const l of name.split('.')) {
    const b = Buffer.from(l, 'latin1');
    parts.push(Buffer.from([b.length]), b);
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

function ipv6Bytes(s: string): Buffer {
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => {
    b.writeUInt16BE(Number.parseInt(g, 16), i * 2);
  });
  return b;
}

function rdata(r: EncodeRecord): Buffer {
  switch (r.type) {
    case 1:
      return Buffer.from(r.data.split('.').map(Number));
    case 28:
      return ipv6Bytes(r.data);
    case 2:
    case 5:
    case 12:
      return encodeName(r.data);
    case 16: {
      const b = Buffer.from(r.data, 'utf8');
      const parts: Buffer[] = [];
      for (let i = 0; i < b.length || i === 0; i += 255) {
        const c = b.subarray(i, i + 255);
        parts.push(Buffer.from([c.length]), c);
      }
      return Buffer.concat(parts);
    }
    default:
      return Buffer.from(r.data, 'hex');
  }
}

export function encodeMessage(m: EncodeMessage): Buffer {
  const answers = m.answers ?? [];
  const h = Buffer.alloc(12);
  h.writeUInt16BE(m.id & 0xffff, 0);
  h.writeUInt16BE(m.flags & 0xffff, 2);
  h.writeUInt16BE(m.questions.length, 4);
  h.writeUInt16BE(answers.length, 6);
  const parts: Buffer[] = [h];
  for (const q of m.questions) {
    const t = Buffer.alloc(4);
    t.writeUInt16BE(q.type, 0);
    t.writeUInt16BE(q.class ?? 1, 2);
    parts.push(encodeName(q.name), t);
  }
  for (const r of answers) {
    const d = rdata(r);
    const t = Buffer.alloc(10);
    t.writeUInt16BE(r.type, 0);
    t.writeUInt16BE(r.class ?? 1, 2);
    t.writeUInt32BE(r.ttl >>> 0, 4);
    t.writeUInt16BE(d.length, 8);
    parts.push(encodeName(r.name), t, d);
  }
  return Buffer.concat(parts);
}

/** Flags of a standard query with recursion desired. */
export const QUERY_FLAGS = 0x0100;
/** Flags of a response: QR, RD, RA, and `rcode`. */
export function responseFlags(rcode = 0): number {
  return 0x8000 | 0x0100 | 0x0080 | (rcode & 0xf);
}
