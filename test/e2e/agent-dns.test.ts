// DNS end to end (issue 18): the real `d4c agent` CLI, the real eBPF sensor and a podman container
// on the host network resolving names against a small DNS server this test runs on a loopback
// address (test/dns/server.ts; it answers only with 127.0.0.0/8 addresses, so nothing leaves the
// machine). Checked: busybox nslookup's UDP transactions with question, answers and response code;
// a policy selector on the question name; an IoC-listed name alerting; a later connect to an
// answered address carrying destination.domain (and alerting, the address being an IoC name's);
// a TCP query and a sendmmsg query from a static test program; a malformed response counted; the
// pack's DNS rules (encoded-data labels, TXT burst, metadata name, mining pool) firing.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type DnsTestServer, startDnsServer } from '../dns/server.js';
import { type Doc, type RunningAgent, startAgent, waitFor } from './agent-runner.js';
import { ensurePodman, removeAll, runContainer, type TestContainer } from './containers.js';
import { describeLive } from './gate.js';

const root = resolve(import.meta.dirname, '../..');
// One loopback address per test process: parallel runs do not share a port-53 socket.
const SERVER = `127.53.${(process.pid >> 8) & 0xff}.${process.pid & 0xff || 1}`;
const TABLE = {
  'app.corp.test': '127.0.0.21',
  'c2.evil.test': '127.0.0.22',
  'tcp.corp.test': '127.0.0.23',
  'one.corp.test': '127.0.0.24',
  'two.corp.test': '127.0.0.25',
  'web.other.test': '127.0.0.26',
  'metadata.google.internal': '127.0.0.27',
  'pool.supportxmr.com': '127.0.0.28',
};
const LONG = `${'k'.repeat(20)}${'7f'.repeat(20)}.x.tunnel.test`;
const POLICY = `network:
  selectors:
    - name: corp-names
      operation: [dns]
      dnsQuestionName: ["*.corp.test"]
  responses:
    - match: [corp-names]
      actions: [alert]
`;

function staticDnsq(dir: string): string | undefined {
  const out = join(dir, 'dnsq');
  try {
    execFileSync('cc', ['-static', '-O1', '-o', out, join(root, 'test/dns/dnsq.c')], { stdio: 'pipe' });
  } catch {
    return undefined;
  }
  chmodSync(out, 0o755);
  return out;
}

