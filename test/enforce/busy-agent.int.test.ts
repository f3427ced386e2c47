// Issue 22, finding 1: a busy agent (its main thread stalled by a heavy query, a burst of events,
// a backtracking regex) must not make `block` fail open. Decisions run on a thread of their own,
// so the main thread spinning for seconds changes nothing: every blocked write is denied.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type DeniedInfo, startEnforcer } from '../../src/enforce/index.js';
import { type Sensor, startSensor } from '../../src/sensor/index.js';
import { podmanAvailable, removeAll, runContainer, type TestContainer } from '../e2e/containers.js';
import { contextFrom, fileOnlyPolicy } from './fixtures.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pinDir = `/sys/fs/bpf/d4c-busy-test-${process.pid}`;
const WRITES = 300;

/** The main thread does nothing else for `ms`: no timer, no I/O callback, no message runs. */
function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {}
}

describe.skipIf(!podmanAvailable())('enforcement while the agent is busy', () => {
  let sensor: Sensor;
  let c: TestContainer;
  const images = new Map<string, string>();

  beforeAll(async () => {
    execFileSync(join(root, 'scripts/build-bpf.sh'), { stdio: 'pipe' });
    sensor = startSensor({ pinDir });
    await sensor.ready;
    c = await runContainer();
    images.set(c.id, 'localhost/d4c/busybox');
    // Creating a file cannot be vetoed (fanotify sees the open of an existing one): it exists first.
    expect((await c.exec(['sh', '-c', 'echo 0 > /etc/d4c-busy'])).code).toBe(0);
  });

  afterAll(async () => {
    await removeAll();
    await sensor?.stop();
  });

  it('a main thread spinning for seconds lets no blocked write through', async () => {
    const denied: DeniedInfo[] = [];
    const e = startEnforcer({
      policy: fileOnlyPolicy(),
      pinDir,
      containerOf: contextFrom(images),
      onDenied: (d) => denied.push(d),
      // Fail-open (the default) after 500 ms: a decision that waited on this thread would miss
      // it in each stall; one on a thread of its own makes it even on a loaded machine.
      deadlineMs: 500,
    });
    try {
      await e.ready;
      await e.watchPid(c.pid);
      // The container's facts reach the decision thread after its first request (asked of this
      // thread): from then on the decisions need nothing from here.
      await vi.waitFor(
        async () => expect((await c.exec(['sh', '-c', 'echo 0 >> /etc/d4c-busy'])).code).not.toBe(0),
        {
          timeout: 10_000,
        },
      );
      const before = denied.length;
      // One append every 5 ms; each that got through prints `through`.
      const writer = c.exec([
        'sh',
        '-c',
        `i=0; while [ $i -lt ${WRITES} ]; do echo $i 2>/dev/null >> /etc/d4c-busy && echo through; usleep 5000; i=$((i+1)); done; echo done`,
      ]);
      // Four stalls of 1.5 s, each three times the deadline.
      const stalls: [number, number][] = [];
      for (let i = 0; i < 4; i++) {
        const from = Date.now();
        spin(1500);
        stalls.push([from, Date.now()]);
        await new Promise((r) => setImmediate(r));
      }
      const r = await writer;
      expect(r.stdout.trim().split('\n').at(-1)).toBe('done');
      expect(r.stdout, JSON.stringify(await e.stats())).not.toContain('through');
      await vi.waitFor(() => expect(denied).toHaveLength(before + WRITES));
      const s = await e.stats();
      expect(s.denied).toBe(before + WRITES);
      expect(s.late).toBe(0);
      expect(s.helper.timeoutAllowed).toBe(0);
      expect(s.helper.answeredDeny).toBe(before + WRITES);
      // Decided while this thread was stalled (each stall had writes in it).
      const during = stalls.map(([a, b]) => denied.filter((d) => +d.time >= a && +d.time <= b).length);
      expect(during.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
    } finally {
      await e.stop();
    }
  });
});
