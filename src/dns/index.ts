// DNS (issue 18): the wire-format parser, query/response join, answers cache, IoC domain list,
// and the agent's stage that ties them together.
export { AnswerCache } from './cache.js';
export { DNS_CODES } from './codes.js';
export { domainParts, normalName } from './domain.js';
export { encodeMessage, encodeName, QUERY_FLAGS, responseFlags } from './encode.js';
export { DomainList } from './ioc.js';
export type { DnsAnswer, DnsMessage, DnsParseCode, DnsQuestion } from './packet.js';
export { DnsParseError, parseMessage, typeName } from './packet.js';
export type { DnsStageOptions, DnsStageStats } from './stage.js';
export { DnsStage } from './stage.js';
export type { DnsCounters, DnsTransaction } from './tracker.js';
export { DnsTracker, emptyDnsCounters } from './tracker.js';