describeLive('podman', 'cc')('d4c agent DNS documents (live)', () => {
  let dir: string;
  let server: DnsTestServer | undefined;
  let agent: RunningAgent | undefined;
  let box: TestContainer;
  let mine: Doc[] = [];
  let stats: Doc;
  let code: number | null = null;

  const dns = (name: string, type = 'A') =>
    mine.filter(
      (d) =>
        d.cloud_defend?.operation === 'dns' && d.dns?.question?.name === name && d.dns.question.type === type,
    );

  beforeAll(async () => {
    await ensurePodman();
    dir = mkdtempSync(join(tmpdir(), 'd4c-agent-dns-'));
    const bin = staticDnsq(dir);
    if (!bin) throw new Error('cannot build a static dnsq (libc6-dev static libraries missing?)');
    writeFileSync(join(dir, 'ioc.txt'), '# test list\nevil.test\n');
    server = await startDnsServer(SERVER, TABLE);
    agent = await startAgent(
      ['--log-all-network', '--ioc-domains', join(dir, 'ioc.txt'), '--rules', join(root, 'rules')],
      { policy: POLICY },
    );
    box = await runContainer({ volumes: [`${bin}:/dnsq:ro`], extra: ['--network=host'] });
    const look = async (args: string[]) => {
      const r = await box.exec(['nslookup', ...args, SERVER]);
      return `${r.stdout}${r.stderr}`;
    };
    expect(await look(['web.other.test'])).toContain('127.0.0.26');
    expect(await look(['app.corp.test'])).toContain('127.0.0.21');
    expect(await look(['c2.evil.test'])).toContain('127.0.0.22');
    await look(['missing.other.test']);
    await look(['-type=txt', 'note.other.test']);
    await look(['malformed.corp.test']);
    // The pack's DNS rules: encoded-data labels, a TXT burst, a metadata name, a mining pool.
    await look([LONG]);
    for (let i = 0; i < 5; i++) await look(['-type=txt', `p${i}.t.tunnel.test`]);
    expect(await look(['metadata.google.internal'])).toContain('127.0.0.27');
    expect(await look(['pool.supportxmr.com'])).toContain('127.0.0.28');
    // A later connect to an answered address (nothing listens there: refused, still a connect).
    await box.exec(['sh', '-c', 'nc -w 1 127.0.0.22 8080 </dev/null; true']);
    await box.exec(['sh', '-c', 'nc -w 1 127.0.0.21 8080 </dev/null; true']);
    const t = await box.exec(['/dnsq', 'tcp', SERVER, 'tcp.corp.test']);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toBe('rcode 0 answers 1\n');
    const m = await box.exec(['/dnsq', 'mmsg', SERVER, 'one.corp.test', 'two.corp.test']);
    expect(m.code, m.stderr).toBe(0);
    expect(m.stdout).toBe('rcode 0 answers 1\nrcode 0 answers 1\n');
    await agent.waitForDoc(
      (d) =>
        d.container?.id === box.id && d.dns?.question?.name === 'two.corp.test' && d.event.kind === 'alert',
      "the sendmmsg's second query",
    );
    await agent.waitForDoc(
      (d) =>
        d.container?.id === box.id &&
        d.destination?.ip === '127.0.0.21' &&
        d.cloud_defend?.operation === 'connect',
      'the connect to an answered address',
    );
    // SIGHUP reloads the IoC list: a name listed only now alerts.
    writeFileSync(join(dir, 'ioc.txt'), 'evil.test\nlate.test\n');
    agent.child.kill('SIGHUP');
    await waitFor(() => agent?.stderr().includes('ioc domains reloaded (2 domains)'), 'the IoC reload');
    await look(['x.late.test']);
    await agent.waitForDoc((d) => d.dns?.question?.name === 'x.late.test', 'the query after the reload');
    const s = await agent.stop();
    agent = undefined;
    code = s.code;
    stats = s.stats;
    mine = s.docs.filter((d) => d.container?.id === box.id);
  }, 120_000);

  afterAll(async () => {
    await agent?.stop();
    await server?.close();
    await removeAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('exits cleanly', () => {
    expect(code).toBe(0);
  });

  it('writes one transaction document per nslookup query with question, answers and response code', () => {
    // --log-all-network: names no selector takes are logged as events in the network data stream
    const [ev] = dns('web.other.test');
    expect(ev).toBeDefined();
    expect(ev.event.kind).toBe('event');
    expect(ev.data_stream).toEqual({ type: 'logs', dataset: 'cloud_defend.network', namespace: 'default' });
    expect(ev.event.category).toEqual(['network']);
    expect(ev.event.type).toEqual(['protocol', 'info']);
    expect(ev.event.action).toBe('lookup_result');
    expect(ev.event.outcome).toBe('success');
    expect(ev.dns).toMatchObject({
      op_code: 'QUERY',
      type: 'answer',
      response_code: 'NOERROR',
      question: {
        name: 'web.other.test',
        type: 'A',
        class: 'IN',
        registered_domain: 'other.test',
        top_level_domain: 'test',
        subdomain: 'web',
      },
      answers: [{ name: 'web.other.test', type: 'A', class: 'IN', ttl: 300, data: '127.0.0.26' }],
      resolved_ip: ['127.0.0.26'],
    });
    expect(ev.dns.header_flags).toContain('RD');
    expect(ev.destination).toMatchObject({ ip: SERVER, port: 53 });
    expect(ev.source.port).toBeGreaterThan(0);
    expect(ev.network).toMatchObject({ transport: 'udp', type: 'ipv4', protocol: 'dns' });
    expect(ev.cloud_defend.operation).toBe('dns');
    expect(ev.cloud_defend.matched_selectors).toEqual([]);
    expect(ev.process.args).toEqual(['nslookup', 'web.other.test', SERVER]);
    expect(ev.container.id).toBe(box.id);
    expect(ev.container.image.name).toMatch(/busybox/);
    // busybox asks for AAAA too: its own transaction, answered with no records
    const [aaaa] = dns('web.other.test', 'AAAA');
    expect(aaaa?.dns.response_code).toBe('NOERROR');
    expect(aaaa?.dns.answers).toBeUndefined();
    expect(dns('missing.other.test')[0]?.dns.response_code).toBe('NXDOMAIN');
    expect(dns('note.other.test', 'TXT')[0]?.dns.answers?.[0]).toMatchObject({ type: 'TXT', data: 'v=test' });
  });

  it('alerts on the policy selector for the question name, and on the IoC-listed name', () => {
    const [corp] = dns('app.corp.test');
    expect(corp?.event.kind).toBe('alert');
    expect(corp?.data_stream.dataset).toBe('cloud_defend.alerts');
    expect(corp?.cloud_defend.matched_selectors).toEqual(['corp-names']);
    expect(corp?.message).toBe('Alert: dns app.corp.test A (selector corp-names)');
    expect(corp?.dns.resolved_ip).toEqual(['127.0.0.21']);
    const [evil] = dns('c2.evil.test');
    expect(evil?.event.kind).toBe('alert');
    expect(evil?.cloud_defend.matched_selectors).toEqual(['ioc-domains']);
    expect(evil?.dns.resolved_ip).toEqual(['127.0.0.22']);
    expect(stats.dns.iocDomains).toBe(2);
    expect(stats.dns.iocMatches).toBeGreaterThanOrEqual(2);
  });

  it("fires the pack's DNS rules", () => {
    const fired = (rule: string) => mine.filter((d) => d.event.kind === 'alert' && d.rule?.name === rule);
    const enc = fired('DNS Query with Encoded-Data Labels from a Container');
    expect(enc.map((d) => d.dns?.question?.name)).toContain(LONG);
    const burst = fired('Burst of TXT or NULL DNS Queries to One Domain from a Container');
    expect(burst.length).toBeGreaterThan(0);
    expect(burst.every((d) => d.dns?.question?.registered_domain === 'tunnel.test')).toBe(true);
    const meta = fired('Container Resolved a Cloud Instance Metadata Service Name');
    expect(meta.map((d) => d.dns?.question?.name)).toContain('metadata.google.internal');
    const pool = fired('Container Resolved a Cryptocurrency Mining Pool Domain');
    expect(pool.map((d) => d.dns?.question?.name)).toContain('pool.supportxmr.com');
    // quiet on the ordinary names
    for (const r of [enc, meta, pool])
      expect(r.map((d) => d.dns?.question?.name)).not.toContain('web.other.test');
  });

  it('reloads the IoC list on SIGHUP', () => {
    const late = dns('x.late.test');
    expect(late.length).toBeGreaterThan(0);
    expect(
      late.every((d) => d.event.kind === 'alert' && d.cloud_defend.matched_selectors[0] === 'ioc-domains'),
    ).toBe(true);
  });

  it('names the destination of later connects to answered addresses; an IoC answer alerts', () => {
    const conn = (ip: string) =>
      mine.filter((d) => d.cloud_defend?.operation === 'connect' && d.destination?.ip === ip);
    const app = conn('127.0.0.21');
    expect(app.length).toBeGreaterThan(0);
    expect(app.every((d) => d.destination.domain === 'app.corp.test')).toBe(true);
    expect(app.some((d) => d.event.kind === 'alert')).toBe(false);
    const evil = conn('127.0.0.22');
    expect(evil.every((d) => d.destination.domain === 'c2.evil.test')).toBe(true);
    const alert = evil.find((d) => d.event.kind === 'alert');
    expect(alert?.cloud_defend.matched_selectors).toEqual(['ioc-domains']);
  });

  it('sees a TCP query and both messages of a sendmmsg', () => {
    const [tcp] = dns('tcp.corp.test');
    expect(tcp?.network.transport).toBe('tcp');
    expect(tcp?.dns.resolved_ip).toEqual(['127.0.0.23']);
    expect(tcp?.process.name).toBe('dnsq');
    for (const [name, ip] of [
      ['one.corp.test', '127.0.0.24'],
      ['two.corp.test', '127.0.0.25'],
    ] as const) {
      const [d] = dns(name);
      expect(d?.dns.resolved_ip, name).toEqual([ip]);
      expect(d?.cloud_defend.hook_point).toEqual(['tracepoint__syscalls__sys_exit_sendmmsg']);
    }
  });

  it('counts the malformed response and writes its query as unanswered', () => {
    expect(stats.dns.malformed).toBeGreaterThanOrEqual(1);
    const [q] = dns('malformed.corp.test');
    expect(q?.event.outcome).toBe('unknown');
    expect(q?.dns.response_code).toBeUndefined();
  });
});

// IPv6 end to end and `--no-dns` (issue 18): a resolver on [::1]:53 gives the same transaction
// documents (network.type ipv6); with --no-dns the ready line says DNS is off and the same
// queries make no DNS document, while the network programs still see the connect that follows.
describeLive('podman')('d4c agent DNS over IPv6, and --no-dns (live)', () => {
  let server: DnsTestServer | undefined;
  let agent: RunningAgent | undefined;
  let box: TestContainer;

  beforeAll(async () => {
    await ensurePodman();
    server = await startDnsServer('::1', { 'six.corp.test': '127.0.0.31' });
    box = await runContainer({ extra: ['--network=host'] });
  }, 120_000);

  afterAll(async () => {
    await agent?.stop();
    await server?.close();
    await removeAll();
  });

  const look = async (name: string) => {
    const r = await box.exec(['nslookup', name, '::1']);
    return `${r.stdout}${r.stderr}`;
  };

  it('writes the transaction of a query to an IPv6 resolver', async () => {
    agent = await startAgent(['--log-all-network']);
    expect(await look('six.corp.test')).toContain('127.0.0.31');
    const d = await agent.waitForDoc(
      (x) => x.container?.id === box.id && x.dns?.question?.name === 'six.corp.test',
      'the IPv6 transaction',
    );
    expect(d.network.type).toBe('ipv6');
    expect(d.dns.resolved_ip).toEqual(['127.0.0.31']);
    expect(agent.stderr()).not.toContain('dns off');
    await agent.stop();
    agent = undefined;
  }, 60_000);

  it('with --no-dns says so in the ready line and writes no DNS document', async () => {
    agent = await startAgent(['--log-all-network', '--no-dns']);
    expect(agent.stderr()).toMatch(/d4c agent: ready \(.*dns off \(--no-dns\)/);
    expect(await look('six.corp.test')).toContain('127.0.0.31');
    // A marker after the query: once its connect is written, the query's records were drained.
    await box.exec(['sh', '-c', 'nc -w 1 127.0.0.31 8081 </dev/null; true']);
    await agent.waitForDoc(
      (x) => x.container?.id === box.id && x.destination?.ip === '127.0.0.31' && x.destination?.port === 8081,
      'the connect after the query',
    );
    const s = await agent.stop();
    agent = undefined;
    expect(s.code).toBe(0);
    const mine = s.docs.filter((x) => x.container?.id === box.id);
    expect(mine.filter((x) => x.cloud_defend?.operation === 'dns')).toEqual([]);
    expect(mine.some((x) => x.destination?.domain !== undefined)).toBe(false);
  }, 60_000);
});
