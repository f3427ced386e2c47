// DNS messages from the sensor → transactions: a query joined to its response by socket
// (process + fd) and message id; a query without a response within the timeout is handed on
// with that outcome. TCP payloads are pieces of a stream: reassembled by their 2-byte length
// prefixes. Malformed messages are counted and never thrown past this class.
import type { DnsMessageEvent } from '../sensor/index.js';
import { type DnsMessage, DnsParseError, parseMessage } from './packet.js';

export interface DnsTransaction {
  /** The query's record (process, socket ends, time). */
  query: DnsMessageEvent;
  queryMessage: DnsMessage;
  response?: DnsMessageEvent;
  responseMessage?: DnsMessage;
  /** success: answered; unknown: no response within the timeout. */
  outcome: 'success' | 'unknown';
}

export interface DnsCounters {
  messages: number;
  queries: number;
  responses: number;
  /** Messages that did not parse (the parser's codes in src/dns/codes.ts). */
  malformed: number;
  /** Messages the kernel cut (longer than its bounded copy). */
  truncated: number;
  transactions: number;
  timeouts: number;
  /** Responses with no pending query (sensor started mid-lookup, or a late answer). */
  unmatchedResponses: number;
  /** Pending queries dropped because too many were waiting. */
  pendingDropped: number;
  /** TCP streams reset (a piece missing or a length prefix past the bound). */
  tcpResets: number;
}

export function emptyDnsCounters(): DnsCounters {
  return {
    messages: 0,
    queries: 0,
    responses: 0,
    malformed: 0,
    truncated: 0,
    transactions: 0,
    timeouts: 0,
    unmatchedResponses: 0,
    pendingDropped: 0,
    tcpResets: 0,
  };
}

interface Pending {
  e: DnsMessageEvent;
  m: DnsMessage;
  deadlineMs: number;
}

const TCP_MAX = 65_537;

export interface TrackerOptions {
  timeoutMs?: number;
  maxPending?: number;
  onTransaction: (tx: DnsTransaction) => void;
  now?: () => number;
}

export class DnsTracker {
  readonly c = emptyDnsCounters();
  private readonly pending = new Map<string, Pending>();
  private readonly streams = new Map<string, Buffer>();
  private readonly timeoutMs: number;
  private readonly maxPending: number;
  private readonly now: () => number;

  constructor(private readonly o: TrackerOptions) {
    this.timeoutMs = o.timeoutMs ?? 5_000;
    this.maxPending = o.maxPending ?? 16_384;
    this.now = o.now ?? Date.now;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  onMessage(e: DnsMessageEvent): void {
    if (e.truncated) this.c.truncated++;
    if (e.transport === 'tcp') {
      this.tcp(e);
      return;
    }
    this.message(e, e.payload);
  }

  /** Queries whose time is up become `unknown` transactions. */
  sweep(nowMs = this.now()): void {
    for (const [k, p] of this.pending) {
      if (p.deadlineMs > nowMs) break; // insertion order is deadline order
      this.pending.delete(k);
      this.c.timeouts++;
      this.emit({ query: p.e, queryMessage: p.m, outcome: 'unknown' });
    }
  }

  /** Everything still pending, as timeouts (at shutdown). */
  flush(): void {
    this.sweep(Number.POSITIVE_INFINITY);
  }

  private tcp(e: DnsMessageEvent): void {
    const key = `${e.tgid}:${e.fd}:${e.direction}`;
    if (e.truncated) {
      this.streams.delete(key);
      this.c.tcpResets++;
      return;
    }
    const prev = this.streams.get(key);
    let buf = prev === undefined ? e.payload : Buffer.concat([prev, e.payload]);
    while (buf.length >= 2) {
      const n = buf.readUInt16BE(0);
      if (buf.length < 2 + n) break;
      this.message(e, buf.subarray(2, 2 + n));
      buf = buf.subarray(2 + n);
    }
    if (buf.length === 0) this.streams.delete(key);
    else if (buf.length > TCP_MAX) {
      this.streams.delete(key);
      this.c.tcpResets++;
    } else this.streams.set(key, Buffer.from(buf));
  }

  private message(e: DnsMessageEvent, payload: Buffer): void {
    this.c.messages++;
    let m: DnsMessage;
    try {
      m = parseMessage(payload);
    } catch (err) {
      if (!(err instanceof DnsParseError)) throw err;
      this.c.malformed++;
      return;
    }
    const key = `${e.tgid}:${e.fd}:${m.id}`;
    if (e.direction === 'query') {
      this.c.queries++;
      const old = this.pending.get(key);
      if (old !== undefined) {
        // A retry of the same id (or a second question on it): the first one is written as is.
        this.pending.delete(key);
        this.c.timeouts++;
        this.emit({ query: old.e, queryMessage: old.m, outcome: 'unknown' });
      }
      if (this.pending.size >= this.maxPending) {
        const first = this.pending.keys().next().value;
        if (first !== undefined) this.pending.delete(first);
        this.c.pendingDropped++;
      }
      this.pending.set(key, { e, m, deadlineMs: this.now() + this.timeoutMs });
      return;
    }
    this.c.responses++;
    const p = this.pending.get(key);
    if (p === undefined || !sameQuestion(p.m, m)) {
      this.c.unmatchedResponses++;
      return;
    }
    this.pending.delete(key);
    this.emit({ query: p.e, queryMessage: p.m, response: e, responseMessage: m, outcome: 'success' });
  }

  private emit(tx: DnsTransaction): void {
    this.c.transactions++;
    this.o.onTransaction(tx);
  }
}

/** A response answers the query it claims to (RFC 5452: same id and question). */
function sameQuestion(q: DnsMessage, r: DnsMessage): boolean {
  const a = q.questions[0];
  const b = r.questions[0];
  if (a === undefined || b === undefined) return a === b || b === undefined;
  return a.type === b.type && a.name.toLowerCase() === b.name.toLowerCase();
}
