// Cost of enforcement on open(2) in a real podman container: latency per open (median, p99) with
// the enforcer off and on, and throughput of allowed and denied opens. The timing is done inside
// the container by a static C loop (bench/enforce/openloop.c), so it measures what the workload
// sees. The sensor runs in both cases (the enforcer needs its open-flags map): "off" is
// sensor-only. Needs root and podman; returns no results otherwise.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LATENCY_BUCKETS_US, startEnforcer } from '../src/enforce/index.js';
import { startSensor } from '../src/sensor/index.js';
import { podmanAvailable, removeAll, runContainer, type TestContainer } from '../test/e2e/containers.js';
import { blockingPolicy, contextFrom } from '../test/enforce/fixtures.js';
import { type BenchResult, size } from './harness.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const N = size(20_000, 200);

interface Loop {
  fails: number;
  medianNs: number;
  p99Ns: number;
  opsPerSec: number;
}

async function loop(c: TestContainer, path: string, mode: 'write' | 'read'): Promise<Loop> {
  // Warm-up (JIT of the decision path, caches), then the measured run.
  await c.exec(['/bench/openloop', path, mode, String(N / 10)]);
  const r = await c.exec(['/bench/openloop', path, mode, String(N)]);
  const m = /^ok (\d+) (\d+) (\d+) (\d+)/.exec(r.stdout);
  if (!m) throw new Error(`openloop failed: ${r.stderr || r.stdout}`);
  return {
    fails: Number(m[1]),
    medianNs: Number(m[2]),
    p99Ns: Number(m[3]),
    opsPerSec: (N * 1e9) / Number(m[4]),
  };
}

export default async function bench(): Promise<BenchResult[]> {
  if (!podmanAvailable()) {
    console.log('enforce bench: needs root and podman, skipped');
    return [];
  }
  execFileSync(join(root, 'scripts/build-bpf.sh'), { stdio: 'pipe' });
  const dir = mkdtempSync(join(tmpdir(), 'd4c-bench-enforce-'));
  execFileSync('cc', ['-O2', '-static', '-o', join(dir, 'openloop'), join(root, 'bench/enforce/openloop.c')]);
  const pinDir = `/sys/fs/bpf/d4c-bench-${process.pid}`;
  // SHARED=1: the sensor's decoding runs in this process's event loop, as in the agent.
  // Otherwise the loader runs alone (output discarded) and only enforcement is measured.
  const shared = process.env.SHARED === '1';
  const sensor = shared ? startSensor({ pinDir }) : undefined;
  const loader = shared
    ? undefined
    : spawn(join(root, 'bpf/.output/d4c-sensor'), ['--pin', pinDir], {
        stdio: ['pipe', 'ignore', 'inherit'],
      });
  await sensor?.ready;
  for (let i = 0; i < 200 && !existsSync(join(pinDir, 'enter_state')); i++)
    await new Promise((r) => setTimeout(r, 25));
  const images = new Map<string, string>();
  try {
    const c = await runContainer({ volumes: [`${dir}:/bench:ro`] });
    images.set(c.id, 'localhost/d4c/busybox');
    await c.exec(['sh', '-c', 'echo x > /tmp/target']);
    const off = { write: await loop(c, '/tmp/target', 'write'), read: await loop(c, '/tmp/target', 'read') };
    const e = startEnforcer({ policy: blockingPolicy(), pinDir, containerOf: contextFrom(images) });
    await e.ready;
    await e.watchPid(c.pid);
    const on = {
      write: await loop(c, '/tmp/target', 'write'),
      read: await loop(c, '/tmp/target', 'read'),
      denied: await loop(c, '/etc/passwd', 'write'),
    };
    const stats = await e.stats();
    await e.stop();
    if (on.denied.fails !== N || on.write.fails !== 0) throw new Error('enforce bench: unexpected verdicts');
    const us = (ns: number) => `${(ns / 1000).toFixed(1)} µs`;
    console.log(
      [
        `open latency per call (N=${N}, sensor decoding in this process: ${shared}):`,
        `  write, allowed: off median ${us(off.write.medianNs)} p99 ${us(off.write.p99Ns)}; on median ${us(on.write.medianNs)} p99 ${us(on.write.p99Ns)}`,
        `  write, denied (on): median ${us(on.denied.medianNs)} p99 ${us(on.denied.p99Ns)}`,
        `  read: off median ${us(off.read.medianNs)} p99 ${us(off.read.p99Ns)}; on median ${us(on.read.medianNs)} p99 ${us(on.read.p99Ns)}`,
        `  helper: asked ${stats.helper.asked}, read fast path ${stats.helper.allowedRead}, timeouts ${stats.helper.timeoutAllowed}, max pending ${stats.helper.pendingMax}`,
        `  decision time on the decision thread (µs buckets ${LATENCY_BUCKETS_US.join(',')}): ${stats.latencyUs.join(',')}`,
      ].join('\n'),
    );
    const perSec = (ns: number) => 1e9 / ns;
    return [
      {
        group: 'enforce: write open, 1/median',
        name: 'enforcement off',
        opsPerSec: perSec(off.write.medianNs),
        baseline: true,
      },
      { group: 'enforce: write open, 1/median', name: 'on, allowed', opsPerSec: perSec(on.write.medianNs) },
      { group: 'enforce: write open, 1/median', name: 'on, denied', opsPerSec: perSec(on.denied.medianNs) },
      {
        group: 'enforce: write open, 1/p99',
        name: 'enforcement off',
        opsPerSec: perSec(off.write.p99Ns),
        baseline: true,
      },
      { group: 'enforce: write open, 1/p99', name: 'on, allowed', opsPerSec: perSec(on.write.p99Ns) },
      { group: 'enforce: write open, 1/p99', name: 'on, denied', opsPerSec: perSec(on.denied.p99Ns) },
      {
        group: 'enforce: read open, 1/median',
        name: 'enforcement off',
        opsPerSec: perSec(off.read.medianNs),
        baseline: true,
      },
      {
        group: 'enforce: read open, 1/median',
        name: 'on (C fast path)',
        opsPerSec: perSec(on.read.medianNs),
      },
      { group: 'enforce: opens/s', name: 'write, off', opsPerSec: off.write.opsPerSec, baseline: true },
      { group: 'enforce: opens/s', name: 'write, on, allowed', opsPerSec: on.write.opsPerSec },
      { group: 'enforce: opens/s', name: 'write, on, denied', opsPerSec: on.denied.opsPerSec },
      { group: 'enforce: opens/s', name: 'read, off', opsPerSec: off.read.opsPerSec },
      { group: 'enforce: opens/s', name: 'read, on', opsPerSec: on.read.opsPerSec },
    ];
  } finally {
    await removeAll();
    await sensor?.stop();
    if (loader) {
      const gone = new Promise((r) => loader.once('exit', r));
      loader.stdin?.end();
      await gone;
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
