// Network records -> strings: IP addresses (IPv4 dotted quad, IPv6 RFC 5952, IPv4-mapped IPv6 as
// IPv4), unix socket paths (`@name` for the abstract namespace), transports and errno names.
import { ipv6Text } from '../util/index.js';
import { bytesToString } from './paths.js';

/** IPv4 from 4 bytes in network order. */
export function ipv4(buf: Buffer, at: number): string {
  return `${buf[at]}.${buf[at + 1]}.${buf[at + 2]}.${buf[at + 3]}`;
}

/** ::ffff:a.b.c.d */
export function isV4Mapped(buf: Buffer, at: number): boolean {
  for (let i = 0; i < 10; i++) if (buf[at + i] !== 0) return false;
  return buf[at + 10] === 0xff && buf[at + 11] === 0xff;
}

/** IPv6 from 16 bytes, RFC 5952: lowercase, no leading zeros, the longest run (≥ 2) of zero groups as `::`. */
export function ipv6(buf: Buffer, at: number): string {
  if (isV4Mapped(buf, at)) return ipv4(buf, at + 12);
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push(buf.readUInt16BE(at + i * 2));
  return ipv6Text(g);
}

/**
 * sun_path bytes as the kernel keeps them: a pathname ends at its first NUL; an abstract name
 * starts with NUL and is shown `@name`, with any NUL inside it as `@` too (as ss(8) does).
 */
export function unixPath(buf: Buffer, start: number, end: number): string {
  if (end <= start) return '';
  if (buf[start] === 0) {
    let s = '@';
    let from = start + 1;
    for (let i = from; i < end; i++) {
      if (buf[i] === 0) {
        s += `${bytesToString(buf, from, i)}@`;
        from = i + 1;
      }
    }
    return s + bytesToString(buf, from, end);
  }
  let e = start;
  while (e < end && buf[e] !== 0) e++;
  return bytesToString(buf, start, e);
}

/** IANA names (what ECS `network.transport` uses) of the protocols sockets commonly carry. */
const PROTOCOLS: Readonly<Record<number, string>> = {
  1: 'icmp',
  6: 'tcp',
  17: 'udp',
  58: 'ipv6-icmp',
  132: 'sctp',
  136: 'udplite',
};
const SOCK_STREAM = 1;
const SOCK_DGRAM = 2;

/** network.transport of an inet socket; undefined for a raw socket of an unlisted protocol. */
export function inetTransport(sockType: number, protocol: number): string | undefined {
  const p = PROTOCOLS[protocol];
  if (p !== undefined) return p;
  // protocol 0 is the family's default for the type
  if (protocol === 0 && sockType === SOCK_STREAM) return 'tcp';
  if (protocol === 0 && sockType === SOCK_DGRAM) return 'udp';
  return undefined;
}

/** Linux errno names of what connect/bind/listen commonly return (x86-64 and arm64 agree). */
const ERRNO: Readonly<Record<number, string>> = {
  1: 'EPERM',
  2: 'ENOENT',
  4: 'EINTR',
  9: 'EBADF',
  11: 'EAGAIN',
  13: 'EACCES',
  22: 'EINVAL',
  88: 'ENOTSOCK',
  97: 'EAFNOSUPPORT',
  98: 'EADDRINUSE',
  99: 'EADDRNOTAVAIL',
  101: 'ENETUNREACH',
  103: 'ECONNABORTED',
  104: 'ECONNRESET',
  106: 'EISCONN',
  110: 'ETIMEDOUT',
  111: 'ECONNREFUSED',
  113: 'EHOSTUNREACH',
  114: 'EALREADY',
  115: 'EINPROGRESS',
};

export function errnoName(ret: number): string | undefined {
  return ret < 0 ? (ERRNO[-ret] ?? `E${-ret}`) : undefined;
}
