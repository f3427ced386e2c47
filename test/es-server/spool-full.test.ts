// Filling the spool during an outage, with both drop policies: afterwards the server holds
// exactly the sent ids minus the counted drops, and which ones were dropped follows the policy.
import { describe, expect, it } from 'vitest';
import { createEsOutput } from '../../src/output/index.js';
import { doc, tmp, until } from './helpers.js';
import { EsTestServer } from './index.js';

const STREAM = 'logs-cloud_defend.alerts-default';

describe.each(['drop_oldest', 'drop_newest'] as const)('full spool, %s', (policy) => {
  it('counts every drop and loses nothing else', async () => {
    const server = new EsTestServer();
    await server.start();
    const out = createEsOutput({
      hosts: [server.url],
      dir: tmp('d4c-spool-full-'),
      maxBytes: 256 * 1024,
      fullPolicy: policy,
      flushIntervalMs: 20,
      backoffInitialMs: 20,
      backoffMaxMs: 100,
      batchMaxDocs: 100,
    });
    out.write(doc(0), STREAM);
    expect(await out.drain(10_000)).toBe(true);
    await server.stop();
    const n = 5000;
    for (let i = 1; i <= n; i++) {
      out.write(doc(i, { message: 'y'.repeat(200) }), STREAM);
      if (i % 500 === 0) await out.flush();
    }
    await out.flush();
    const full = out.stats();
    expect(full.spoolBytes).toBeLessThanOrEqual(256 * 1024);
    const reason = policy === 'drop_oldest' ? 'spool_full_oldest' : 'spool_full_newest';
    const dropped = full.docsDropped[reason] ?? 0;
    expect(dropped).toBeGreaterThan(1000);
    await server.start();
    expect(await out.drain(20_000)).toBe(true);
    await until(() => out.stats().queueDepth === 0);
    await out.close();
    await server.stop();

    const ids = server.ids();
    expect(new Set(ids).size).toBe(ids.length);
    const nums = ids.map((id) => Number(id.slice(3))).sort((a, b) => a - b);
    expect(nums.every((x) => x >= 0 && x <= n)).toBe(true);
    expect(ids.length + dropped).toBe(n + 1);
    if (policy === 'drop_newest') {
      // The first documents of the outage survive; the newest were refused.
      expect(nums).toEqual(Array.from({ length: nums.length }, (_, i) => i));
    } else {
      // The newest survive: a contiguous tail (plus what was in flight when the oldest went).
      expect(nums.at(-1)).toBe(n);
      const tailStart = n - (nums.filter((x) => x > 0).length - 1);
      expect(nums.filter((x) => x >= tailStart).length).toBeGreaterThan(200);
    }
  }, 60_000);
});
