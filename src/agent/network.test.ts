// Sensor network records → ECS source/destination by operation (the COMMON contract).
import { describe, expect, it } from 'vitest';
import type { NetworkEvent } from '../sensor/index.js';
import { networkActivity } from './network.js';

const base = {
  kind: 'network',
  netType: 'ipv4',
  transport: 'tcp',
  family: 2,
  sockType: 1,
  protocol: 6,
  result: 0,
  outcome: 'success',
} as unknown as NetworkEvent;
const ev = (p: Partial<NetworkEvent>): NetworkEvent => ({ ...base, ...p }) as NetworkEvent;
const local = { ip: '10.0.0.5', port: 40000 };
const remote = { ip: '203.0.113.9', port: 443 };

describe('networkActivity', () => {
  it('connect: source is this socket, destination the peer', () => {
    expect(networkActivity(ev({ op: 'connect', local, remote }))).toEqual({
      operation: 'connect',
      type: 'ipv4',
      transport: 'tcp',
      family: 'inet',
      outcome: 'success',
      source: { address: '10.0.0.5', ip: '10.0.0.5', port: 40000 },
      destination: { address: '203.0.113.9', ip: '203.0.113.9', port: 443 },
    });
  });

  it('accept: source is the client, destination the listening end', () => {
    const n = networkActivity(ev({ op: 'accept', local, remote }));
    expect([n.source?.ip, n.destination?.ip]).toEqual(['203.0.113.9', '10.0.0.5']);
  });

  it('bind and listen: the local address is the destination, no source', () => {
    for (const op of ['bind', 'listen'] as const) {
      const n = networkActivity(ev({ op, local }));
      expect(n.destination).toEqual({ address: '10.0.0.5', ip: '10.0.0.5', port: 40000 });
      expect(n.source).toBeUndefined();
    }
  });

  it('unix: the path is the address; an unbound end is left out; errors carry their code', () => {
    const n = networkActivity(
      ev({
        op: 'connect',
        netType: 'unix',
        transport: 'unix',
        family: 1,
        local: { path: '' },
        remote: { path: '@bus' },
        outcome: 'failure',
        error: 'ENOENT',
      }),
    );
    expect(n.destination).toEqual({ address: '@bus' });
    expect(n.source).toBeUndefined();
    expect(n.errorCode).toBe('ENOENT');
    expect(n.family).toBe('unix');
    expect(n.outcome).toBe('failure');
  });
});
