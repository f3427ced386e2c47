// Network documents end to end: the real `d4c agent` CLI and a podman container running a static
// netops binary (connect, accept, bind, listen over TCP v4/v6, UDP and unix sockets). With
// --log-all-network every document is checked field by field and d4c's rule pack fires on the
// metadata-service connect and a netcat bind shell; then without a network section (nothing
// written, events counted) and with one (exactly the selected events, logged or alerted).
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli.js';
import { type Doc, type RunningAgent, startAgent } from './agent-runner.js';
import { ensurePodman, removeAll, runContainer, type TestContainer } from './containers.js';
import { describeLive } from './gate.js';
import { LOG_EXECS } from './policies.js';

const root = resolve(import.meta.dirname, '../..');
/** A static build runs in the busybox image (no libc there). */
function staticNetops(dir: string): string | undefined {
  const out = join(dir, 'netops');
  try {
    execFileSync('cc', ['-static', '-O1', '-o', out, join(root, 'test/sensor/netops.c')], { stdio: 'pipe' });
  } catch {
    return undefined;
  }
  chmodSync(out, 0o755);
  return out;
}

/** Runs `scenario` on an agent with `policy` and a container holding a static netops; cleans up. */
async function withNetops(
  policy: string,
  scenario: (agent: RunningAgent, box: TestContainer) => Promise<void>,
): Promise<void> {
  await ensurePodman();
  const dir = mkdtempSync(join(tmpdir(), 'd4c-agent-netops-'));
  let agent: RunningAgent | undefined;
  try {
    const bin = staticNetops(dir);
    if (!bin) throw new Error('cannot build a static netops');
    agent = await startAgent([], { policy });
    await scenario(agent, await runContainer({ volumes: [`${bin}:/netops:ro`] }));
  } finally {
    await agent?.stop(); // a second stop, after the scenario's, only reads what is left
    await removeAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

describeLive('podman', 'cc')('d4c agent network documents (live)', () => {
  let dir: string;
  let agent: RunningAgent | undefined;
  let box: TestContainer;
  let docs: Doc[] = [];
  let mine: Doc[] = [];
  let out = '';
  let v6 = false;
  let code: number | null = null;
  let stats: Doc;

  const net = (pred: (d: Doc) => boolean) =>
    mine.filter((d) => d.event.category?.[0] === 'network' && d.event.kind === 'event' && pred(d));
  const ports = () => [...out.matchAll(/^port (\d+)$/gm)].map((m) => Number(m[1]));

  beforeAll(async () => {
    await ensurePodman();
    dir = mkdtempSync(join(tmpdir(), 'd4c-agent-net-'));
    const bin = staticNetops(dir);
    if (!bin) throw new Error('cannot build a static netops (libc6-dev static libraries missing?)');
    agent = await startAgent(['--log-all-network', '--rules', join(root, 'rules')], { policy: LOG_EXECS });
    box = await runContainer({ volumes: [`${bin}:/netops:ro`] });
    const r = await box.exec([
      '/netops',
      'tcp4',
      'udp4',
      'unix',
      '/tmp/app.sock',
      'abstract',
      'd4c-e2e',
      'refused',
      'dialv4',
      '169.254.169.254',
      '80',
    ]);
    expect(r.code, r.stderr).toBe(0);
    out = r.stdout;
    // IPv6 loopback exists unless the network namespace has IPv6 disabled.
    const r6 = await box.exec(['/netops', 'tcp6', 'udp6']);
    v6 = r6.code === 0;
    if (v6) out += r6.stdout;
    // A netcat bind shell (busybox nc), stopped after a moment.
    await box.exec(['sh', '-c', 'nc -l -p 9999 -e /bin/sh & p=$!; sleep 0.3; kill $p; true']);
    await agent.waitForDoc(
      (d) => d.container?.id === box.id && d.event.action === 'listen' && d.destination?.port === 9999,
      "the bind shell's listen",
    );
    const s = await agent.stop();
    agent = undefined;
    docs = s.docs;
    code = s.code;
    stats = s.stats;
    mine = docs.filter((d) => d.container?.id === box.id);
  }, 90_000);

  afterAll(async () => {
    await agent?.stop();
    await removeAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('exits cleanly and counts the network events it saw', () => {
    expect(code).toBe(0);
    expect(stats.eventsSeen.network).toBeGreaterThan(10);
    expect(
      docs.every(
        (d) =>
          d.event.category?.[0] !== 'network' ||
          d.data_stream.dataset === 'cloud_defend.network' ||
          d.event.kind === 'alert',
      ),
    ).toBe(true);
  });

  it('writes a TCP/IPv4 connect and its accept with both ends, process and container context', () => {
    const [p4] = ports();
    const c = net((d) => d.event.action === 'connection_attempted' && d.destination?.port === p4)[0];
    expect(c).toBeDefined();
    expect(c.data_stream).toEqual({ type: 'logs', dataset: 'cloud_defend.network', namespace: 'default' });
    expect(c.event.type).toEqual(['connection', 'start']);
    expect(c.event.outcome).toBe('success');
    expect(c.destination).toEqual({ address: '127.0.0.1', ip: '127.0.0.1', port: p4 });
    expect(c.source.ip).toBe('127.0.0.1');
    expect(c.network).toEqual({ transport: 'tcp', type: 'ipv4', direction: 'egress' });
    expect(c.process.executable).toBe('/netops');
    expect(c.process.name).toBe('netops');
    expect(c.container.image.name).toMatch(/busybox/);
    expect(c.cloud_defend.operation).toBe('connect');
    expect(c.cloud_defend.hook_point).toEqual(['tracepoint__syscalls__sys_exit_connect']);
    const a = net((d) => d.event.action === 'connection_accepted' && d.destination?.port === p4)[0];
    expect(a).toBeDefined();
    expect(a.event.type).toEqual(['connection', 'start']);
    expect(a.source).toEqual(c.source); // the client's end
    expect(a.network.direction).toBe('ingress');
    const bind = net((d) => d.event.action === 'bind' && d.destination?.port === p4)[0];
    expect(bind?.event.type).toEqual(['info']);
    const listen = net((d) => d.event.action === 'listen' && d.destination?.port === p4)[0];
    expect(listen?.event.type).toEqual(['start']);
    expect(listen?.source).toBeUndefined();
  });

  it('writes UDP, unix (path and abstract), failed and in-progress connects', () => {
    const [, pu4, refused] = ports();
    const u = net((d) => d.event.action === 'connection_attempted' && d.destination?.port === pu4)[0];
    expect(u?.network).toEqual({ transport: 'udp', type: 'ipv4', direction: 'egress' });
    const unix = net((d) => d.destination?.address === '/tmp/app.sock').map((d) => d.event.action);
    expect(unix).toEqual(['bind', 'listen', 'connection_attempted', 'connection_accepted']);
    const uc = net(
      (d) => d.destination?.address === '/tmp/app.sock' && d.event.action === 'connection_attempted',
    )[0];
    expect(uc.network).toEqual({ direction: 'egress' });
    expect(uc.cloud_defend?.network).toEqual({ family: 'unix' });
    expect(uc.destination.ip).toBeUndefined();
    expect(net((d) => d.destination?.address === '@d4c-e2e').length).toBe(4);
    const r = net((d) => d.event.action === 'connection_attempted' && d.destination?.port === refused)[0];
    expect([r?.event.outcome, r?.error?.code]).toEqual(['failure', 'ECONNREFUSED']);
    const imds = net((d) => d.destination?.ip === '169.254.169.254')[0];
    expect(imds?.event.outcome).toBe('unknown'); // non-blocking: EINPROGRESS
  });

  it('writes TCP/IPv6 when the container has an IPv6 loopback', () => {
    if (!v6) return;
    const p6 = ports()[3];
    const c = net((d) => d.event.action === 'connection_attempted' && d.destination?.port === p6)[0];
    expect(c?.destination.ip).toBe('::1');
    expect(c?.network).toEqual({ transport: 'tcp', type: 'ipv6', direction: 'egress' });
  });

  it('fires the rule pack on the metadata-service connect and the netcat bind shell', () => {
    const rules = mine.filter((d) => d.event.kind === 'alert' && d.rule?.name).map((d) => d.rule.name);
    expect(rules).toContain('Container Connection to the Cloud Instance Metadata Service');
    expect(rules).toContain('Bind Shell Listening in a Container');
    const shell = net((d) => d.event.action === 'listen' && d.destination?.port === 9999)[0];
    expect(shell?.process.name).toBe('busybox');
  });
});

describeLive('podman', 'cc')('d4c agent without a network response', () => {
  it('sees and counts network events but writes no network document', async () => {
    await withNetops(LOG_EXECS, async (agent, box) => {
      expect((await box.exec(['/netops', 'tcp4'])).code).toBe(0);
      await new Promise((res) => setTimeout(res, 1000));
      const s = await agent.stop();
      const own = s.docs.filter((d) => d.container?.id === box.id);
      expect(own.some((d) => d.event.action === 'exec' && d.process.executable === '/netops')).toBe(true);
      expect(s.docs.filter((d) => d.event.category?.[0] === 'network')).toEqual([]);
      expect(s.stats.eventsSeen.network).toBeGreaterThanOrEqual(4);
    });
  }, 60_000);
});

describe('d4c agent network flags', () => {
  it('refuses --log-all-network with --no-network: the problem first, then the synopsis, exit 2', () => {
    const r = runCli(['agent', '--log-all-network', '--no-network']);
    expect(r.code).toBe(2);
    const lines = r.err.trim().split('\n');
    expect(lines[0]).toBe('d4c agent: --log-all-network and --no-network exclude each other');
    expect(lines[1]).toMatch(/^usage: d4c agent /);
    expect(lines.at(-1)).toBe("run 'd4c agent --help' for the options");
  });
});

const NET_POLICY = `${LOG_EXECS}network:
  selectors:
    - name: metadata
      operation: [connect]
      destinationAddress: [169.254.169.254]
    - name: loopbackTcp
      destinationAddress: [127.0.0.0/8]
      destinationPort: [1024-65535]
      transport: [tcp]
    - name: unixSockets
      transport: [unix]
  responses:
    - match: [metadata]
      actions: [alert]
    - match: [loopbackTcp, unixSockets]
      actions: [log]
`;

describeLive('podman', 'cc')('d4c agent with a network policy', () => {
  it('logs and alerts what the network section selects, and nothing else', async () => {
    await withNetops(NET_POLICY, async (agent, box) => {
      const r = await box.exec([
        '/netops',
        'tcp4',
        'udp4',
        'unix',
        '/tmp/p.sock',
        'dialv4',
        '169.254.169.254',
        '80',
      ]);
      expect(r.code, r.stderr).toBe(0);
      const [tcp, udp] = [...r.stdout.matchAll(/^port (\d+)$/gm)].map((m) => Number(m[1]));
      // The last connect (to the metadata address) is alerted: what came before it is handled.
      await agent.waitForDoc(
        (d) => d.container?.id === box.id && d.destination?.ip === '169.254.169.254',
        'the metadata connect alert',
      );
      const s = await agent.stop();
      const own = s.docs.filter((d) => d.container?.id === box.id && d.event.category?.[0] === 'network');
      const logged = own.filter((d) => d.data_stream.dataset === 'cloud_defend.network');
      const alerts = own.filter((d) => d.data_stream.dataset === 'cloud_defend.alerts');
      // the metadata connect: alert only, with its selector
      expect(alerts.map((d) => [d.event.kind, d.destination.ip, d.cloud_defend.matched_selectors])).toEqual([
        ['alert', '169.254.169.254', ['metadata']],
      ]);
      const tcpDocs = logged.filter((d) => d.destination?.port === tcp);
      expect(tcpDocs.map((d) => d.event.action).sort()).toEqual(
        ['bind', 'connection_accepted', 'connection_attempted', 'listen'].sort(),
      );
      for (const d of tcpDocs) expect(d.cloud_defend.matched_selectors).toEqual(['loopbackTcp']);
      // the connect's source port is ephemeral (>= 1024) but the selector looks at the destination
      expect(logged.some((d) => d.destination?.port === udp)).toBe(false);
      const unix = logged.filter((d) => d.destination?.address === '/tmp/p.sock');
      expect(unix.length).toBe(4);
      for (const d of unix) expect(d.cloud_defend.matched_selectors).toEqual(['unixSockets']);
      expect(logged.length).toBe(8);
      expect(s.stats.eventsSeen.network).toBeGreaterThan(own.length);
      expect(s.stats.policyActions['connect.alert']).toBeGreaterThanOrEqual(1);
    });
  }, 60_000);
});
