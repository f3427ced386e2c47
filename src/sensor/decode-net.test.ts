// Network records built byte by byte: addresses, families, transports, results; bad ones are
// typed DecodeErrors.
import { describe, expect, it } from 'vitest';
import { DecodeError, decodeRecord, decodeStats } from './decode.js';
import { CONST, NET, off } from './events-def.js';
import { ipv6, unixPath } from './net.js';
import { Rec } from './record.fixture.js';
import type { NetworkEvent } from './types.js';

const AF_UNIX = 1;
const AF_INET = 2;
const AF_INET6 = 10;

function net(op: number, family: number, sockType: number, protocol: number, ret = 0): Rec {
  const r = new Rec(NET, CONST.D4C_EV_NET);
  r.u32('op', op);
  r.buf.writeInt32LE(ret, off(NET, 'ret'));
  r.u16('family', family);
  r.u16('sock_type', sockType);
  r.u16('protocol', protocol);
  return r;
}

function ip(r: Rec, which: 'laddr' | 'raddr', bytes: number[]) {
  Buffer.from(bytes).copy(r.buf, off(NET, which));
}

function decode(r: Rec): NetworkEvent {
  const b = r.done();
  return decodeRecord(b, 0, b.length) as NetworkEvent;
}

describe('network records', () => {
  it('decodes a TCP/IPv4 connect with source and destination', () => {
    const r = net(CONST.D4C_NOP_CONNECT, AF_INET, 1, 6);
    ip(r, 'laddr', [10, 0, 0, 5]);
    ip(r, 'raddr', [169, 254, 169, 254]);
    r.u16('lport', 40000);
    r.u16('rport', 80);
    r.u16('nflags', CONST.D4C_NF_LOCAL | CONST.D4C_NF_REMOTE | CONST.D4C_NF_LOCAL4 | CONST.D4C_NF_REMOTE4);
    expect(decode(r)).toMatchObject({
      kind: 'network',
      op: 'connect',
      netType: 'ipv4',
      transport: 'tcp',
      local: { ip: '10.0.0.5', port: 40000 },
      remote: { ip: '169.254.169.254', port: 80 },
      outcome: 'success',
      result: 0,
      tgid: 4242,
      comm: 'bash',
    });
  });

  it('calls EINPROGRESS unknown and a refused connect a failure with its errno', () => {
    const inProgress = net(CONST.D4C_NOP_CONNECT, AF_INET, 1 | 0x800, 6, -115);
    expect(decode(inProgress)).toMatchObject({ outcome: 'unknown' });
    expect(decode(inProgress).error).toBeUndefined();
    const refused = net(CONST.D4C_NOP_CONNECT, AF_INET, 1, 6, -111);
    expect(decode(refused)).toMatchObject({ outcome: 'failure', error: 'ECONNREFUSED', result: -111 });
    const bindInUse = net(CONST.D4C_NOP_BIND, AF_INET, 1, 6, -98);
    expect(decode(bindInUse)).toMatchObject({ outcome: 'failure', error: 'EADDRINUSE' });
  });

  it('decodes IPv6 (RFC 5952) and shows IPv4-mapped addresses as IPv4', () => {
    const r = net(CONST.D4C_NOP_ACCEPT, AF_INET6, 1, 6, 5);
    ip(r, 'laddr', [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    ip(r, 'raddr', [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0x0a]);
    r.u16('lport', 8080);
    r.u16('rport', 51000);
    r.u16('nflags', CONST.D4C_NF_LOCAL | CONST.D4C_NF_REMOTE);
    expect(decode(r)).toMatchObject({
      op: 'accept',
      netType: 'ipv6',
      local: { ip: '::1', port: 8080 },
      remote: { ip: '2001:db8::1:0:0:a', port: 51000 },
      outcome: 'success',
    });
    const m = net(CONST.D4C_NOP_CONNECT, AF_INET6, 2, 17);
    ip(m, 'raddr', [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1]);
    m.u16('rport', 53);
    m.u16('nflags', CONST.D4C_NF_REMOTE);
    expect(decode(m)).toMatchObject({
      netType: 'ipv4',
      transport: 'udp',
      remote: { ip: '127.0.0.1', port: 53 },
    });
  });

  it('marks a refused send to an address (sendto, sendmsg) as such; a connect has no mark', () => {
    const r = net(CONST.D4C_NOP_CONNECT, AF_INET, 2, 17, -1);
    ip(r, 'raddr', [10, 0, 0, 7]);
    r.u16('rport', 5353);
    r.u16('nflags', CONST.D4C_NF_REMOTE | CONST.D4C_NF_REMOTE4 | CONST.D4C_NF_SENDTO);
    expect(decode(r)).toMatchObject({
      op: 'connect',
      send: 'sendto',
      transport: 'udp',
      remote: { ip: '10.0.0.7', port: 5353 },
      outcome: 'failure',
      error: 'EPERM',
    });
    r.u16('nflags', CONST.D4C_NF_REMOTE | CONST.D4C_NF_REMOTE4 | CONST.D4C_NF_SENDMSG);
    expect(decode(r).send).toBe('sendmsg');
    r.u16('nflags', CONST.D4C_NF_REMOTE | CONST.D4C_NF_REMOTE4 | CONST.D4C_NF_SENDMMSG);
    expect(decode(r).send).toBe('sendmmsg');
    r.u16('nflags', CONST.D4C_NF_REMOTE | CONST.D4C_NF_REMOTE4);
    expect(decode(r).send).toBeUndefined();
  });

  it('decodes unix sockets by path, abstract names as @name', () => {
    const r = net(CONST.D4C_NOP_CONNECT, AF_UNIX, 1, 0);
    r.vstr('rpath', ['/run/app.sock'], false);
    r.u16('nflags', CONST.D4C_NF_REMOTE);
    expect(decode(r)).toMatchObject({
      netType: 'unix',
      transport: 'unix',
      remote: { path: '/run/app.sock' },
    });
    expect(decode(r).local).toBeUndefined();
    const a = net(CONST.D4C_NOP_LISTEN, AF_UNIX, 5, 0);
    // raw sun_path bytes: leading NUL, no terminator
    const start = a.end;
    Buffer.from('\0my\0name').copy(a.buf, start);
    a.end += 8;
    a.u16('lpath.off', start);
    a.u16('lpath.len', 8);
    a.u16('nflags', CONST.D4C_NF_LOCAL);
    expect(decode(a)).toMatchObject({ op: 'listen', local: { path: '@my@name' } });
  });

  it('leaves out a port of 0 and the transport of an unknown raw protocol', () => {
    const r = net(CONST.D4C_NOP_BIND, AF_INET, 3, 250);
    r.u16('nflags', CONST.D4C_NF_LOCAL | CONST.D4C_NF_LOCAL4);
    const e = decode(r);
    expect(e.local).toEqual({ ip: '0.0.0.0' });
    expect(e.transport).toBeUndefined();
  });

  it('rejects unknown operations, families and out-of-bounds paths with typed errors', () => {
    const code = (r: Rec) => {
      try {
        decode(r);
      } catch (e) {
        expect(e).toBeInstanceOf(DecodeError);
        return (e as DecodeError).code;
      }
      return 'none';
    };
    expect(code(net(9, AF_INET, 1, 6))).toBe('D4C-SEN-003');
    expect(code(net(CONST.D4C_NOP_BIND, 16, 3, 0))).toBe('D4C-SEN-003');
    const bad = net(CONST.D4C_NOP_CONNECT, AF_UNIX, 1, 0);
    bad.u16('rpath.off', 60_000);
    bad.u16('rpath.len', 20);
    bad.u16('nflags', CONST.D4C_NF_REMOTE);
    expect(code(bad)).toBe('D4C-SEN-002');
  });

  it('reads the network counters and per-kind emitted/lost counts', () => {
    const n = CONST.D4C_NCOUNTERS + 2;
    const b = Buffer.alloc(8 + n * 8);
    b.writeUInt16LE(CONST.D4C_FRAME_STATS, 0);
    b.writeUInt32LE(n, 4);
    const set = (i: number, v: number) => b.writeBigUInt64LE(BigInt(v), 8 + i * 8);
    set(CONST.D4C_C_EMITTED + CONST.D4C_EV_NET, 7);
    set(CONST.D4C_C_RB_FAIL + CONST.D4C_EV_NET, 2);
    set(CONST.D4C_C_NET_OTHER, 3);
    set(CONST.D4C_C_NET_NOT_SOCKET, 4);
    set(CONST.D4C_C_NET_STATE_FULL, 5);
    expect(decodeStats(b, 0, b.length)).toMatchObject({
      emitted: { network: 7 },
      ringFull: { network: 2 },
      netOtherFamily: 3,
      netNotSocket: 4,
      netStateFull: 5,
    });
  });
});

describe('address text', () => {
  const v6 = (hex: string) => ipv6(Buffer.from(hex, 'hex'), 0);
  it('follows RFC 5952', () => {
    expect(v6('00000000000000000000000000000000')).toBe('::');
    expect(v6('20010db8000000000000000000000001')).toBe('2001:db8::1');
    // a single zero group is not compressed; the first of equal runs is
    expect(v6('20010db8000000010001000100010001')).toBe('2001:db8:0:1:1:1:1:1');
    expect(v6('20010db8000000000001000000000001')).toBe('2001:db8::1:0:0:1');
    expect(v6('fe800000000000000000000000000001')).toBe('fe80::1');
    expect(v6('00000000000000000000ffffc0a80001')).toBe('192.168.0.1');
  });
  it('cuts pathname sockets at the first NUL', () => {
    const b = Buffer.from('/tmp/s\0garbage');
    expect(unixPath(b, 0, b.length)).toBe('/tmp/s');
    expect(unixPath(b, 0, 0)).toBe('');
  });
});
