// The agent's DNS stage: transactions become `dns` network activities; answers name later
// connects per network namespace (TTL honoured, bounded); the IoC list marks questions and
// connects, and is replaced on reload. Also the IoC file's validation with positions.
import { describe, expect, it } from 'vitest';
import type { NetworkActivity } from '../ecs/input.js';
import type { NetworkEvent } from '../sensor/index.js';
import { D4cError } from '../util/diagnostics.js';
import { AnswerCache } from './cache.js';
import { answer, dnsEvent, query } from './events.fixture.js';
import { DomainList } from './ioc.js';
import { DnsStage } from './stage.js';

function stage(ioc?: DomainList) {
  let now = 0;
  const out: NetworkActivity[] = [];
  const s = new DnsStage({ onTransaction: (_tx, n) => out.push(n), ioc, now: () => now, timeoutMs: 1000 });
  return { s, out, at: (ms: number) => (now = ms) };
}

function lookup(s: DnsStage, name: string, ips: string[], ttl = 60, netns = 4026532100) {
  s.onMessage(dnsEvent({ direction: 'query', netns, payload: query(7, name) }));
  s.onMessage(dnsEvent({ direction: 'response', netns, payload: answer(7, name, ips, ttl) }));
}

const connect = (ip: string, netns = 4026532100): NetworkEvent =>
  ({ kind: 'network', op: 'connect', netns, remote: { ip, port: 443 } }) as unknown as NetworkEvent;
const activity = (): NetworkActivity => ({ operation: 'connect' }) as NetworkActivity;

describe('DnsStage', () => {
  it('writes the transaction as a dns activity with question, answers and both ends', () => {
    const { s, out } = stage();
    lookup(s, 'api.example.co.uk', ['127.0.0.5']);
    expect(out).toHaveLength(1);
    const [n] = out;
    expect(n).toMatchObject({
      operation: 'dns',
      transport: 'udp',
      type: 'ipv4',
      outcome: 'success',
      source: { ip: '10.88.0.7', port: 40000 },
      destination: { ip: '10.88.0.1', port: 53 },
      dns: {
        id: '7',
        type: 'answer',
        response_code: 'NOERROR',
        question: {
          name: 'api.example.co.uk',
          registered_domain: 'example.co.uk',
          top_level_domain: 'co.uk',
          subdomain: 'api',
        },
        resolved_ip: ['127.0.0.5'],
      },
    });
    expect(n?.iocDomain).toBeUndefined();
  });

  it('names later connects in the same network namespace only, until the TTL runs out', () => {
    const { s, at } = stage();
    lookup(s, 'web.example', ['127.0.0.8'], 30);
    const n = activity();
    expect(s.annotateConnect(connect('127.0.0.8'), n)).toBe(false);
    expect(n.destinationDomain).toBe('web.example');
    const other = activity();
    s.annotateConnect(connect('127.0.0.8', 1), other);
    expect(other.destinationDomain).toBeUndefined();
    at(30_001);
    const late = activity();
    s.annotateConnect(connect('127.0.0.8'), late);
    expect(late.destinationDomain).toBeUndefined();
  });

  it('marks IoC names and connects to what they resolved to; a reload replaces the list', () => {
    const { s, out } = stage(DomainList.parse('evil.example\n', 'ioc.txt'));
    lookup(s, 'C2.Evil.Example', ['127.0.0.9']);
    expect(out[0]?.iocDomain).toBe('evil.example');
    const n = activity();
    expect(s.annotateConnect(connect('127.0.0.9'), n)).toBe(true);
    expect(n.iocDomain).toBe('evil.example');
    expect(s.stats()).toMatchObject({ iocDomains: 1, iocMatches: 2, cacheEntries: 1 });
    s.setIoc(DomainList.parse('other.example\nthird.example\n', 'ioc.txt'));
    lookup(s, 'x.evil.example', ['127.0.0.10']);
    expect(out[1]?.iocDomain).toBeUndefined();
    expect(s.stats().iocDomains).toBe(2);
  });

  it('writes unanswered queries at their timeout (tick) and at flush', () => {
    const { s, out, at } = stage();
    s.onMessage(dnsEvent({ direction: 'query', payload: query(1, 'a.example') }));
    s.onMessage(dnsEvent({ direction: 'query', fd: 4, payload: query(2, 'b.example') }));
    at(1000);
    s.tick();
    expect(out.map((n) => [n.outcome, n.dns?.type])).toEqual([
      ['unknown', 'query'],
      ['unknown', 'query'],
    ]);
    expect(s.stats().timeouts).toBe(2);
  });
});

describe('AnswerCache', () => {
  it('evicts the oldest entry beyond its bound, counted; a TTL of 0 still lasts the floor', () => {
    const c = new AnswerCache(2, 5000);
    c.add(1, '127.0.0.1', 'a', 0, 0);
    c.add(1, '127.0.0.2', 'b', 60, 0);
    expect(c.lookup(1, '127.0.0.1', 4999)?.name).toBe('a');
    c.add(1, '127.0.0.3', 'c', 60, 0);
    expect(c.evicted).toBe(1);
    expect(c.size).toBe(2);
    expect(c.lookup(1, '127.0.0.1', 1)).toBeUndefined();
    expect(c.lookup(1, '127.0.0.2', 1)?.name).toBe('b');
    expect(c.lookup(1, '127.0.0.3', 1)?.name).toBe('c');
    expect(c.lookup(2, '127.0.0.3', 1)).toBeUndefined();
  });
});

describe('DomainList', () => {
  it('matches a listed domain and its subdomains, not look-alikes', () => {
    const l = DomainList.parse(
      '# miners\nsupportxmr.com\n\n  Pool.Example.  # trailing comment\n',
      'ioc.txt',
    );
    expect(l.size).toBe(2);
    expect(l.match('supportxmr.com')).toBe('supportxmr.com');
    expect(l.match('gulf.SUPPORTXMR.com.')).toBe('supportxmr.com');
    expect(l.match('x.pool.example')).toBe('pool.example');
    expect(l.match('notsupportxmr.com')).toBeUndefined();
    expect(l.match('example')).toBeUndefined();
  });

  it('refuses a bad line with its position (D4C-DNS-010), and a missing file (D4C-DNS-011)', () => {
    const bad = (text: string) => {
      try {
        DomainList.parse(text, 'ioc.txt');
      } catch (e) {
        if (e instanceof D4cError) return `${e.code} ${e.format()}`;
        throw e;
      }
      return 'no error';
    };
    expect(bad('ok.example\n  *.evil.example\n')).toBe(
      'D4C-DNS-010 ioc.txt:2:3: error: not a domain name: "*.evil.example" (no wildcards: a domain already matches its subdomains)',
    );
    expect(bad('a..b\n')).toContain('empty label');
    expect(bad('ex ample.com\n')).toContain('bad label');
    expect(() => DomainList.load('/nonexistent/ioc.txt')).toThrow(/cannot read the IoC domain list/);
  });
});
