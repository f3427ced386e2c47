// The transaction join (src/dns/tracker.ts): query and response by socket and id, timeouts,
// retries, TCP reassembly, malformed and unmatched messages counted, never thrown.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { answer, dnsEvent, framed, query } from './events.fixture.js';
import { DnsTracker, type DnsTransaction } from './tracker.js';

function tracker(timeoutMs = 1000) {
  let now = 0;
  const out: DnsTransaction[] = [];
  const t = new DnsTracker({ onTransaction: (tx) => out.push(tx), timeoutMs, now: () => now });
  return { t, out, at: (ms: number) => (now = ms) };
}

describe('DnsTracker', () => {
  it('joins a response to its query by process, descriptor and id', () => {
    const { t, out } = tracker();
    t.onMessage(dnsEvent({ direction: 'query', payload: query(1, 'a.example') }));
    t.onMessage(dnsEvent({ direction: 'query', payload: query(2, 'b.example') }));
    // same id on another descriptor: its own transaction
    t.onMessage(dnsEvent({ direction: 'query', fd: 9, payload: query(1, 'c.example') }));
    t.onMessage(dnsEvent({ direction: 'response', payload: answer(2, 'b.example', ['127.0.0.2']) }));
    t.onMessage(dnsEvent({ direction: 'response', fd: 9, payload: answer(1, 'c.example', ['127.0.0.3']) }));
    t.onMessage(dnsEvent({ direction: 'response', payload: answer(1, 'a.example', ['127.0.0.1']) }));
    expect(
      out.map((x) => [x.queryMessage.questions[0]?.name, x.responseMessage?.answers[0]?.data, x.outcome]),
    ).toEqual([
      ['b.example', '127.0.0.2', 'success'],
      ['c.example', '127.0.0.3', 'success'],
      ['a.example', '127.0.0.1', 'success'],
    ]);
    expect(t.pendingCount).toBe(0);
    expect(t.c).toMatchObject({ messages: 6, queries: 3, responses: 3, transactions: 3, timeouts: 0 });
  });

  it('refuses a response whose question is not the query’s (RFC 5452), counted as unmatched', () => {
    const { t, out } = tracker();
    t.onMessage(dnsEvent({ direction: 'query', payload: query(5, 'a.example') }));
    t.onMessage(dnsEvent({ direction: 'response', payload: answer(5, 'evil.example', ['127.0.0.9']) }));
    t.onMessage(dnsEvent({ direction: 'response', payload: answer(6, 'a.example', ['127.0.0.9']) }));
    expect(out).toEqual([]);
    expect(t.c.unmatchedResponses).toBe(2);
    t.onMessage(dnsEvent({ direction: 'response', payload: answer(5, 'A.EXAMPLE', ['127.0.0.1']) }));
    expect(out.map((x) => x.outcome)).toEqual(['success']);
  });

  it('writes a query without a response as unknown once its timeout passes, and at flush', () => {
    const { t, out, at } = tracker(1000);
    t.onMessage(dnsEvent({ direction: 'query', payload: query(1, 'slow.example') }));
    at(500);
    t.onMessage(dnsEvent({ direction: 'query', payload: query(2, 'later.example') }));
    t.sweep(999);
    expect(out).toEqual([]);
    t.sweep(1000);
    expect(out.map((x) => [x.queryMessage.questions[0]?.name, x.outcome])).toEqual([
      ['slow.example', 'unknown'],
    ]);
    // a late answer finds nothing pending
    t.onMessage(dnsEvent({ direction: 'response', payload: answer(1, 'slow.example', []) }));
    expect(t.c.unmatchedResponses).toBe(1);
    t.flush();
    expect(out.map((x) => x.queryMessage.questions[0]?.name)).toEqual(['slow.example', 'later.example']);
    expect(t.c.timeouts).toBe(2);
  });

  it('closes a retried id as unknown and keeps the retry', () => {
    const { t, out } = tracker();
    t.onMessage(dnsEvent({ direction: 'query', payload: query(3, 'a.example') }));
    t.onMessage(dnsEvent({ direction: 'query', payload: query(3, 'a.example') }));
    t.onMessage(dnsEvent({ direction: 'response', payload: answer(3, 'a.example', ['127.0.0.1']) }));
    expect(out.map((x) => x.outcome)).toEqual(['unknown', 'success']);
  });

  it('drops the oldest pending query beyond its bound, counted', () => {
    const out: DnsTransaction[] = [];
    const t = new DnsTracker({ onTransaction: (tx) => out.push(tx), maxPending: 2 });
    for (let i = 0; i < 3; i++)
      t.onMessage(dnsEvent({ direction: 'query', payload: query(i, `n${i}.example`) }));
    expect(t.pendingCount).toBe(2);
    expect(t.c.pendingDropped).toBe(1);
  });

  it('reassembles TCP messages split across reads and several in one read', () => {
    const { t, out } = tracker();
    const tcp = { transport: 'tcp' as const, syscall: 'write' as const };
    const q = Buffer.concat([framed(query(1, 'a.example')), framed(query(2, 'b.example'))]);
    t.onMessage(dnsEvent({ direction: 'query', ...tcp, payload: q }));
    const r = Buffer.concat([
      framed(answer(1, 'a.example', ['127.0.0.1'])),
      framed(answer(2, 'b.example', ['127.0.0.2'])),
    ]);
    t.onMessage(dnsEvent({ direction: 'response', ...tcp, syscall: 'read', payload: r.subarray(0, 1) }));
    t.onMessage(dnsEvent({ direction: 'response', ...tcp, syscall: 'read', payload: r.subarray(1, 20) }));
    expect(out).toEqual([]);
    t.onMessage(dnsEvent({ direction: 'response', ...tcp, syscall: 'read', payload: r.subarray(20) }));
    expect(out.map((x) => x.responseMessage?.answers[0]?.data)).toEqual(['127.0.0.1', '127.0.0.2']);
    expect(t.c.tcpResets).toBe(0);
    // a truncated piece resets the stream
    t.onMessage(dnsEvent({ direction: 'response', ...tcp, truncated: true, payload: Buffer.alloc(4) }));
    expect(t.c.tcpResets).toBe(1);
    expect(t.c.truncated).toBe(1);
  });

  it('counts malformed messages and never throws on random payloads', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            direction: fc.constantFrom('query' as const, 'response' as const),
            transport: fc.constantFrom('udp' as const, 'tcp' as const),
            payload: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
          }),
          { maxLength: 20 },
        ),
        (msgs) => {
          const { t } = tracker();
          for (const m of msgs) t.onMessage(dnsEvent(m));
          t.flush();
          const c = t.c;
          expect(c.queries + c.responses + c.malformed).toBe(c.messages);
          // after the flush every query was written once, answered or not
          expect(c.transactions).toBe(c.queries - c.pendingDropped);
        },
      ),
      { numRuns: 300 },
    );
    const { t } = tracker();
    t.onMessage(dnsEvent({ direction: 'response', payload: Buffer.from([0xc0]) }));
    expect(t.c.malformed).toBe(1);
  });
});
