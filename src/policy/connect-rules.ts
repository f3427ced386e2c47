// Which blocking network selectors an in-kernel connect filter (cgroup connect4/connect6,
// bpf/connect-block.bpf.c) can express, and the rules it needs. Such a filter sees only the
// destination address, port and protocol of a connect() from the cgroup it is attached to:
// so a blocking selector may only use `operation` (covering connect), `destinationAddress`
// (IPs and CIDRs), `destinationPort` and `transport` (tcp, udp); the container it applies to
// is chosen by where the filter is attached. `exclude` cannot be expressed (a response with
// `block` and `exclude` is refused).

import type { Policy, Response, Selector } from './model.js';
import { parseCidr, parsePortValue, type Words } from './net.js';

export const CONNECT_PROTO_TCP = 1;
export const CONNECT_PROTO_UDP = 2;

/** One deny rule: (address & mask) == net, lo <= port <= hi, protocol bit in `proto`. */
export interface ConnectRule {
  net: Words;
  mask: Words;
  lo: number;
  hi: number;
  proto: number;
}

const EXPRESSIBLE = new Set([
  'name',
  'section',
  'pos',
  'operation',
  'destinationAddress',
  'destinationPort',
  'transport',
]);

/** Why a blocking selector cannot be enforced by the connect filter, or undefined when it can. */
export function connectBlockProblem(sel: Selector): string | undefined {
  if (sel.operation && !sel.operation.includes('connect')) return undefined; // blocks no connect
  const others = Object.keys(sel).filter(
    (k) => !EXPRESSIBLE.has(k) && (sel as unknown as Record<string, unknown>)[k] !== undefined,
  );
  if (others.length > 0) return `the connect filter sees only the destination, not ${others.join(', ')}`;
  if (sel.destinationAddress?.some((a) => a.startsWith('/') || a.startsWith('@')))
    return 'the connect filter sees IP destinations only, not unix sockets';
  if (sel.transport && !sel.transport.some((t) => t === 'tcp' || t === 'udp'))
    return 'the connect filter sees tcp and udp only';
  return undefined;
}

function maskOf(bits: number): Words {
  return [0, 1, 2, 3].map((i) => {
    const b = bits - 32 * i;
    return b >= 32 ? 0xffffffff : b <= 0 ? 0 : (0xffffffff << (32 - b)) >>> 0;
  }) as Words;
}

/**
 * The deny rules of the policy's blocking network responses (selectors covering connect), and
 * the problems that keep some of them from being enforced (then the caller must not claim the
 * block). Every address × port of a selector is one rule.
 */
export function connectBlockRules(policy: Policy): { rules: ConnectRule[]; problems: string[] } {
  const sec = policy.network;
  const rules: ConnectRule[] = [];
  const problems: string[] = [];
  if (!sec) return { rules, problems };
  const byName = new Map(sec.selectors.map((s) => [s.name, s]));
  const blocking = sec.responses.filter((r: Response) => r.actions.includes('block'));
  for (const r of blocking) {
    if (r.exclude.length > 0) {
      problems.push(`network response #${r.index + 1}: the connect filter cannot express "exclude"`);
      continue;
    }
    for (const name of r.match) {
      const sel = byName.get(name);
      if (!sel || (sel.operation && !sel.operation.includes('connect'))) continue;
      const problem = connectBlockProblem(sel);
      if (problem) {
        problems.push(`selector "${name}": ${problem}`);
        continue;
      }
      const proto = sel.transport
        ? (sel.transport.includes('tcp') ? CONNECT_PROTO_TCP : 0) |
          (sel.transport.includes('udp') ? CONNECT_PROTO_UDP : 0)
        : CONNECT_PROTO_TCP | CONNECT_PROTO_UDP;
      const nets = (sel.destinationAddress ?? ['::/0']).flatMap((a) => {
        const c = parseCidr(a);
        return c.ok ? [{ net: c.value.net, mask: maskOf(c.value.bits) }] : [];
      });
      const ports = (sel.destinationPort ?? ['0-65535']).flatMap((p) => {
        const v = parsePortValue(p);
        return v.ok ? [v.value] : [];
      });
      for (const n of nets) for (const p of ports) rules.push({ ...n, lo: p.lo, hi: p.hi, proto });
    }
  }
  return { rules, problems };
}
