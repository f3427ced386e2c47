// Cost of the network hooks (issue 8) on a connect storm: a container-like process (new pid and
// mount namespaces) makes N loopback TCP connects + accepts (4 network records per connection:
// connect, accept, plus the socket/close work around them). Timed without any sensor, with the
// sensor whose network programs are loaded but not attached (--no-network), and with them
// attached; each setting runs ROUNDS times, the median counts, and the no-sensor baseline is
// measured before and after. Root and the built sensor are needed.
// Standalone: `npx tsx bench/network.bench.ts` (D4C_BENCH_CONNECTS, D4C_BENCH_ROUNDS).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type SensorEvent, startSensor } from '../src/sensor/index.js';
import type { BenchResult } from './harness.js';

const SRC = fileURLToPath(new URL('../test/sensor/netops.c', import.meta.url));
const N = Number(process.env.D4C_BENCH_CONNECTS ?? 20_000);
const ROUNDS = Number(process.env.D4C_BENCH_ROUNDS ?? 5);

function storm(bin: string): number {
  const t0 = performance.now();
  execFileSync('unshare', ['--fork', '--pid', '--mount-proc', bin, 'storm', String(N)], { stdio: 'pipe' });
  return (performance.now() - t0) / 1000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function withSensor(
  bin: string,
  network: boolean,
): Promise<{ s: number; records: number; lost: number }> {
  const sensor = startSensor({ network });
  let records = 0;
  sensor.on('event', (e: SensorEvent) => {
    if (e.kind === 'network') records++;
  });
  try {
    await sensor.ready;
    const times: number[] = [];
    for (let i = 0; i < ROUNDS; i++) times.push(storm(bin));
    const k = (await sensor.stats()).kernel;
    return { s: median(times), records, lost: k.ringFull.network };
  } finally {
    await sensor.stop();
  }
}

export default async function bench(): Promise<BenchResult[]> {
  if (process.getuid?.() !== 0) {
    process.stderr.write('network bench: needs root (skipped)\n');
    return [];
  }
  execFileSync(fileURLToPath(new URL('../scripts/build-bpf.sh', import.meta.url)), { stdio: 'pipe' });
  const dir = mkdtempSync(join(tmpdir(), 'd4c-net-bench-'));
  const bin = join(dir, 'netops');
  try {
    execFileSync('cc', ['-O2', '-o', bin, SRC]);
    storm(bin); // warm-up (page cache, port allocation)
    const base1 = median(Array.from({ length: ROUNDS }, () => storm(bin)));
    const off = await withSensor(bin, false);
    const on = await withSensor(bin, true);
    const base2 = median(Array.from({ length: ROUNDS }, () => storm(bin)));
    const base = (base1 + base2) / 2;
    const rows = {
      connects: N,
      rounds: ROUNDS,
      baseS: [base1, base2],
      sensorNoNetworkS: off.s,
      sensorNetworkS: on.s,
      ratioNoNetwork: off.s / base,
      ratioNetwork: on.s / base,
      networkVsNoNetwork: on.s / off.s,
      networkRecords: on.records,
      networkRecordsLost: on.lost,
      recordsWithoutNetwork: off.records,
    };
    process.stderr.write(`network bench: ${JSON.stringify(rows)}\n`);
    const g = `connect storm: ${N} loopback TCP connect+accept in a pid namespace`;
    return [
      { group: g, name: 'no sensor', opsPerSec: N / base, baseline: true },
      { group: g, name: 'sensor, network programs not attached', opsPerSec: N / off.s },
      { group: g, name: 'sensor with network programs', opsPerSec: N / on.s },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await bench()) process.stdout.write(`${JSON.stringify(r)}\n`);
}
