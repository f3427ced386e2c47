// The reference evaluator: deliberately plain, walking the policy for every event, sharing no
// matching code with compile.ts/patterns.ts except image-name normalisation (tested on its
// own). Tests check the compiled evaluator against this one on random policies and events.
//
// Rules (policy.md "Semantics", plus the decisions documented here):
// - Only selectors and responses of the event's section are considered.
// - A selector matches when every condition it has holds (AND); a list condition holds when
//   any of its values matches (OR); an empty list never holds; a condition on an event field
//   that is unknown (absent) never holds.
// - Absent `operation` = every operation of the section except `readFile` (opt-in). An event
//   whose operation does not belong to its section is not a policy event: nothing matches.
// - `destinationAddress`: the event's address is destinationAddress, else destinationIp.
//   Values starting with `/` or `@` match it with the path rules; the others are addresses or
//   CIDRs, checked with node's own net.BlockList (an implementation independent of net.ts),
//   which treats IPv4-mapped IPv6 addresses as IPv4. An event address with a zone (`%eth0`)
//   or that is not an IP matches no CIDR. `destinationPort`: `N` or inclusive `N-M`.
// - `processDrift`, `sessionLeaderInteractive`: compared with the event's boolean; unknown
//   never matches.
// - `ignoreVolumeMounts: true`: the selector does not match files on any mount other than the
//   container's root fs (event.mount 'volume' or 'file'); `ignoreVolumeFiles: true`: not on
//   file mounts (event.mount 'file'). An absent event.mount means the root fs.
// - A response fires when at least one of its `match` selectors matched and none of its
//   `exclude` selectors did; names that are not selectors of the section never match.
// - Decision: the union of fired responses' actions in ACTIONS order, and every matched
//   selector of the section, sorted by code unit order.

import { BlockList, isIP } from 'node:net';
import { dnsNameMatches, OPERATIONS_BY_SECTION, selectorOperations } from './conditions.js';
import {
  ACTIONS,
  type Action,
  type Decision,
  type Policy,
  type PolicyEvent,
  type PolicySection,
  type Response,
  type Selector,
} from './model.js';
import { imageRepositoryName, normalizeImageName } from './patterns.js';

export function matchPath(pattern: string, path: string): boolean {
  if (pattern.endsWith('/**')) {
    const dir = pattern.slice(0, -2); // keeps the trailing slash
    return path.startsWith(dir) && path.length > dir.length;
  }
  if (pattern.endsWith('/*')) {
    const dir = pattern.slice(0, -1);
    if (!path.startsWith(dir)) return false;
    const rest = path.slice(dir.length);
    return rest.length > 0 && !rest.includes('/');
  }
  return pattern === path;
}

export function matchStar(pattern: string, value: string): boolean {
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  return pattern === value;
}

function anyValue(
  values: string[] | undefined,
  fact: string | undefined,
  eq: (a: string, b: string) => boolean,
) {
  if (values === undefined) return true; // no such condition
  if (fact === undefined) return false;
  return values.some((v) => eq(v, fact));
}

const same = (a: string, b: string) => a === b;

/** One BlockList per CIDR text, so the benchmark's baseline is not the cost of building them. */
const blockLists = new Map<string, BlockList>();

