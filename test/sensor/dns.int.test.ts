// The live DNS hooks on the real kernel (issue 18): the exits of write, read and recvfrom find
// their arguments in the saved registers (no entry programs), and write's exit program is shared
// with terminal capture (issue 17): a DNS query written by a task with a controlling terminal must
// still be captured, and its terminal output too. A DNS server runs on a loopback address
// (test/dns/server.ts); dnsq (test/dns/dnsq.c) runs in a fresh pid + mount namespace.
// Needs root, BTF and the build toolchain (scripts/build-bpf.sh); skipped elsewhere.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/dns/index.js';
import { type DnsMessageEvent, type Sensor, type SensorEvent, startSensor } from '../../src/sensor/index.js';
import { type DnsTestServer, startDnsServer } from '../dns/server.js';

const CC = existsSync('/usr/bin/cc') ? 'cc' : 'clang';
const root = resolve(import.meta.dirname, '../..');
const canRun = process.getuid?.() === 0 && existsSync('/sys/kernel/btf/vmlinux');
// Not the address the e2e DNS test uses (127.53.x.y), so that both can run at once.
const SERVER = `127.54.${(process.pid >> 8) & 0xff}.${process.pid & 0xff || 1}`;

// Asynchronous: the DNS server answers from this process's event loop.
const pexec = promisify(execFile);

let sensor: Sensor;
let server: DnsTestServer;
let work: string;
let dnsq: string;
const events: SensorEvent[] = [];

const dnsOf = (comm: string) =>
  events.filter((e): e is DnsMessageEvent => e.kind === 'dns' && e.comm === comm);

async function until<T>(get: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = get();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`never arrived: ${what}`);
}

describe.skipIf(!canRun)('live DNS hooks', () => {
  beforeAll(async () => {
    execFileSync(join(root, 'scripts/build-bpf.sh'), { stdio: 'pipe' });
    work = realpathSync(mkdtempSync(join(tmpdir(), 'd4c-dns-')));
    dnsq = join(work, 'dnsq');
    execFileSync(CC, ['-O1', '-o', dnsq, join(root, 'test/dns/dnsq.c')]);
    server = await startDnsServer(SERVER, { 'a.corp.test': '127.0.0.7', 'b.corp.test': '127.0.0.8' });
    sensor = startSensor({});
    sensor.on('event', (e) => {
      if (e.kind === 'dns' || e.kind === 'tty')
        events.push(e.kind === 'tty' ? { ...e, data: Buffer.from(e.data) } : e);
    });
    await sensor.ready;
  });

  afterAll(async () => {
    await sensor?.stop();
    await server?.close();
    if (work) execFileSync('rm', ['-rf', work]);
  });

  it('captures a TCP query written by a task with a terminal, its response, and its terminal output', async () => {
    events.length = 0;
    await pexec(
      'script',
      ['-qec', `unshare --fork --pid --mount-proc ${dnsq} tcp ${SERVER} a.corp.test`, '/dev/null'],
      {
        cwd: work,
      },
    );
    const resp = await until(() => dnsOf('dnsq').find((e) => e.direction === 'response'), 'the TCP response');
    const query = dnsOf('dnsq').find((e) => e.direction === 'query');
    expect(query).toMatchObject({ syscall: 'write', transport: 'tcp', remote: { ip: SERVER, port: 53 } });
    expect(resp).toMatchObject({
      syscall: 'read',
      transport: 'tcp',
      fd: query!.fd,
      remote: { ip: SERVER, port: 53 },
    });
    // TCP: a 2-byte length prefix, then the message
    expect(parseMessage(query!.payload.subarray(2)).questions[0]?.name).toBe('a.corp.test');
    expect(parseMessage(resp.payload.subarray(2)).answers[0]?.data).toBe('127.0.0.7');
    expect(resp.length).toBe(resp.payload.length);
    // dnsq printed its result to the terminal: the same write exit made a tty record
    const tty = await until(
      () =>
        events.find((e) => e.kind === 'tty' && e.comm === 'dnsq' && e.data.toString().includes('rcode 0')),
      'the terminal output',
    );
    expect(tty).toMatchObject({ fd: 1 });
  });

  it('captures two sendmmsg queries and both recvfrom responses', async () => {
    events.length = 0;
    await pexec(
      'unshare',
      ['--fork', '--pid', '--mount-proc', dnsq, 'mmsg', SERVER, 'a.corp.test', 'b.corp.test'],
      {
        cwd: work,
      },
    );
    await until(
      () => (dnsOf('dnsq').filter((e) => e.direction === 'response').length === 2 ? true : undefined),
      'two responses',
    );
    const qs = dnsOf('dnsq').filter((e) => e.direction === 'query');
    const rs = dnsOf('dnsq').filter((e) => e.direction === 'response');
    expect(qs.map((e) => [e.syscall, e.msgIndex])).toEqual([
      ['sendmmsg', 0],
      ['sendmmsg', 1],
    ]);
    for (const r of rs) expect(r).toMatchObject({ syscall: 'recvfrom', transport: 'udp', fd: qs[0]!.fd });
    const answers = rs.map((r) => parseMessage(r.payload).answers[0]?.data).sort();
    expect(answers).toEqual(['127.0.0.7', '127.0.0.8']);
    // nothing captured twice (no state left over from the exit-only path)
    expect(rs.length).toBe(2);
  });
});
