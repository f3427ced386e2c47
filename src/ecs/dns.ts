// The `dns.*` object of a DNS transaction document from the parsed query and response (plain
// data from src/dns; the question's domain split is computed there, from the Public Suffix List).
import type { EcsDns } from './types.js';

export interface DnsDocInput {
  id: number;
  opCode: string;
  question?: { name: string; type: string; class: string };
  parts?: { registeredDomain?: string; topLevelDomain?: string; subdomain?: string };
  /** The response, when one came. */
  response?: {
    headerFlags: readonly string[];
    responseCode: string;
    answers: readonly { name: string; type: string; class: string; ttl: number; data: string }[];
  };
  /** The query's header flags (used when there is no response). */
  queryFlags: readonly string[];
}

export function dnsFields(i: DnsDocInput): EcsDns {
  const q = i.question;
  const question: EcsDns['question'] = q
    ? { name: q.name, type: q.type, class: q.class }
    : { name: '', type: '', class: '' };
  const p = i.parts;
  if (p?.registeredDomain !== undefined) question.registered_domain = p.registeredDomain;
  if (p?.topLevelDomain !== undefined) question.top_level_domain = p.topLevelDomain;
  if (p?.subdomain !== undefined) question.subdomain = p.subdomain;
  const r = i.response;
  const dns: EcsDns = { id: String(i.id), type: r ? 'answer' : 'query', op_code: i.opCode, question };
  const flags = r ? r.headerFlags : i.queryFlags;
  if (flags.length > 0) dns.header_flags = [...flags];
  if (r) {
    dns.response_code = r.responseCode;
    if (r.answers.length > 0) {
      dns.answers = r.answers.map((a) => ({
        name: a.name,
        type: a.type,
        class: a.class,
        ttl: a.ttl,
        data: a.data,
      }));
      const ips = r.answers.filter((a) => a.type === 'A' || a.type === 'AAAA').map((a) => a.data);
      if (ips.length > 0) dns.resolved_ip = ips;
    }
  }
  return dns;
}
