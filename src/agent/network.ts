// Network records → the ECS builder's NetworkActivity: the sensor's local/remote ends become
// ECS source/destination by the operation (COMMON contract, policy/model.ts PolicyEvent):
//   connect: source = this socket, destination = the peer;
//   accept:  source = the client,  destination = the listening end;
//   bind, listen: destination = the local address, no source.
import type { NetworkActivity, NetworkEndpoint, SocketFamily } from '../ecs/index.js';
import type { NetEndpoint, NetworkEvent } from '../sensor/index.js';

function endpoint(e: NetEndpoint | undefined): NetworkEndpoint | undefined {
  if (e === undefined) return undefined;
  const address = e.ip ?? e.path;
  if (address === undefined || address === '') return undefined;
  const out: NetworkEndpoint = { address };
  if (e.ip !== undefined) out.ip = e.ip;
  if (e.port !== undefined) out.port = e.port;
  return out;
}

const FAMILIES: Readonly<Record<number, SocketFamily>> = Object.freeze({ 1: 'unix', 2: 'inet', 10: 'inet6' });

export function networkActivity(e: NetworkEvent): NetworkActivity {
  const n: NetworkActivity = { operation: e.op, type: e.netType, outcome: e.outcome };
  if (e.transport !== undefined) n.transport = e.transport;
  const family = FAMILIES[e.family];
  if (family !== undefined) n.family = family;
  const [src, dst] =
    e.op === 'connect' ? [e.local, e.remote] : e.op === 'accept' ? [e.remote, e.local] : [undefined, e.local];
  const s = endpoint(src);
  const d = endpoint(dst);
  if (s) n.source = s;
  if (d) n.destination = d;
  if (e.error !== undefined) n.errorCode = e.error;
  return n;
}

const HOOKS: Readonly<Record<NetworkEvent['op'], string>> = Object.freeze({
  connect: 'tracepoint__syscalls__sys_exit_connect',
  accept: 'tracepoint__syscalls__sys_exit_accept',
  bind: 'tracepoint__syscalls__sys_exit_bind',
  listen: 'tracepoint__syscalls__sys_exit_listen',
});

/** cloud_defend.hook_point of a network document: the syscall exit that made the record. */
export function networkHook(e: Pick<NetworkEvent, 'op' | 'send'>): string {
  return e.send !== undefined ? `tracepoint__syscalls__sys_exit_${e.send}` : HOOKS[e.op];
}
