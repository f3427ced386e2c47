import { describe, expect, it } from 'vitest';
import { entityIdOf, ProcessEntry } from '../process/index.js';
import { decodeEntityId, entityId, entityIdFromTicks, startTicks } from './entity-id.js';

const AGENT = '7241730b-b86d-4028-a8a8-83d8bbecfd6a';
const BOOT_MS = 1_700_000_000_500;

describe('entity ids', () => {
  it('is base64 of agent, pid, start unix seconds and start ticks', () => {
    const id = entityId(AGENT, BOOT_MS, 4242, 123_456_789_000n);
    // boot 1_700_000_000.5 s + 123.45 s (12345 ticks) = 1_700_000_123.95 s
    expect(Buffer.from(id, 'base64').toString()).toBe(`${AGENT}-4242-1700000123-12345`);
    expect(decodeEntityId(id)).toEqual({ agentId: AGENT, pid: 4242, startSec: 1_700_000_123, ticks: 12345 });
  });

  it('is the process table form for the same inputs', () => {
    for (const startNs of [0, 123_456_789_012, 9_999_999, 86_400e9 + 5]) {
      const e = new ProcessEntry(77, startNs);
      expect(entityId(AGENT, BOOT_MS, 77, BigInt(startNs))).toBe(entityIdOf(AGENT, e, BOOT_MS, 1e7));
    }
  });

  it('agrees between /proc (ticks) and the sensor (ns)', () => {
    // /proc/PID/stat starttime 12345 ticks; the sensor sees 123.456789012 s after boot.
    expect(entityId(AGENT, BOOT_MS, 7, 123_456_789_012n)).toBe(entityIdFromTicks(AGENT, BOOT_MS, 7, 12345n));
    expect(startTicks(9_999_999n)).toBe(0n);
    expect(startTicks(10_000_000n)).toBe(1n);
  });

  it('differs by pid, start tick and agent', () => {
    const base = entityId(AGENT, BOOT_MS, 7, 1_000_000_000n);
    expect(entityId(AGENT, BOOT_MS, 8, 1_000_000_000n)).not.toBe(base);
    // The same pid reused 10 ms later (same unix second: Elastic's three-part form would collide).
    expect(entityId(AGENT, BOOT_MS, 7, 1_010_000_000n)).not.toBe(base);
    expect(entityId('other-agent', BOOT_MS, 7, 1_000_000_000n)).not.toBe(base);
  });

  it('does not decode foreign ids', () => {
    expect(decodeEntityId('not base64 of ours')).toBeUndefined();
    expect(decodeEntityId(Buffer.from('a-b-c').toString('base64'))).toBeUndefined();
  });
});
