import { describe, expect, it } from 'vitest';
import { decodeEntityId, entityId, entityIdFromTicks, startTicks } from './entity-id.js';

const AGENT = '7241730b-b86d-4028-a8a8-83d8bbecfd6a';
const BOOT = '0f3c2a71-8f1e-4b7e-9d3a-5c1e2b7a9d10';

describe('entity ids', () => {
  it('is base64 of agent, pid, boot prefix and start ticks', () => {
    const id = entityId(AGENT, BOOT, 4242, 123_456_789_000n);
    expect(Buffer.from(id, 'base64').toString()).toBe(`${AGENT}-4242-0f3c2a718f1e-12345`);
    expect(decodeEntityId(id)).toEqual({ agentId: AGENT, pid: 4242, boot: '0f3c2a718f1e', ticks: 12345n });
  });

  it('agrees between /proc (ticks) and the sensor (ns)', () => {
    // /proc/PID/stat starttime 12345 ticks; the sensor sees 123.456789012 s after boot.
    expect(entityId(AGENT, BOOT, 7, 123_456_789_012n)).toBe(entityIdFromTicks(AGENT, BOOT, 7, 12345n));
    expect(startTicks(9_999_999n)).toBe(0n);
    expect(startTicks(10_000_000n)).toBe(1n);
  });

  it('differs by pid, start tick, boot and agent', () => {
    const base = entityId(AGENT, BOOT, 7, 1_000_000_000n);
    expect(entityId(AGENT, BOOT, 8, 1_000_000_000n)).not.toBe(base);
    // The same pid reused 10 ms later (same unix second: Elastic's form would collide).
    expect(entityId(AGENT, BOOT, 7, 1_010_000_000n)).not.toBe(base);
    expect(entityId(AGENT, 'ffffffff-8f1e-4b7e-9d3a-5c1e2b7a9d10', 7, 1_000_000_000n)).not.toBe(base);
    expect(entityId('other-agent', BOOT, 7, 1_000_000_000n)).not.toBe(base);
  });

  it('does not decode foreign ids', () => {
    expect(decodeEntityId('not base64 of ours')).toBeUndefined();
    expect(decodeEntityId(Buffer.from('a-b-c').toString('base64'))).toBeUndefined();
  });
});
