// Cost of the read-access hook (issue 8) on a read storm: open/close of an unwatched file in a
// container-like process (new pid + mount namespaces), timed inside the loop by
// bench/enforce/openloop.c. Three settings, measured in alternating rounds so that machine load
// hits them alike: no sensor, the sensor without read prefixes (read-only opens leave at the
// first check), and the sensor with 16 read prefixes (every read-only open walks its path and
// is rejected by the prefix filter; a few prefixes share the file's component lengths, so the
// name comparison runs too). Needs root and BTF; returns no results otherwise.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Sensor, startSensor } from '../src/sensor/index.js';
import { type BenchResult, size } from './harness.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const N = size(50_000, 500);
const ROUNDS = size(5, 1);

function run(loop: string, path: string): { medianNs: number; totalNs: number } {
  const out = execFileSync('unshare', ['--fork', '--pid', '--mount-proc', loop, path, 'read', String(N)], {
    encoding: 'utf8',
  });
  const m = /^ok (\d+) (\d+) (\d+) (\d+)/.exec(out);
  if (!m) throw new Error(`openloop failed: ${out}`);
  if (m[1] !== '0') throw new Error(`openloop: ${m[1]} opens failed`);
  return { medianNs: Number(m[2]), totalNs: Number(m[4]) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export default async function bench(): Promise<BenchResult[]> {
  if (process.getuid?.() !== 0 || !existsSync('/sys/kernel/btf/vmlinux')) {
    console.log('read bench: needs root and BTF, skipped');
    return [];
  }
  execFileSync(join(root, 'scripts/build-bpf.sh'), { stdio: 'pipe' });
  const dir = mkdtempSync(join(tmpdir(), 'd4c-bench-read-'));
  const loop = join(dir, 'openloop');
  execFileSync('cc', ['-O2', '-o', loop, join(root, 'bench/enforce/openloop.c')]);
  // The stormed file: 5 components deep, like /usr/share/zoneinfo/Europe/Paris.
  const file = join(dir, 'usr/share/zoneinfo/Europe/Paris');
  mkdirSync(join(dir, 'usr/share/zoneinfo/Europe'), { recursive: true });
  writeFileSync(file, 'x');
  // 16 prefixes; those under `dir` share its components, then differ in the last one.
  const prefixes = [
    join(dir, 'usr/share/zoneinfo/Europe/Parix'),
    join(dir, 'usr/share/zoneinfo/Asia'),
    join(dir, 'var/run/secrets'),
    '/var/run/secrets/kubernetes.io/serviceaccount',
    '/run/secrets/kubernetes.io/serviceaccount',
    '/var/run/secrets/eks.amazonaws.com/serviceaccount',
    '/etc/shadow',
    '/etc/gshadow',
    '/etc/sudoers',
    '/root/.aws',
    '/root/.ssh',
    '/root/.kube',
    '/root/.docker',
    '/home',
    '/etc/kubernetes/pki',
    '/var/lib/kubelet/pki',
  ];
  const sensor: Sensor = startSensor({});
  sensor.on('event', () => {});
  const r = { none: [] as number[], off: [] as number[], on: [] as number[] };
  const tot = { none: [] as number[], off: [] as number[], on: [] as number[] };
  let stats: Awaited<ReturnType<Sensor['stats']>> | undefined;
  try {
    await sensor.ready;
    // No sensor: the loader is attached, so the baseline runs first and last, outside its life.
    for (let i = 0; i < ROUNDS; i++) {
      await sensor.setReadPrefixes([]);
      const off = run(loop, file);
      await sensor.setReadPrefixes(prefixes);
      const on = run(loop, file);
      r.off.push(off.medianNs);
      r.on.push(on.medianNs);
      tot.off.push(off.totalNs);
      tot.on.push(on.totalNs);
    }
    stats = await sensor.stats();
  } finally {
    await sensor.stop();
  }
  for (let i = 0; i < ROUNDS; i++) {
    const b = run(loop, file);
    r.none.push(b.medianNs);
    tot.none.push(b.totalNs);
  }
  rmSync(dir, { recursive: true, force: true });
  const us = (ns: number) => `${(ns / 1000).toFixed(2)} µs`;
  console.log(
    [
      `read storm: open+close of an unwatched file, N=${N} x ${ROUNDS} rounds (median of rounds)`,
      `  open median: no sensor ${us(median(r.none))}, sensor ${us(median(r.off))}, sensor + 16 read prefixes ${us(median(r.on))}`,
      `  kernel: readsFiltered ${stats?.kernel.readsFiltered}, file records ${stats?.kernel.emitted.file}`,
    ].join('\n'),
  );
  const perSec = (ns: number) => 1e9 / ns;
  const group = 'read storm: open+close/s';
  const g2 = 'read storm: open, 1/median';
  return [
    { group, name: 'no sensor', opsPerSec: (N * 1e9) / median(tot.none) },
    { group, name: 'sensor, no read prefixes', opsPerSec: (N * 1e9) / median(tot.off), baseline: true },
    { group, name: 'sensor + 16 read prefixes', opsPerSec: (N * 1e9) / median(tot.on) },
    { group: g2, name: 'no sensor', opsPerSec: perSec(median(r.none)) },
    { group: g2, name: 'sensor, no read prefixes', opsPerSec: perSec(median(r.off)), baseline: true },
    { group: g2, name: 'sensor + 16 read prefixes', opsPerSec: perSec(median(r.on)) },
  ];
}
