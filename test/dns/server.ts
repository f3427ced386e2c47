// A small DNS server for the live tests: UDP and TCP on one loopback address, port 53. Answers A
// queries from a table (loopback addresses only: test traffic never leaves the machine), TXT
// queries with a fixed text, `malformed.<anything>` with a response whose answer name is a
// forward compression pointer (the agent must count it), everything else NXDOMAIN.
import dgram from 'node:dgram';
import net from 'node:net';
import { encodeMessage, parseMessage, responseFlags } from '../../src/dns/index.js';

export interface DnsTestServer {
  address: string;
  queries: string[];
  close(): Promise<void>;
}

function answer(query: Buffer, table: Readonly<Record<string, string>>): Buffer {
  const q = parseMessage(query);
  const question = q.questions[0];
  const name = question?.name.toLowerCase() ?? '';
  const type = question?.type === 'TXT' ? 16 : question?.type === 'AAAA' ? 28 : 1;
  const questions = question ? [{ name: question.name, type }] : [];
  if (name.startsWith('malformed.')) {
    const good = encodeMessage({ id: q.id, flags: responseFlags(0), questions });
    // one answer whose name points forward, past the end: a parser must refuse it
    const bad = Buffer.from([0xc0, 0xff, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1]);
    const out = Buffer.concat([good, bad]);
    out.writeUInt16BE(1, 6);
    return out;
  }
  const ip = table[name];
  if (type === 16)
    return encodeMessage({
      id: q.id,
      flags: responseFlags(0),
      questions,
      answers: [{ name: question?.name ?? '', type: 16, ttl: 30, data: 'v=test' }],
    });
  if (ip === undefined || type !== 1)
    return encodeMessage({ id: q.id, flags: responseFlags(ip ? 0 : 3), questions });
  return encodeMessage({
    id: q.id,
    flags: responseFlags(0),
    questions,
    answers: [{ name: question?.name ?? '', type: 1, ttl: 300, data: ip }],
  });
}

export async function startDnsServer(
  address: string,
  table: Readonly<Record<string, string>>,
): Promise<DnsTestServer> {
  for (const ip of Object.values(table)) if (!ip.startsWith('127.')) throw new Error(`not loopback: ${ip}`);
  const queries: string[] = [];
  const note = (b: Buffer) => {
    try {
      queries.push(parseMessage(b).questions[0]?.name ?? '');
    } catch {
      queries.push('?');
    }
  };
  const udp = dgram.createSocket(address.includes(':') ? 'udp6' : 'udp4');
  udp.on('message', (msg, rinfo) => {
    note(msg);
    try {
      udp.send(answer(msg, table), rinfo.port, rinfo.address);
    } catch {
      /* a query we cannot parse gets no answer */
    }
  });
  await new Promise<void>((res, rej) => {
    udp.once('error', rej);
    udp.bind(53, address, () => res());
  });
  const tcp = net.createServer((sock) => {
    let buf = Buffer.alloc(0);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const m = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + m.length);
        note(m);
        const a = answer(m, table);
        const len = Buffer.alloc(2);
        len.writeUInt16BE(a.length);
        sock.write(Buffer.concat([len, a]));
      }
    });
    sock.on('error', () => {});
  });
  await new Promise<void>((res, rej) => {
    tcp.once('error', rej);
    tcp.listen(53, address, () => res());
  });
  return {
    address,
    queries,
    close: async () => {
      await new Promise<void>((r) => udp.close(() => r()));
      await new Promise<void>((r) => tcp.close(() => r()));
    },
  };
}