function addressMatches(pattern: string, address: string): boolean {
  if (pattern.startsWith('/') || pattern.startsWith('@')) return matchPath(pattern, address);
  const family = isIP(address);
  if (family === 0 || address.includes('%')) return false;
  let list = blockLists.get(pattern);
  if (list === undefined) {
    const [net, len] = pattern.split('/') as [string, string | undefined];
    const v6 = net.includes(':');
    list = new BlockList();
    list.addSubnet(net, len === undefined ? (v6 ? 128 : 32) : Number(len), v6 ? 'ipv6' : 'ipv4');
    if (blockLists.size >= 4096) blockLists.clear();
    blockLists.set(pattern, list);
  }
  return list.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

function portMatches(value: string, port: number): boolean {
  const [lo, hi = lo] = value.split('-').map(Number) as [number, number?];
  return port >= lo && port <= hi;
}

function sameBool(want: boolean | undefined, fact: boolean | undefined): boolean {
  return want === undefined || (fact !== undefined && fact === want);
}

export function selectorMatches(sel: Selector, ev: PolicyEvent): boolean {
  const sectionOps = OPERATIONS_BY_SECTION[ev.section];
  if (sectionOps === undefined || !sectionOps.includes(ev.operation)) return false;
  if (!selectorOperations(sel).includes(ev.operation)) return false;

  const image = ev.containerImageFullName;
  if (
    !anyValue(sel.containerImageFullName, image, (v, f) => normalizeImageName(v) === normalizeImageName(f))
  ) {
    return false;
  }
  if (!anyValue(sel.containerImageName, image, (v, f) => v === imageRepositoryName(f))) return false;
  if (!anyValue(sel.containerImageTag, ev.containerImageTag, same)) return false;
  if (!anyValue(sel.kubernetesClusterId, ev.kubernetesClusterId, same)) return false;
  if (!anyValue(sel.kubernetesClusterName, ev.kubernetesClusterName, same)) return false;
  if (!anyValue(sel.kubernetesNamespace, ev.kubernetesNamespace, same)) return false;
  if (!anyValue(sel.kubernetesPodName, ev.kubernetesPodName, matchStar)) return false;
  if (sel.kubernetesPodLabel !== undefined) {
    const labels = ev.kubernetesPodLabels;
    if (labels === undefined) return false;
    if (!sel.kubernetesPodLabel.some((p) => labels.some((l) => matchStar(p, l)))) return false;
  }
  if (!anyValue(sel.targetFilePath, ev.filePath, matchPath)) return false;
  if (sel.ignoreVolumeMounts === true && (ev.mount === 'volume' || ev.mount === 'file')) return false;
  if (sel.ignoreVolumeFiles === true && ev.mount === 'file') return false;
  if (!anyValue(sel.processExecutable, ev.processExecutable, matchPath)) return false;
  if (!anyValue(sel.processName, ev.processName, same)) return false;
  if (!sameBool(sel.sessionLeaderInteractive, ev.sessionLeaderInteractive)) return false;
  if (!sameBool(sel.processDrift, ev.processDrift)) return false;
  if (!anyValue(sel.destinationAddress, ev.destinationAddress ?? ev.destinationIp, addressMatches))
    return false;
  if (sel.destinationPort !== undefined) {
    const port = ev.destinationPort;
    if (port === undefined || !sel.destinationPort.some((v) => portMatches(v, port))) return false;
  }
  if (!anyValue(sel.transport, ev.transport, same)) return false;
  if (!anyValue(sel.dnsQuestionName, ev.dnsQuestionName, dnsNameMatches)) return false;
  return true;
}

/**
 * The responses of a section that fire given the names of its matched selectors (e.g. a
 * Decision's `matchedSelectors`): for per-response hit counts in `d4c policy test`.
 */
export function firingResponses(
  section: PolicySection,
  matched: ReadonlySet<string> | readonly string[],
): Response[] {
  const has = Array.isArray(matched)
    ? (n: string) => (matched as readonly string[]).includes(n)
    : (n: string) => (matched as ReadonlySet<string>).has(n);
  return section.responses.filter((r) => r.match.some(has) && !r.exclude.some(has));
}

export function interpret(policy: Policy, ev: PolicyEvent): Decision {
  const section = Object.hasOwn(OPERATIONS_BY_SECTION, ev.section) ? policy[ev.section] : undefined;
  if (section === undefined) return { actions: [], matchedSelectors: [] };

  const matched = new Set<string>();
  for (const sel of section.selectors) {
    if (selectorMatches(sel, ev)) matched.add(sel.name);
  }
  const actions = new Set<Action>();
  for (const resp of firingResponses(section, matched)) for (const a of resp.actions) actions.add(a);
  return {
    actions: ACTIONS.filter((a) => actions.has(a)),
    matchedSelectors: [...matched].sort(),
  };
}
