import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Supervisor } from './supervise.js';

describe('Supervisor', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('restarts after a backoff that doubles while attempts fail, and counts both', async () => {
    let fail = 2;
    const tries: number[] = [];
    const restarted: [string, string, number][] = [];
    const retries: number[] = [];
    const s = new Supervisor({
      restart: async () => {
        tries.push(Date.now());
        if (fail-- > 0) throw new Error('no');
      },
      onRestarted: (n, r, c) => restarted.push([n, r, c]),
      onFailed: (_n, _e, ms) => retries.push(ms),
    });
    const t0 = Date.now();
    s.down('d4c-enforcer', 'signal SIGKILL');
    s.down('d4c-enforcer', 'signal SIGKILL'); // the same death reported twice: one schedule
    await vi.advanceTimersByTimeAsync(1000 + 2000 + 4000);
    expect(tries.map((t) => t - t0)).toEqual([1000, 3000, 7000]);
    expect(retries).toEqual([2000, 4000]);
    expect(restarted).toEqual([['d4c-enforcer', 'signal SIGKILL', 1]]);
    expect(s.restarts).toEqual({ 'd4c-enforcer': 1 });
    expect(s.failures).toEqual({ 'd4c-enforcer': 2 });
    await s.stop();
  });

  it('a helper dying soon after its restart waits longer; after a stable minute the backoff starts over', async () => {
    const tries: number[] = [];
    const s = new Supervisor({
      restart: async () => {
        tries.push(Date.now());
      },
      onRestarted: () => {},
      onFailed: () => {},
    });
    const t0 = Date.now();
    s.down('d4c-sensor', 'exit code 1');
    await vi.advanceTimersByTimeAsync(1000);
    s.down('d4c-sensor', 'exit code 1');
    await vi.advanceTimersByTimeAsync(2000);
    await vi.advanceTimersByTimeAsync(61_000);
    s.down('d4c-sensor', 'exit code 1');
    await vi.advanceTimersByTimeAsync(1000);
    expect(tries.map((t) => t - t0)).toEqual([1000, 3000, 65_000]);
    expect(s.restarts).toEqual({ 'd4c-sensor': 3 });
    await s.stop();
  });

  it('stop() cancels a scheduled restart', async () => {
    const restart = vi.fn(async () => {});
    const s = new Supervisor({ restart, onRestarted: () => {}, onFailed: () => {} });
    s.down('d4c-sensor', 'signal SIGKILL');
    await s.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(restart).not.toHaveBeenCalled();
    s.down('d4c-sensor', 'signal SIGKILL');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(restart).not.toHaveBeenCalled();
  });
});
