// Which blocking network selectors an in-kernel connect filter (cgroup connect4/6, sendmsg4/6,
// bind4/6, bpf/connect-block.bpf.c) can express, and the rules it needs. Such a filter sees
// only the address, port and protocol of a connect() (or a UDP send to an address: the peer)
// or of a bind() (the requested local address) from the cgroup it is attached to: so a
// blocking selector may only use `operation` (covering connect or bind), `destinationAddress`
// (IPs and CIDRs), `destinationPort` and `transport` (tcp, udp); the container it applies to
// is chosen by where the filter is attached. `exclude` cannot be expressed (a response with
// `block` and `exclude` is refused).

import type { Policy, Response, Selector } from './model.js';
import { parseCidr, parsePortValue, type Words } from './net.js';

export const CONNECT_PROTO_TCP = 1;
export const CONNECT_PROTO_UDP = 2;
/** bpf/connect-block.h D4C_CB_CONNECT, D4C_CB_BIND: the calls a rule denies. */
export const CONNECT_OP_CONNECT = 1;
export const CONNECT_OP_BIND = 2;

/** The network operations the filter can deny. */
export const FILTERABLE_OPERATIONS = ['connect', 'bind'] as const;

/**
 * One deny rule: (address & mask) == net, lo <= port <= hi, protocol bit in `proto`, call bit
 * in `ops`.
 */
export interface ConnectRule {
  net: Words;
  mask: Words;
  lo: number;
  hi: number;
  proto: number;
  ops: number;
}

/** The filterable operations a selector covers (every operation when it names none). */
function filteredOps(sel: Selector): number {
  const has = (op: string) => !sel.operation || (sel.operation as readonly string[]).includes(op);
  return (has('connect') ? CONNECT_OP_CONNECT : 0) | (has('bind') ? CONNECT_OP_BIND : 0);
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
  if (filteredOps(sel) === 0) return undefined; // blocks no connect or bind
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
 * The deny rules of the policy's blocking network responses (selectors covering connect or bind), and
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
      const ops = sel ? filteredOps(sel) : 0;
      if (!sel || ops === 0) continue;
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
      for (const n of nets) for (const p of ports) rules.push({ ...n, lo: p.lo, hi: p.hi, proto, ops });
    }
  }
  return { rules, problems };
}
