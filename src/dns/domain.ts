// Name facts the documents and the IoC list need: lower-case normal form, and the registered
// domain / public suffix / subdomain split from the Public Suffix List (tldts, ICANN section).
import { parse } from 'tldts';

/** Lower case, without a trailing dot. */
export function normalName(name: string): string {
  const n = name.endsWith('.') && name.length > 1 ? name.slice(0, -1) : name;
  return n.toLowerCase();
}

export interface DomainParts {
  registeredDomain?: string;
  topLevelDomain?: string;
  subdomain?: string;
}

const cache = new Map<string, DomainParts>();
const CACHE_MAX = 4096;

/** dns.question.{registered_domain,top_level_domain,subdomain}; memoised (names repeat). */
export function domainParts(name: string): DomainParts {
  const n = normalName(name);
  let p = cache.get(n);
  if (p !== undefined) return p;
  const r = parse(n);
  p = {};
  if (!r.isIp) {
    if (r.domain) p.registeredDomain = r.domain;
    if (r.publicSuffix) p.topLevelDomain = r.publicSuffix;
    if (r.subdomain) p.subdomain = r.subdomain;
  }
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(n, p);
  return p;
}
