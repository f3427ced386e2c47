// The agent's DNS stage (issue 18): sensor DNS messages → transactions → the network activity of
// one `dns` document each; the answers feed a cache per network namespace that names the
// destination of later connects; the IoC list marks questions and connects it matches.

import type { NetworkActivity, NetworkEndpoint } from '../ecs/index.js';
import { dnsFields } from '../ecs/index.js';
import type { DnsMessageEvent, NetEndpoint, NetworkEvent } from '../sensor/index.js';
import { AnswerCache } from './cache.js';
import { domainParts, normalName } from './domain.js';
import { DomainList } from './ioc.js';
import { type DnsCounters, DnsTracker, type DnsTransaction } from './tracker.js';

export interface DnsStageOptions {
  /** Called with every finished transaction and its network activity (operation `dns`). */
  onTransaction: (tx: DnsTransaction, activity: NetworkActivity) => void;
  ioc?: DomainList | undefined;
  timeoutMs?: number;
  cacheEntries?: number;
  now?: () => number;
}

export interface DnsStageStats extends DnsCounters {
  cacheEntries: number;
  cacheEvicted: number;
  iocDomains: number;
  iocMatches: number;
}

function endpoint(e: NetEndpoint | undefined): NetworkEndpoint | undefined {
  if (e?.ip === undefined) return undefined;
  const out: NetworkEndpoint = { address: e.ip, ip: e.ip };
  if (e.port !== undefined) out.port = e.port;
  return out;
}

export class DnsStage {
  private readonly tracker: DnsTracker;
  private readonly cache: AnswerCache;
  private ioc: DomainList;
  private iocMatches = 0;
  private readonly now: () => number;

  constructor(private readonly o: DnsStageOptions) {
    this.now = o.now ?? Date.now;
    this.ioc = o.ioc ?? DomainList.empty();
    this.cache = new AnswerCache(o.cacheEntries);
    const t: ConstructorParameters<typeof DnsTracker>[0] = {
      onTransaction: (tx) => this.transaction(tx),
      now: this.now,
    };
    if (o.timeoutMs !== undefined) t.timeoutMs = o.timeoutMs;
    this.tracker = new DnsTracker(t);
  }

  /** Replaces the IoC list (SIGHUP). */
  setIoc(list: DomainList): void {
    this.ioc = list;
  }

  onMessage(e: DnsMessageEvent): void {
    this.tracker.onMessage(e);
  }

  /** Writes the queries whose timeout passed; call it on a timer. */
  tick(): void {
    this.tracker.sweep(this.now());
  }

  /** At shutdown: pending queries are written as timeouts. */
  flush(): void {
    this.tracker.flush();
  }

  /**
   * A connect: destination.domain from the answers this network namespace received, and the
   * IoC entry behind it. Sets them on the activity; returns true when an IoC entry matched.
   */
  annotateConnect(e: NetworkEvent, n: NetworkActivity): boolean {
    if (e.op !== 'connect' || e.remote?.ip === undefined) return false;
    const hit = this.cache.lookup(e.netns, e.remote.ip, this.now());
    if (hit === undefined) return false;
    n.destinationDomain = hit.name;
    if (hit.ioc === undefined) return false;
    n.iocDomain = hit.ioc;
    this.iocMatches++;
    return true;
  }

  stats(): DnsStageStats {
    return {
      ...this.tracker.c,
      cacheEntries: this.cache.size,
      cacheEvicted: this.cache.evicted,
      iocDomains: this.ioc.size,
      iocMatches: this.iocMatches,
    };
  }

  private transaction(tx: DnsTransaction): void {
    const q = tx.queryMessage.questions[0];
    const r = tx.responseMessage;
    const ioc = q === undefined ? undefined : this.ioc.match(q.name);
    if (ioc !== undefined) this.iocMatches++;
    if (q !== undefined && r !== undefined) {
      const name = normalName(q.name);
      const nowMs = this.now();
      for (const a of r.answers)
        if (a.type === 'A' || a.type === 'AAAA')
          this.cache.add(tx.query.netns, a.data, name, a.ttl, nowMs, ioc);
    }
    const n: NetworkActivity = {
      operation: 'dns',
      transport: tx.query.transport,
      type: tx.query.netType,
      family: tx.query.netType === 'ipv4' ? 'inet' : 'inet6',
      outcome: tx.outcome,
      dns: dnsFields({
        id: tx.queryMessage.id,
        opCode: tx.queryMessage.opCode,
        ...(q !== undefined ? { question: q, parts: domainParts(q.name) } : {}),
        ...(r !== undefined ? { response: r } : {}),
        queryFlags: tx.queryMessage.headerFlags,
      }),
    };
    const s = endpoint(tx.query.local);
    const d = endpoint(tx.query.remote ?? tx.response?.remote);
    if (s) n.source = s;
    if (d) n.destination = d;
    if (ioc !== undefined) n.iocDomain = ioc;
    this.o.onTransaction(tx, n);
  }
}
