// An IPv6 resolver (issue 18): a query sent to [::1]:53 and its response read back, built as kernel
// records, decoded, and joined by the DNS stage into one transaction whose destination is the
// resolver's address (destination.ip ::1, port 53).
import { describe, expect, it } from 'vitest';
import { DnsStage, encodeMessage, QUERY_FLAGS, responseFlags } from '../dns/index.js';
import type { NetworkActivity } from '../ecs/index.js';
import { decodeRecord } from './decode.js';
import { CONST, DNS, off } from './events-def.js';
import { Rec } from './record.fixture.js';
import type { DnsMessageEvent } from './types.js';

const AF_INET6 = 10;

function record(dir: number, sys: number, payload: Buffer): DnsMessageEvent {
  const r = new Rec(DNS, CONST.D4C_EV_DNS);
  r.u16('dir', dir);
  r.u16('sys', sys);
  r.u16('family', AF_INET6);
  r.u16('protocol', 17);
  r.u32('netns', 4026532100);
  r.buf.writeInt32LE(6, off(DNS, 'fd'));
  r.buf[off(DNS, 'laddr') + 15] = 1; // ::1
  r.buf[off(DNS, 'raddr') + 15] = 1; // ::1
  r.u16('lport', 40000);
  r.u16('rport', 53);
  r.u16('dflags', CONST.D4C_DF_REMOTE);
  r.u32('len', payload.length);
  r.vstr('payload', [payload], false);
  const b = r.done();
  return decodeRecord(b, 0, b.length) as DnsMessageEvent;
}

describe('DNS over IPv6 to a resolver on ::1', () => {
  it('decodes both messages and documents the transaction with destination.ip ::1', () => {
    const name = 'v6.example.test';
    const q = encodeMessage({ id: 77, flags: QUERY_FLAGS, questions: [{ name, type: 28 }] });
    const a = encodeMessage({
      id: 77,
      flags: responseFlags(0),
      questions: [{ name, type: 28 }],
      answers: [{ name, type: 28, ttl: 60, data: '::1' }],
    });
    const query = record(CONST.D4C_DNS_QUERY, CONST.D4C_DSYS_SENDTO, q);
    const response = record(CONST.D4C_DNS_RESPONSE, CONST.D4C_DSYS_RECVFROM, a);
    expect(query).toMatchObject({
      netType: 'ipv6',
      transport: 'udp',
      local: { ip: '::1', port: 40000 },
      remote: { ip: '::1', port: 53 },
    });
    expect(response).toMatchObject({
      direction: 'response',
      netType: 'ipv6',
      remote: { ip: '::1', port: 53 },
    });

    const out: NetworkActivity[] = [];
    const s = new DnsStage({ onTransaction: (_tx, n) => out.push(n) });
    s.onMessage(query);
    s.onMessage(response);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({
      operation: 'dns',
      type: 'ipv6',
      family: 'inet6',
      outcome: 'success',
      source: { ip: '::1', port: 40000 },
      destination: { ip: '::1', port: 53 },
      dns: { id: '77', response_code: 'NOERROR', question: { name }, resolved_ip: ['::1'] },
    });
  });
});
