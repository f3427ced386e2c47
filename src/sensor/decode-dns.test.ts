// DNS records (D4C_EV_DNS, issue 18) built byte by byte: direction, syscall, transport, both ends,
// the payload copied out of the frame; bad directions, syscalls, families and payload bounds are
// typed DecodeErrors.
import { describe, expect, it } from 'vitest';
import { DecodeError, decodeRecord } from './decode.js';
import { CONST, DNS, off } from './events-def.js';
import { Rec } from './record.fixture.js';
import type { DnsMessageEvent } from './types.js';

const AF_INET = 2;
const AF_INET6 = 10;
const PAYLOAD = Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);

function dns(dir: number, sys: number, family = AF_INET, protocol = 17, payload = PAYLOAD): Rec {
  const r = new Rec(DNS, CONST.D4C_EV_DNS);
  r.u16('dir', dir);
  r.u16('sys', sys);
  r.u16('family', family);
  r.u16('protocol', protocol);
  r.u32('netns', 4026532100);
  r.buf.writeInt32LE(5, off(DNS, 'fd'));
  r.u32('len', payload.length);
  r.vstr('payload', [payload], false);
  return r;
}

function decode(r: Rec): DnsMessageEvent {
  const b = r.done();
  return decodeRecord(b, 0, b.length) as DnsMessageEvent;
}

describe('DNS records', () => {
  it('decodes a UDP/IPv4 query with both ends and its payload (a copy)', () => {
    const r = dns(CONST.D4C_DNS_QUERY, CONST.D4C_DSYS_SENDMMSG);
    Buffer.from([10, 88, 0, 7]).copy(r.buf, off(DNS, 'laddr'));
    Buffer.from([10, 96, 0, 10]).copy(r.buf, off(DNS, 'raddr'));
    r.u16('lport', 40000);
    r.u16('rport', 53);
    r.u16('msg_index', 1);
    r.u16('dflags', CONST.D4C_DF_LOCAL4 | CONST.D4C_DF_REMOTE4 | CONST.D4C_DF_REMOTE);
    const b = r.done();
    const e = decodeRecord(b, 0, b.length) as DnsMessageEvent;
    expect(e).toMatchObject({
      kind: 'dns',
      direction: 'query',
      syscall: 'sendmmsg',
      transport: 'udp',
      netType: 'ipv4',
      netns: 4026532100,
      fd: 5,
      local: { ip: '10.88.0.7', port: 40000 },
      remote: { ip: '10.96.0.10', port: 53 },
      length: PAYLOAD.length,
      truncated: false,
      msgIndex: 1,
      tgid: 4242,
    });
    expect(e.payload).toEqual(PAYLOAD);
    b.fill(0); // the frame buffer is reused: the event keeps its own bytes
    expect(e.payload).toEqual(PAYLOAD);
  });

  it('decodes a TCP/IPv6 response without a known remote, and the truncation flag', () => {
    const r = dns(CONST.D4C_DNS_RESPONSE, CONST.D4C_DSYS_READ, AF_INET6, 6);
    r.buf[off(DNS, 'laddr') + 15] = 1;
    r.u16('dflags', CONST.D4C_DF_TRUNC);
    const e = decode(r);
    expect(e).toMatchObject({ direction: 'response', syscall: 'read', transport: 'tcp', netType: 'ipv6' });
    expect(e.local.ip).toBe('::1');
    expect(e.remote).toBeUndefined();
    expect(e.truncated).toBe(true);
  });

  it('refuses unknown directions, syscalls and families, and a payload past the record', () => {
    const bad = (r: Rec) => () => decode(r);
    expect(bad(dns(9, CONST.D4C_DSYS_SENDTO))).toThrow(DecodeError);
    expect(bad(dns(CONST.D4C_DNS_QUERY, 99))).toThrow(/unknown DNS syscall/);
    expect(bad(dns(CONST.D4C_DNS_QUERY, CONST.D4C_DSYS_SENDTO, 1))).toThrow(/DNS on family 1/);
    const past = dns(CONST.D4C_DNS_QUERY, CONST.D4C_DSYS_SENDTO);
    past.u16('payload.len', 5000);
    expect(bad(past)).toThrow(/beyond record end/);
  });
});
