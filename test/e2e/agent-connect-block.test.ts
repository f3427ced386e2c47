// `block` on network `connect` end to end: the real agent CLI with a policy blocking connects
// to one local listener port, a real podman container (host network, so it reaches the
// host's loopback listeners). Enforcing: the container's connect fails with EPERM, another
// port works, the host still reaches the blocked port, one denied alert; --monitoring: the
// connect goes through and its alert says `monitoring`; a stopped agent leaves no filter.
// UDP datagrams sent to a blocked address without connect() (sendto, sendmsg) are refused the
// same way, by a small static sender (test/fixtures/udp-send.c) run in the container; a bind()
// to a blocked port (a bind shell's) fails with EPERM (cgroup bind4/6).

import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Doc, startAgent, waitFor } from './agent-runner.js';
import { removeAll, runContainer, type TestContainer } from './containers.js';
import { describeLive } from './gate.js';

const HELPER = resolve(import.meta.dirname, '../../bpf/.output/d4c-connect-block');

function listen(host: string): Promise<Server> {
  return new Promise((res) => {
    const s = createServer((c) => {
      c.on('error', () => {});
      c.end('hi\n');
    });
    s.listen(0, host, () => res(s));
  });
}
const portOf = (s: Server) => (s.address() as { port: number }).port;

function hostConnect(port: number): Promise<string> {
  return new Promise((res) => {
    const s = new Socket();
    s.once('connect', () => {
      s.destroy();
      res('connected');
    });
    s.once('error', (e: NodeJS.ErrnoException) => res(e.code ?? 'error'));
    s.connect(port, '127.0.0.1');
  });
}

/** Connect filter helpers (this worktree's binary) started by the process `root` or below it. */
function helpersOf(root: number): number[] {
  const parent = new Map<number, number>();
  const helpers: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      parent.set(Number(p), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      if (readlinkSync(`/proc/${p}/exe`) === HELPER) helpers.push(Number(p));
    } catch {
      // gone, or a kernel thread
    }
  }
  const under = (pid: number): boolean => {
    for (let p = pid, n = 0; p > 1 && n < 64; p = parent.get(p) ?? 0, n++) if (p === root) return true;
    return false;
  };
  return helpers.filter(under);
}

const alive = (pid: number) => existsSync(`/proc/${pid}`);

/**
 * Whether a helper below `root` has its filter attached to the cgroup of container `id`: its
 * six cgroup links (connect, sendmsg, bind; v4 and v6) are open, as the kernel shows in fdinfo.
 */
function attachedTo(root: number, id: string): boolean {
  return helpersOf(root).some((pid) => {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(id)) return false;
      const links = readdirSync(`/proc/${pid}/fdinfo`).filter((fd) =>
        /^link_type:\s+cgroup$/m.test(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8')),
      );
      return links.length >= 6;
    } catch {
      return false; // gone meanwhile
    }
  });
}

