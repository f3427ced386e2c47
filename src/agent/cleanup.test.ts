// The runtime's one cleanup stack: newest first, every stop runs even when one fails, and a
// second unwind (stop after a failed start, or stop twice) stops nothing again.
import { describe, expect, it } from 'vitest';
import { CleanupStack } from './cleanup.js';

describe('CleanupStack', () => {
  it('unwinds newest first, waiting for each stop, and reports a failing one without skipping the rest', async () => {
    const errors: string[] = [];
    const s = new CleanupStack((name, e) => errors.push(`${name}: ${(e as Error).message}`));
    const order: string[] = [];
    s.push('outputs', () => order.push('outputs'));
    s.push('sensor', async () => {
      await new Promise((r) => setTimeout(r, 20));
      order.push('sensor');
    });
    s.push('enforcer', () => {
      throw new Error('gone');
    });
    s.push('services', async () => {
      order.push('services');
    });
    await s.unwind();
    expect(order).toEqual(['services', 'sensor', 'outputs']);
    expect(errors).toEqual(['enforcer: gone']);
    expect(s.size).toBe(0);
  });

  it('unwinds once: a second call waits for the first and stops nothing twice', async () => {
    const s = new CleanupStack(() => {});
    let stops = 0;
    s.push('a', async () => {
      await new Promise((r) => setTimeout(r, 10));
      stops++;
    });
    const [x, y] = [s.unwind(), s.unwind()];
    expect(x).toBe(y);
    await y;
    await s.unwind();
    expect(stops).toBe(1);
  });
});
