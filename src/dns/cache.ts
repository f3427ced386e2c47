// Answers cache per network namespace: which name a container resolved to an address, so that
// its later connects to that address carry destination.domain. Bounded (oldest entry evicted,
// counted) and honouring the records' TTLs (with a floor, so a TTL of 0 still names the connect
// that follows the lookup at once).

export interface CachedName {
  /** The question's name, as asked. */
  name: string;
  /** The IoC-listed domain the name matched, if any. */
  ioc?: string;
  expiresMs: number;
}

export class AnswerCache {
  private readonly map = new Map<string, CachedName>();
  evicted = 0;

  constructor(
    private readonly maxEntries = 65536,
    private readonly minTtlMs = 5_000,
    private readonly maxTtlMs = 86_400_000,
  ) {}

  get size(): number {
    return this.map.size;
  }

  add(netns: number, ip: string, name: string, ttlSec: number, nowMs: number, ioc?: string): void {
    const key = `${netns}|${ip}`;
    const ttl = Math.min(Math.max(ttlSec * 1000, this.minTtlMs), this.maxTtlMs);
    const v: CachedName = { name, expiresMs: nowMs + ttl };
    if (ioc !== undefined) v.ioc = ioc;
    this.map.delete(key); // re-insert: most recent last
    this.map.set(key, v);
    if (this.map.size > this.maxEntries) {
      const oldest = this.map.keys().next().value;
      if (oldest !== undefined) this.map.delete(oldest);
      this.evicted++;
    }
  }

  lookup(netns: number, ip: string, nowMs: number): CachedName | undefined {
    const key = `${netns}|${ip}`;
    const v = this.map.get(key);
    if (v === undefined) return undefined;
    if (v.expiresMs < nowMs) {
      this.map.delete(key);
      return undefined;
    }
    return v;
  }
}