/** test/fixtures/udp-send.c, linked static (the container is busybox) into `dir`. */
function buildSender(dir: string): string {
  const src = resolve(import.meta.dirname, '../fixtures/udp-send.c');
  const cc = ['cc', 'clang'].find((c) => {
    try {
      execFileSync('sh', ['-c', `command -v ${c}`], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  });
  execFileSync(cc ?? 'cc', ['-static', '-O2', '-o', join(dir, 'udp-send'), src]);
  return dir;
}

/** A UDP port for the blocked sends (nothing needs to listen: the send itself is refused or not). */
const UDP_BLOCKED = 20_000 + (process.pid % 10_000);
/** A TCP port the policy forbids binding (and the next one, which it allows). */
const BIND_BLOCKED = 40_000 + (process.pid % 10_000);

/** A cgroup parent no runtime uses (podman's cgroupfs manager creates it in every hierarchy). */
const STRAY_PARENT = `/d4c-connect-e2e-${process.pid}`;

/** rmdir of the parent in every hierarchy; conmon's directory empties a moment after removal. */
async function removeStrayParent(): Promise<void> {
  for (let attempt = 0; attempt < 30; attempt++) {
    let left = 0;
    for (const h of readdirSync('/sys/fs/cgroup')) {
      const d = `/sys/fs/cgroup/${h}${STRAY_PARENT}`;
      if (!existsSync(d)) continue;
      for (const e of readdirSync(d, { withFileTypes: true }))
        if (e.isDirectory()) rmdirQuiet(`${d}/${e.name}`);
      rmdirQuiet(d);
      if (existsSync(d)) left++;
    }
    if (left === 0) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

function rmdirQuiet(d: string): void {
  try {
    rmdirSync(d);
  } catch {
    // busy or gone
  }
}

interface Run {
  box: TestContainer;
  blocked: string;
  blocked6: string;
  open: string;
  host: string;
  helpersWhileRunning: number[];
  stray: TestContainer;
  strayBlocked: string;
  strayOpen: string;
  afterStop: string;
  helpersAfterStop: number[];
  /** udp-send's answers: sendto and sendmsg to the blocked UDP port (v4, v6), sendto elsewhere. */
  udpSendto: string;
  udpSendmsg6: string;
  udpSendmmsg: string;
  udpOther: string;
  /** busybox `nc -l` on the blocked port and on the next one (`rc=1`: refused, `rc=143`: listened until timeout). */
  bindBlocked: string;
  bindOther: string;
  docs: Doc[];
  stderr: string;
  code: number | null;
  stats: Doc;
}

describeLive('podman')('d4c agent: block on connect (live)', () => {
  let dir: string;
  let blockedSrv: Server;
  let openSrv: Server;
  let enforced: Run;
  let monitored: Run;
  let bin: string;

  const nc = (c: TestContainer, port: number, host = '127.0.0.1') =>
    c.exec(['sh', '-c', `nc -w 2 ${host} ${port} </dev/null 2>&1; echo "rc=$?"`]).then((r) => r.stdout);
  const bindOn = (c: TestContainer, port: number) =>
    c.exec(['sh', '-c', `timeout 1 nc -l -p ${port} 2>&1; echo "rc=$?"`]).then((r) => r.stdout);
  const udp = (c: TestContainer, host: string, port: number, how: 'sendto' | 'sendmsg' | 'sendmmsg') =>
    c.exec(['/t/udp-send', host, String(port), how]).then((r) => r.stdout.trim());

  async function scenario(extra: string[]): Promise<Run> {
    const agent = await startAgent(['--policy', join(dir, 'policy.yaml'), ...extra]);
    try {
      const box = await runContainer({ extra: ['--network', 'host'], volumes: [`${bin}:/t:ro`] });
      const blocked = await nc(box, portOf(blockedSrv));
      const blocked6 = await nc(box, portOf(blockedSrv), '::1');
      const open = await nc(box, portOf(openSrv));
      const host = await hostConnect(portOf(blockedSrv));
      const udpSendto = await udp(box, '127.0.0.1', UDP_BLOCKED, 'sendto');
      const udpSendmsg6 = await udp(box, '::1', UDP_BLOCKED, 'sendmsg');
      const udpSendmmsg = await udp(box, '127.0.0.1', UDP_BLOCKED, 'sendmmsg');
      const udpOther = await udp(box, '127.0.0.1', UDP_BLOCKED + 1, 'sendto');
      const bindBlocked = await bindOn(box, BIND_BLOCKED);
      const bindOther = await bindOn(box, BIND_BLOCKED + 1);
      // A container outside the runtimes' parents: a filter of its own, from its first exec.
      const stray = await runContainer({ extra: ['--network', 'host', '--cgroup-parent', STRAY_PARENT] });
      // Enforcing, its filter is attached once the agent has seen its first exec.
      if (!extra.includes('--monitoring'))
        await waitFor(() => attachedTo(agent.child.pid!, stray.id), `a connect filter on ${stray.name}`);
      const strayBlocked = await nc(stray, portOf(blockedSrv));
      const strayOpen = await nc(stray, portOf(openSrv));
      const helpersWhileRunning = helpersOf(agent.child.pid!);
      // The last alert of the scenario is written: the agent has handled what came before it.
      await agent.waitForDoc(
        (d) =>
          d.event.kind === 'alert' &&
          d.container?.id === stray.id &&
          d.destination?.port === portOf(blockedSrv),
        "the stray container's connect alert",
      );
      const r = await agent.stop();
      const afterStop = await nc(box, portOf(blockedSrv));
      return {
        box,
        blocked,
        blocked6,
        open,
        host,
        helpersWhileRunning,
        stray,
        strayBlocked,
        strayOpen,
        afterStop,
        helpersAfterStop: helpersWhileRunning.filter(alive),
        udpSendto,
        udpSendmsg6,
        udpSendmmsg,
        udpOther,
        bindBlocked,
        bindOther,
        docs: r.docs,
        stderr: r.stderr,
        code: r.code,
        stats: r.stats,
      };
    } finally {
      await agent.stop().catch(() => {});
    }
  }

  const connectAlerts = (r: Run, port: number, container = r.box.id) =>
    r.docs.filter(
      (d) =>
        d.event.kind === 'alert' &&
        d.event.action === 'connection_attempted' &&
        d.destination?.port === port &&
        d.container?.id === container,
    );

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'd4c-connect-block-'));
    bin = buildSender(mkdtempSync(join(tmpdir(), 'd4c-udp-send-')));
    blockedSrv = await listen('::'); // dual stack: 127.0.0.1 and ::1
    openSrv = await listen('127.0.0.1');
    writeFileSync(
      join(dir, 'policy.yaml'),
      `network:
  selectors:
    - name: blockedPort
      operation: [connect]
      destinationAddress: [127.0.0.0/8, "::1"]
      destinationPort: [${portOf(blockedSrv)}]
      transport: [tcp]
    - name: blockedUdp
      operation: [connect]
      destinationAddress: [127.0.0.0/8, "::1"]
      destinationPort: [${UDP_BLOCKED}]
      transport: [udp]
    - name: bindShell
      operation: [bind]
      destinationPort: [${BIND_BLOCKED}]
  responses:
    - match: [blockedPort]
      actions: [alert, block]
    - match: [blockedUdp]
      actions: [alert, block]
    - match: [bindShell]
      actions: [alert, block]
`,
    );
    // The agent attaches to the runtimes' parents that exist when it starts; on a fresh machine
    // podman creates its own (libpod_parent) with its first container: run one first, as any
    // node running containers has.
    await (await runContainer({})).remove();
    enforced = await scenario([]);
    monitored = await scenario(['--monitoring']);
  }, 150_000);

  afterAll(async () => {
    await removeAll();
    await removeStrayParent();
    blockedSrv?.close();
    openSrv?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (bin) rmSync(bin, { recursive: true, force: true });
  });

  it('says at start that connect is prevented, for containers, and where the filter is', () => {
    expect(enforced.code).toBe(0);
    expect(enforced.stderr).toMatch(/enforcing block \(cgroup connect filter, .*prevented: connect, bind;/);
    expect(enforced.stderr).toMatch(/alert only on this kernel: accept, listen/);
    expect(enforced.stderr).toMatch(/connect filter on [^;(]*\/libpod_parent.*\(containers only\)/);
    expect(enforced.helpersWhileRunning.length).toBeGreaterThanOrEqual(1);
    // Only the connect filter blocks here: the heartbeat says blocking is on.
    const hb = enforced.docs.find((d) => d.data_stream.dataset === 'cloud_defend.heartbeat');
    expect(hb?.cloud_defend.block_action_enabled).toBe(true);
  });

  it('enforcing: the container gets EPERM on the blocked port (v4 and v6), others and the host pass', () => {
    expect(enforced.blocked).toContain('Operation not permitted');
    expect(enforced.blocked).toContain('rc=1');
    expect(enforced.blocked6).toContain('Operation not permitted');
    expect(enforced.open).toContain('hi');
    expect(enforced.open).toContain('rc=0');
    expect(enforced.host).toBe('connected');
  });

  it('enforcing: one denied alert per refused connect, with the destination and block_mode enforce', () => {
    const alerts = connectAlerts(enforced, portOf(blockedSrv));
    const v4 = alerts.filter((d) => d.destination.ip === '127.0.0.1');
    const v6 = alerts.filter((d) => d.destination.ip === '::1');
    expect(v4).toHaveLength(1);
    expect(v6).toHaveLength(1);
    const a = v4[0];
    expect(a.data_stream.dataset).toBe('cloud_defend.alerts');
    expect(a.event.type).toEqual(['denied']);
    expect(a.event.category).toEqual(['network']);
    expect(a.event.outcome).toBe('failure');
    expect(a.error).toEqual({ code: 'EPERM' });
    expect(a.destination).toEqual({ address: '127.0.0.1', ip: '127.0.0.1', port: portOf(blockedSrv) });
    expect(a.network).toEqual({ transport: 'tcp', type: 'ipv4', direction: 'egress' });
    expect(a.cloud_defend.block_mode).toBe('enforce');
    expect(a.cloud_defend.operation).toBe('connect');
    expect(a.cloud_defend.matched_selectors).toEqual(['blockedPort']);
    expect(a.process.args[0]).toBe('nc'); // busybox's applet
    expect(a.container.id).toBe(enforced.box.id);
    // The other port is no alert; the host's connect is nobody's document.
    expect(connectAlerts(enforced, portOf(openSrv))).toEqual([]);
    expect(
      enforced.docs.filter((d) => d.destination?.port === portOf(blockedSrv) && d.container === undefined),
    ).toEqual([]);
    expect(enforced.stats.connectBlock.denied).toBeGreaterThanOrEqual(2);
  });

  it('enforcing: a UDP datagram sent to a blocked address without connect() is refused, with one alert each', () => {
    expect(enforced.udpSendto).toBe('EPERM');
    expect(enforced.udpSendmsg6).toBe('EPERM');
    expect(enforced.udpSendmmsg).toBe('EPERM');
    expect(enforced.udpOther).toBe('sent');
    const alerts = connectAlerts(enforced, UDP_BLOCKED);
    const byHook = (h: string) => alerts.filter((d) => d.cloud_defend.hook_point?.includes(h));
    const [to] = byHook('tracepoint__syscalls__sys_exit_sendto');
    const [msg] = byHook('tracepoint__syscalls__sys_exit_sendmsg');
    const [mmsg] = byHook('tracepoint__syscalls__sys_exit_sendmmsg');
    expect(alerts).toHaveLength(3);
    expect(mmsg?.destination).toEqual({ address: '127.0.0.1', ip: '127.0.0.1', port: UDP_BLOCKED });
    expect(to?.destination).toEqual({ address: '127.0.0.1', ip: '127.0.0.1', port: UDP_BLOCKED });
    expect(to?.network).toEqual({ transport: 'udp', type: 'ipv4', direction: 'egress' });
    expect(to?.error).toEqual({ code: 'EPERM' });
    expect(to?.event.type).toEqual(['denied']);
    expect(to?.cloud_defend.block_mode).toBe('enforce');
    expect(to?.cloud_defend.matched_selectors).toEqual(['blockedUdp']);
    expect(to?.process.executable).toBe('/t/udp-send');
    expect(msg?.destination).toEqual({ address: '::1', ip: '::1', port: UDP_BLOCKED });
    expect(msg?.network.type).toBe('ipv6');
    // Sends that went through are data, not attempts: no document.
    expect(enforced.docs.filter((d) => d.destination?.port === UDP_BLOCKED + 1)).toEqual([]);
    // --monitoring attaches no filter: the sends go through.
    expect(monitored.udpSendto).toBe('sent');
  });

  it('enforcing: a bind to the blocked port is refused (a bind shell cannot listen), with one alert', () => {
    expect(enforced.bindBlocked).toContain('Operation not permitted');
    expect(enforced.bindBlocked).toContain('rc=1');
    expect(enforced.bindOther).toContain('rc=143'); // it listened until the timeout
    const alerts = enforced.docs.filter(
      (d) => d.event.kind === 'alert' && d.event.action === 'bind' && d.destination?.port === BIND_BLOCKED,
    );
    expect(alerts).toHaveLength(1);
    const a = alerts[0];
    expect(a.event.type).toEqual(['denied']);
    expect(a.error).toEqual({ code: 'EPERM' });
    expect(a.cloud_defend.block_mode).toBe('enforce');
    expect(a.cloud_defend.matched_selectors).toEqual(['bindShell']);
    expect(a.network.direction).toBe('ingress');
    expect(a.container.id).toBe(enforced.box.id);
    // --monitoring: the bind goes through and its alert says so.
    expect(monitored.bindBlocked).toContain('rc=143');
    const m = monitored.docs.filter(
      (d) => d.event.kind === 'alert' && d.event.action === 'bind' && d.destination?.port === BIND_BLOCKED,
    );
    expect(m).toHaveLength(1);
    expect(m[0].cloud_defend.block_mode).toBe('monitoring');
  });

  it("enforcing: a container outside the runtimes' parents gets a filter of its own", () => {
    expect(enforced.strayBlocked).toContain('Operation not permitted');
    expect(enforced.strayOpen).toContain('hi');
    const alerts = connectAlerts(enforced, portOf(blockedSrv), enforced.stray.id);
    expect(alerts).toHaveLength(1);
    expect(alerts[0].cloud_defend.block_mode).toBe('enforce');
    expect(enforced.stats.connectBlock.ownAttached).toBeGreaterThanOrEqual(1);
    // --monitoring attaches nothing there either.
    expect(monitored.strayBlocked).toContain('hi');
  });

  it('enforcing: stopping the agent detaches the filter (the connect works, no helper left)', () => {
    expect(enforced.afterStop).toContain('hi');
    expect(enforced.helpersAfterStop).toEqual([]);
  });

  it('--monitoring: the connect goes through, its alert says monitoring, nothing is attached', () => {
    expect(monitored.code).toBe(0);
    expect(monitored.stderr).toMatch(/MONITORING/);
    expect(monitored.helpersWhileRunning).toEqual([]);
    const hb = monitored.docs.find((d) => d.data_stream.dataset === 'cloud_defend.heartbeat');
    expect(hb?.cloud_defend.block_action_enabled).toBe(false);
    expect(monitored.blocked).toContain('hi');
    expect(monitored.blocked).toContain('rc=0');
    const v4 = connectAlerts(monitored, portOf(blockedSrv)).filter((d) => d.destination.ip === '127.0.0.1');
    expect(v4).toHaveLength(1);
    expect(v4[0].event.type).toEqual(['connection', 'start']);
    expect(v4[0].event.outcome).toBe('success');
    expect(v4[0].cloud_defend.block_mode).toBe('monitoring');
    expect(monitored.stats.connectBlock.monitored).toBeGreaterThanOrEqual(1);
  });
});
