// Test helper: DNS sensor events as the decoder hands them to the agent (src/dns tests).
import type { DnsMessageEvent } from '../sensor/index.js';
import { encodeMessage, QUERY_FLAGS, responseFlags } from './encode.js';

export function dnsEvent(
  p: Partial<DnsMessageEvent> & Pick<DnsMessageEvent, 'direction' | 'payload'>,
): DnsMessageEvent {
  return {
    kind: 'dns',
    ts: 1,
    startTime: 1,
    parentStartTime: 0,
    tgid: 100,
    tid: 100,
    ppid: 1,
    pgid: 100,
    sid: 100,
    vpid: 7,
    uid: 0,
    euid: 0,
    suid: 0,
    gid: 0,
    egid: 0,
    sgid: 0,
    capEffective: 0n,
    capPermitted: 0n,
    ttyMajor: 0,
    ttyMinor: 0,
    cgroupId: 1,
    cgroupPath: '/libpod_parent/libpod-abc',
    pidns: 4026532000,
    mntns: 4026532001,
    comm: 'nslookup',
    truncated: false,
    syscall: p.direction === 'query' ? 'sendto' : 'recvfrom',
    transport: 'udp',
    netType: 'ipv4',
    netns: 4026532100,
    fd: 3,
    local: { ip: '10.88.0.7', port: 40000 },
    remote: { ip: '10.88.0.1', port: 53 },
    length: p.payload.length,
    msgIndex: 0,
    ...p,
  };
}

export const query = (id: number, name: string, type = 1): Buffer =>
  encodeMessage({ id, flags: QUERY_FLAGS, questions: [{ name, type }] });

export const answer = (id: number, name: string, ips: string[], ttl = 60, rcode = 0, type = 1): Buffer =>
  encodeMessage({
    id,
    flags: responseFlags(rcode),
    questions: [{ name, type }],
    answers: ips.map((data) => ({ name, type: data.includes(':') ? 28 : 1, ttl, data })),
  });

/** A TCP message: the 2-byte length prefix, then the message. */
export function framed(m: Buffer): Buffer {
  const l = Buffer.alloc(2);
  l.writeUInt16BE(m.length);
  return Buffer.concat([l, m]);
}
