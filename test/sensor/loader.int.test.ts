// The loader's failure modes: each cause is one clear sentence and a distinct, stable error code.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_LOADER, startSensor } from '../../src/sensor/index.js';
import { D4cError } from '../../src/util/index.js';

/** Any C compiler: cc where installed, else the clang that builds the BPF side. */
const CC = existsSync('/usr/bin/cc') ? 'cc' : 'clang';

const canRun = process.getuid?.() === 0 && existsSync(DEFAULT_LOADER);
const work = mkdtempSync(join(tmpdir(), 'd4c-loader-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function failure(p: Promise<void>): Promise<D4cError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof D4cError) return e;
    throw e;
  }
  throw new Error('expected the sensor to fail');
}

describe.skipIf(!canRun)('sensor loader failures', () => {
  it('says it needs root when it is not root', async () => {
    const wrapper = join(work, 'as-nobody.sh');
    writeFileSync(
      wrapper,
      `#!/bin/sh\nexec setpriv --reuid=65534 --regid=65534 --clear-groups ${DEFAULT_LOADER} "$@"\n`,
    );
    chmodSync(wrapper, 0o755);
    const e = await failure(startSensor({ loaderPath: wrapper }).ready);
    expect(e.code).toBe('D4C-SEN-011');
    expect(e.message).toMatch(/must run as root/);
    expect(e.message).not.toMatch(/\n/);
  });

  it('rejects a ring size that is not a power of two', async () => {
    const e = await failure(startSensor({ ringBytes: 100_000 }).ready);
    expect(e.code).toBe('D4C-SEN-010');
    expect(e.message).toMatch(/power of two/);
  });

  it('reports a missing loader before spawning anything', () => {
    expect(() => startSensor({ loaderPath: join(work, 'nope') })).toThrow(/build-bpf\.sh/);
  });

  it('counts records lost to a full ring buffer, and loses none in user space', async () => {
    const fsops = join(work, 'fsops');
    execFileSync(CC, ['-O1', '-pthread', '-o', fsops, join(import.meta.dirname, 'fsops.c')]);
    const sensor = startSensor({ ringBytes: 4096 });
    let seen = 0;
    sensor.on('event', (e) => {
      if (e.kind === 'file' && e.path.startsWith(work)) seen++;
    });
    await sensor.ready;
    const n = 1000;
    const args = Array.from({ length: n }, () => ['create', 'burst.txt']).flat();
    execFileSync('unshare', ['--fork', '--pid', '--mount-proc', fsops, ...args], { cwd: work });
    const st = await sensor.stats();
    await sensor.stop();
    expect(st.kernel.ringFull.file).toBeGreaterThan(0);
    // Every attempted record is either delivered or counted as lost.
    expect(st.kernel.emitted.file + st.kernel.ringFull.file).toBeGreaterThanOrEqual(n);
    expect(seen).toBeLessThan(n);
    // The loader drains the ring before sending the counters: nothing emitted is missing.
    const emitted = Object.values(st.kernel.emitted).reduce((x, y) => x + y, 0);
    expect(st.user.events).toBeGreaterThanOrEqual(emitted);
  });

  it('exits with its own code when its output is closed', async () => {
    const child = spawn(DEFAULT_LOADER, ['--include-host'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    await new Promise<void>((res) => child.stdout.once('data', () => res()));
    child.stdout.destroy(); // the agent "died": host activity now hits a closed pipe
    // Make that activity ourselves rather than count on the host's: a quiet machine may have none.
    const poke = join(tmpdir(), `d4c-loader-poke-${process.pid}`);
    const busy = setInterval(() => {
      writeFileSync(poke, 'x');
      rmSync(poke, { force: true });
    }, 5);
    const code = await new Promise<number | null>((res) => child.on('exit', res)).finally(() =>
      clearInterval(busy),
    );
    expect(code).toBe(9);
    expect(err).toMatch(/output closed/);
  });
});
