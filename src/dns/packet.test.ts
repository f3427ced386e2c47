// The DNS parser: messages built by the encoder parse back; compression pointers resolve and
// loops are refused; and random or mutated bytes only ever raise DnsParseError (fast-check).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runs } from '../util/runs.fixture.js';
import { encodeMessage, QUERY_FLAGS, responseFlags } from './encode.js';
import { DnsParseError, parseMessage } from './packet.js';

const label = fc.stringMatching(/^[a-z0-9-]{1,20}$/);
const name = fc.array(label, { minLength: 1, maxLength: 5 }).map((l) => l.join('.'));
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((a) => a.join('.'));

describe('parseMessage', () => {
  it('reads a query and a response with A, AAAA, CNAME and TXT answers', () => {
    const q = parseMessage(
      encodeMessage({ id: 0x1234, flags: QUERY_FLAGS, questions: [{ name: 'Web.Example.com', type: 1 }] }),
    );
    expect(q).toMatchObject({
      id: 0x1234,
      response: false,
      opCode: 'QUERY',
      headerFlags: ['RD'],
      questions: [{ name: 'Web.Example.com', type: 'A', class: 'IN' }],
      answers: [],
    });
    const r = parseMessage(
      encodeMessage({
        id: 7,
        flags: responseFlags(0),
        questions: [{ name: 'a.example', type: 1 }],
        answers: [
          { name: 'a.example', type: 5, ttl: 60, data: 'b.example' },
          { name: 'b.example', type: 1, ttl: 30, data: '127.0.0.9' },
          { name: 'b.example', type: 28, ttl: 30, data: '2001:db8::1' },
          { name: 'b.example', type: 16, ttl: 30, data: 'v=spf1 -all' },
        ],
      }),
    );
    expect(r.response).toBe(true);
    expect(r.responseCode).toBe('NOERROR');
    expect(r.headerFlags).toEqual(['RD', 'RA']);
    expect(r.answers.map((a) => [a.type, a.data, a.ttl])).toEqual([
      ['CNAME', 'b.example', 60],
      ['A', '127.0.0.9', 30],
      ['AAAA', '2001:db8::1', 30],
      ['TXT', 'v=spf1 -all', 30],
    ]);
    expect(parseMessage(encodeMessage({ id: 1, flags: responseFlags(3), questions: [] })).responseCode).toBe(
      'NXDOMAIN',
    );
  });

  it('follows a compression pointer backwards, refuses loops and forward pointers', () => {
    const base = encodeMessage({
      id: 1,
      flags: responseFlags(0),
      questions: [{ name: 'x.example', type: 1 }],
    });
    // answer owner name = pointer to offset 12 (the question's name)
    const rr = Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 127, 0, 0, 2]);
    const msg = Buffer.concat([base, rr]);
    msg.writeUInt16BE(1, 6);
    expect(parseMessage(msg).answers[0]).toMatchObject({ name: 'x.example', data: '127.0.0.2' });
    const loop = Buffer.from(msg);
    loop.writeUInt16BE(0xc000 | base.length, base.length); // points at itself
    expect(() => parseMessage(loop)).toThrow(expect.objectContaining({ code: 'D4C-DNS-003' }));
    const fwd = Buffer.from(msg);
    fwd.writeUInt16BE(0xc0ff, base.length);
    expect(() => parseMessage(fwd)).toThrow(expect.objectContaining({ code: 'D4C-DNS-003' }));
  });

  it('refuses short messages and counts that cannot fit', () => {
    expect(() => parseMessage(Buffer.alloc(5))).toThrow(expect.objectContaining({ code: 'D4C-DNS-001' }));
    const h = Buffer.alloc(12);
    h.writeUInt16BE(0xffff, 6);
    expect(() => parseMessage(h)).toThrow(expect.objectContaining({ code: 'D4C-DNS-004' }));
    const cut = encodeMessage({ id: 1, flags: 0, questions: [{ name: 'abc.example', type: 1 }] }).subarray(
      0,
      20,
    );
    expect(() => parseMessage(cut)).toThrow(expect.objectContaining({ code: 'D4C-DNS-002' }));
  });

  it('escapes non-printable bytes and dots inside labels', () => {
    const m = encodeMessage({ id: 1, flags: 0, questions: [{ name: 'a', type: 1 }] });
    const odd = Buffer.concat([
      m.subarray(0, 12),
      Buffer.from([3, 0x61, 0x2e, 0x01, 0]),
      m.subarray(m.length - 4),
    ]);
    expect(parseMessage(odd).questions[0]?.name).toBe('a\\.\\001');
  });

  it('round-trips generated messages', () => {
    fc.assert(
      fc.property(
        fc.nat(0xffff),
        name,
        fc.array(fc.tuple(name, ipv4, fc.nat(86400)), { maxLength: 6 }),
        (id, q, ans) => {
          const m = parseMessage(
            encodeMessage({
              id,
              flags: responseFlags(0),
              questions: [{ name: q, type: 1 }],
              answers: ans.map(([n, ip, ttl]) => ({ name: n, type: 1, ttl, data: ip })),
            }),
          );
          expect(m.id).toBe(id);
          expect(m.questions[0]?.name).toBe(q);
          expect(m.answers.map((a) => [a.name, a.data, a.ttl])).toEqual(ans);
        },
      ),
    );
  });

  it('never throws anything but DnsParseError on random or mutated bytes', () => {
    const valid = encodeMessage({
      id: 9,
      flags: responseFlags(0),
      questions: [{ name: 'a.b.example', type: 1 }],
      answers: [{ name: 'a.b.example', type: 1, ttl: 1, data: '127.0.0.1' }],
    });
    const check = (b: Uint8Array) => {
      try {
        parseMessage(Buffer.from(b));
      } catch (e) {
        expect(e).toBeInstanceOf(DnsParseError);
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), check), { numRuns: runs(3000) });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(valid.length - 1), fc.nat(255)), { minLength: 1, maxLength: 6 }),
        (muts) => {
          const b = Buffer.from(valid);
          for (const [i, v] of muts) b[i] = v;
          check(b);
        },
      ),
      { numRuns: runs(3000) },
    );
  });
});
