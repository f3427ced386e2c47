// The live network hooks on the real kernel: container-like processes (new pid + mount namespaces
// via unshare) connect, accept, bind and listen; the decoded records must say exactly what they did.
// Needs root, BTF and the build toolchain (scripts/build-bpf.sh); skipped elsewhere.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NetworkEvent, type Sensor, type SensorEvent, startSensor } from '../../src/sensor/index.js';

const CC = existsSync('/usr/bin/cc') ? 'cc' : 'clang';
const root = resolve(import.meta.dirname, '../..');
const canRun = process.getuid?.() === 0 && existsSync('/sys/kernel/btf/vmlinux');

let sensor: Sensor;
let work: string;
let netops: string;
const events: SensorEvent[] = [];
let markers = 0;

/** Runs netops in a fresh pid + mount namespace; returns its stdout. */
function inContainer(args: string[]): string {
  return execFileSync('unshare', ['--fork', '--pid', '--mount-proc', netops, ...args], {
    cwd: work,
    encoding: 'utf8',
  });
}

function net(pred: (e: NetworkEvent) => boolean): NetworkEvent[] {
  return events.filter((e): e is NetworkEvent => e.kind === 'network' && pred(e));
}

/** Runs the steps, then a unique abstract-socket marker, and waits for the marker's records. */
async function run(...steps: string[]): Promise<{ out: string; mine: NetworkEvent[] }> {
  events.length = 0;
  const marker = `d4c-marker-${process.pid}-${++markers}`;
  const out = inContainer([...steps, 'abstract', marker]);
  for (let i = 0; i < 200; i++) {
    const m = net((e) => e.op === 'accept' && e.local?.path === `@${marker}`);
    if (m.length > 0) {
      const pidns = m[0]!.pidns;
      return { out, mine: net((e) => e.pidns === pidns) };
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('network marker never arrived');
}

function ports(out: string): number[] {
  return [...out.matchAll(/^port (\d+)$/gm)].map((m) => Number(m[1]));
}

describe.skipIf(!canRun)('live network hooks', () => {
  beforeAll(async () => {
    execFileSync(join(root, 'scripts/build-bpf.sh'), { stdio: 'pipe' });
    work = realpathSync(mkdtempSync(join(tmpdir(), 'd4c-net-')));
    netops = join(work, 'netops');
    execFileSync(CC, ['-O1', '-o', netops, join(root, 'test/sensor/netops.c')]);
    sensor = startSensor();
    sensor.on('event', (e) => events.push(e));
    await sensor.ready;
  });

  afterAll(async () => {
    await sensor?.stop();
    if (work) execFileSync('rm', ['-rf', work]);
  });

  it('reports a TCP/IPv4 bind, listen, connect and accept with both ends', async () => {
    const { out, mine } = await run('tcp4');
    const [port] = ports(out);
    const tcp = mine.filter((e) => e.netType === 'ipv4');
    expect(tcp.map((e) => e.op)).toEqual(['bind', 'listen', 'connect', 'accept']);
    for (const e of tcp) expect(e).toMatchObject({ transport: 'tcp', outcome: 'success', comm: 'netops' });
    const [bind, listen, connect, accept] = tcp;
    expect(bind!.local).toEqual({ ip: '127.0.0.1', port });
    expect(listen!.local).toEqual({ ip: '127.0.0.1', port });
    expect(connect!.remote).toEqual({ ip: '127.0.0.1', port });
    const src = connect!.local!.port!;
    expect(connect!.local).toEqual({ ip: '127.0.0.1', port: src });
    expect(src).toBeGreaterThan(0);
    // accept: the listener's end is local, the client is the peer
    expect(accept!.local).toEqual({ ip: '127.0.0.1', port });
    expect(accept!.remote).toEqual({ ip: '127.0.0.1', port: src });
    expect(accept!.result).toBeGreaterThan(2); // the new fd
    expect(connect!.vpid).toBe(1);
  });

  it('reports TCP/IPv6 and UDP (v4 and v6) connects', async () => {
    const { out, mine } = await run('tcp6', 'udp4', 'udp6');
    const [p6, pu4, pu6] = ports(out);
    const c6 = mine.find((e) => e.op === 'connect' && e.transport === 'tcp');
    expect(c6).toMatchObject({ netType: 'ipv6', remote: { ip: '::1', port: p6 }, local: { ip: '::1' } });
    const a6 = mine.find((e) => e.op === 'accept' && e.netType === 'ipv6');
    expect(a6).toMatchObject({ transport: 'tcp', local: { ip: '::1', port: p6 } });
    const u = mine.filter((e) => e.transport === 'udp');
    expect(u.map((e) => `${e.op} ${e.netType}`)).toEqual([
      'bind ipv4',
      'connect ipv4',
      'bind ipv6',
      'connect ipv6',
    ]);
    expect(u[1]).toMatchObject({ remote: { ip: '127.0.0.1', port: pu4 }, outcome: 'success' });
    expect(u[1]!.local!.port).toBeGreaterThan(0); // autobound at connect
    expect(u[3]).toMatchObject({ remote: { ip: '::1', port: pu6 } });
  });

  it('reports failed and in-progress connects with their result', async () => {
    const { out, mine } = await run('refused', 'nonblock');
    const [closed] = ports(out);
    const refused = mine.find((e) => e.op === 'connect' && e.remote?.port === closed);
    expect(refused).toMatchObject({ outcome: 'failure', error: 'ECONNREFUSED', result: -111 });
    const nb = mine.filter((e) => e.op === 'connect' && e.transport === 'tcp').at(-1);
    expect(nb).toMatchObject({ outcome: 'unknown', result: -115 });
    expect(nb!.error).toBeUndefined();
  });

  it('reports unix sockets by path and abstract name, and skips netlink in the kernel', async () => {
    const before = (await sensor.stats()).kernel.netOtherFamily;
    const sock = join(work, 'app.sock');
    const { mine } = await run('unix', sock, 'abstract', 'd4c-abs', 'netlink');
    const byPath = mine.filter((e) => e.local?.path === sock || e.remote?.path === sock);
    expect(byPath.map((e) => e.op)).toEqual(['bind', 'listen', 'connect', 'accept']);
    for (const e of byPath)
      expect(e).toMatchObject({ netType: 'unix', transport: 'unix', outcome: 'success' });
    expect(byPath[2]!.remote).toEqual({ path: sock });
    expect(byPath[2]!.local).toBeUndefined(); // an unbound client
    expect(byPath[3]!.local).toEqual({ path: sock });
    const abs = mine.filter((e) => e.local?.path === '@d4c-abs' || e.remote?.path === '@d4c-abs');
    expect(abs.map((e) => e.op)).toEqual(['bind', 'listen', 'connect', 'accept']);
    expect(mine.some((e) => e.family !== 1 && e.family !== 2 && e.family !== 10)).toBe(false);
    const after = (await sensor.stats()).kernel.netOtherFamily;
    expect(after).toBeGreaterThan(before);
  });

  it('counts every network record it emitted and loses none on a small storm', async () => {
    const before = (await sensor.stats()).kernel;
    const { mine } = await run('storm', '200');
    const after = (await sensor.stats()).kernel;
    expect(mine.filter((e) => e.op === 'connect').length).toBeGreaterThanOrEqual(200);
    expect(mine.filter((e) => e.op === 'accept').length).toBeGreaterThanOrEqual(200);
    expect(after.ringFull.network - before.ringFull.network).toBe(0);
    expect(after.emitted.network - before.emitted.network).toBeGreaterThanOrEqual(mine.length);
  });
});

describe.skipIf(!canRun)('sensor without the network programs', () => {
  it('loads them unattached with network: false (no records)', async () => {
    const s = startSensor({ network: false });
    const seen: SensorEvent[] = [];
    s.on('event', (e) => seen.push(e));
    try {
      await s.ready;
      const dir = realpathSync(mkdtempSync(join(tmpdir(), 'd4c-nonet-')));
      const bin = join(dir, 'netops');
      execFileSync(CC, ['-O1', '-o', bin, join(root, 'test/sensor/netops.c')]);
      execFileSync('unshare', ['--fork', '--pid', '--mount-proc', bin, 'tcp4'], { stdio: 'pipe' });
      const k = (await s.stats()).kernel;
      execFileSync('rm', ['-rf', dir]);
      expect(seen.some((e) => e.kind === 'exec' && e.executable === bin)).toBe(true);
      expect(seen.some((e) => e.kind === 'network')).toBe(false);
      expect(k.emitted.network).toBe(0);
    } finally {
      await s.stop();
    }
  });
});
