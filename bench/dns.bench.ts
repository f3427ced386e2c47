// DNS in user space (issue 18): transactions per second through the agent's DNS stage (both
// messages parsed, query joined to response, Public Suffix List split, answers cache filled,
// IoC list checked, the dns.* object built) against parsing the two messages alone. Target:
// 100k transactions/s on one core. 4096 names in turn (names repeat in real traffic, not all).
// Default export: BenchResult[] (bench/harness.ts).

import { dnsEvent } from '../src/dns/events.fixture.js';
import {
  DnsStage,
  DomainList,
  encodeMessage,
  parseMessage,
  QUERY_FLAGS,
  responseFlags,
} from '../src/dns/index.js';
import type { DnsMessageEvent } from '../src/sensor/index.js';
import { type BenchResult, measureInterleaved } from './harness.js';

const NAMES = 4096;

const event = (direction: 'query' | 'response', payload: Buffer): DnsMessageEvent =>
  dnsEvent({ direction, payload, comm: 'curl', cgroupPath: '/kubepods/pod1/cri-containerd-abc', fd: 5 });

export default async function dnsBench(): Promise<BenchResult[]> {
  const pairs: [DnsMessageEvent, DnsMessageEvent][] = [];
  for (let i = 0; i < NAMES; i++) {
    const name = `api${i}.svc${i % 97}.example${i % 13}.co.uk`;
    const id = i & 0xffff;
    const q = encodeMessage({ id, flags: QUERY_FLAGS, questions: [{ name, type: 1 }] });
    const r = encodeMessage({
      id,
      flags: responseFlags(0),
      questions: [{ name, type: 1 }],
      answers: [
        { name, type: 5, ttl: 60, data: `edge${i % 50}.cdn.example.net` },
        { name: `edge${i % 50}.cdn.example.net`, type: 1, ttl: 60, data: `10.${i >> 8}.${i & 0xff}.1` },
      ],
    });
    pairs.push([event('query', q), event('response', r)]);
  }
  let written = 0;
  const stage = new DnsStage({
    onTransaction: () => {
      written++;
    },
    ioc: DomainList.parse('supportxmr.com\nevil.example\n', 'bench'),
  });
  let k = 0;
  const parseOnly = (n: number) => {
    let x = 0;
    for (let i = 0; i < n; i++) {
      const [q, r] = pairs[k++ % NAMES]!;
      x += parseMessage(q.payload).id + parseMessage(r.payload).answers.length;
    }
    return x;
  };
  const full = (n: number) => {
    for (let i = 0; i < n; i++) {
      const [q, r] = pairs[k++ % NAMES]!;
      stage.onMessage(q);
      stage.onMessage(r);
    }
    return written;
  };
  const [p, f] = measureInterleaved([parseOnly, full]);
  if (stage.stats().malformed !== 0 || written === 0) throw new Error('dns bench: the stage wrote nothing');
  const g = 'DNS transactions (query + response, A via CNAME) per second, one core';
  return [
    { group: g, name: 'parse both messages only', opsPerSec: p!, baseline: true },
    { group: g, name: 'DNS stage: parse, join, PSL split, answers cache, IoC, dns.* fields', opsPerSec: f! },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await dnsBench()) process.stdout.write(`${JSON.stringify(r)}\n`);
}
