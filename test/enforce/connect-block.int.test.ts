// Live connect blocking: the cgroup connect4/connect6 programs attached to a real podman
// container's cgroup deny its connects to blocked destinations with EPERM; other
// destinations, and processes outside the container, connect as before.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server, Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConnectBlocker, startConnectBlock } from '../../src/enforce/index.js';
import { DEFAULT_ENFORCEMENT_CAPS, parsePolicy, withConnectBlock } from '../../src/policy/index.js';
import { podmanAvailable, removeAll, runContainer, type TestContainer } from '../e2e/containers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const canRun = podmanAvailable();

function listen(host = '127.0.0.1'): Promise<Server> {
  return new Promise((resolve) => {
    const s = createServer((c) => {
      c.on('error', () => {}); // a client that resets is not this test's concern
      c.end('hi\n');
    });
    s.listen(0, host, () => resolve(s));
  });
}
const portOf = (s: Server) => (s.address() as { port: number }).port;

function hostConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = new Socket();
    s.once('connect', () => {
      s.destroy();
      resolve('connected');
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    s.connect(port, '127.0.0.1');
  });
}

describe.skipIf(!canRun)('connect blocking in a podman container (cgroup connect4/connect6)', () => {
  let c: TestContainer;
  let blocked: Server;
  let open: Server;
  let blocker: ConnectBlocker | undefined;

  beforeAll(async () => {
    execFileSync(join(root, 'scripts/build-bpf.sh'), { stdio: 'pipe' });
    blocked = await listen('::'); // dual stack: 127.0.0.1 and ::1
    open = await listen();
    c = await runContainer({ extra: ['--network', 'host'] });
  });

  afterAll(async () => {
    await blocker?.stop();
    await removeAll();
    blocked?.close();
    open?.close();
  });

  const nc = (port: number, host = '127.0.0.1') =>
    c.exec(['sh', '-c', `nc -w 2 ${host} ${port} </dev/null 2>&1; echo "rc=$?"`]);

  it('denies the blocked port with EPERM, lets others through, counts both', async () => {
    const text = `network:
  selectors:
    - name: blockedPort
      operation: [connect]
      destinationAddress: [127.0.0.0/8, "::1"]
      destinationPort: [${portOf(blocked)}]
      transport: [tcp]
  responses:
    - match: [blockedPort]
      actions: [alert, block]
`;
    const parsed = parsePolicy(text, 'p.yaml', {
      enforcementCaps: withConnectBlock(DEFAULT_ENFORCEMENT_CAPS),
    });
    expect(parsed.diagnostics).toEqual([]);
    const cg = readFileSync(`/proc/${c.pid}/cgroup`, 'utf8').match(/^0::(\/.*)$/m)![1]!;
    blocker = await startConnectBlock({ policy: parsed.policy!, cgroupDir: `/sys/fs/cgroup/unified${cg}` });
    expect(blocker.rules).toBe(2);

    const before = await blocker.stats();
    const denied = await nc(portOf(blocked));
    expect(denied.stdout).toContain('Operation not permitted');
    expect(denied.stdout).toContain('rc=1');
    // IPv6, through connect6.
    const denied6 = await nc(portOf(blocked), '::1');
    expect(denied6.stdout).toContain('Operation not permitted');
    const allowed = await nc(portOf(open));
    expect(allowed.stdout).toContain('hi');
    expect(allowed.stdout).toContain('rc=0');
    const after = await blocker.stats();
    expect(after.denied - before.denied).toBe(2);
    expect(after.allowed - before.allowed).toBeGreaterThanOrEqual(1);
    // The host, outside the container's cgroup, still reaches the blocked port.
    expect(await hostConnect(portOf(blocked))).toBe('connected');

    // Detached when stopped: the same connect works again.
    await blocker.stop();
    blocker = undefined;
    const again = await nc(portOf(blocked));
    expect(again.stdout).toContain('hi');
  });

  it('kill -9 of the helper detaches the programs: nothing stays blocked', async () => {
    const text = `network:\n  selectors:\n    - name: b\n      operation: [connect]\n      destinationPort: [${portOf(blocked)}]\n  responses:\n    - match: [b]\n      actions: [alert, block]\n`;
    const policy = parsePolicy(text, 'p.yaml', {
      enforcementCaps: withConnectBlock(DEFAULT_ENFORCEMENT_CAPS),
    }).policy!;
    const cg = readFileSync(`/proc/${c.pid}/cgroup`, 'utf8').match(/^0::(\/.*)$/m)![1]!;
    const b = await startConnectBlock({ policy, cgroupDir: `/sys/fs/cgroup/unified${cg}` });
    expect((await nc(portOf(blocked))).stdout).toContain('Operation not permitted');
    process.kill(b.helperPid, 'SIGKILL');
    await b.stop(); // waits for the exit
    expect((await nc(portOf(blocked))).stdout).toContain('hi');
  });

  it('refuses a policy its filter cannot express, and a bad cgroup, with one clear error', async () => {
    const p = parsePolicy(
      'network:\n  selectors:\n    - name: s\n      operation: [connect]\n      kubernetesNamespace: [prod]\n  responses:\n    - match: [s]\n      actions: [alert, block]\n',
      'p.yaml',
      { enforcementCaps: DEFAULT_ENFORCEMENT_CAPS },
    );
    expect(p.policy).toBeUndefined();
    const built = parsePolicy(
      'network:\n  selectors:\n    - name: s\n      operation: [connect]\n      destinationPort: [1]\n  responses:\n    - match: [s]\n      actions: [alert, block]\n',
      'p.yaml',
      { enforcementCaps: withConnectBlock(DEFAULT_ENFORCEMENT_CAPS) },
    ).policy!;
    await expect(startConnectBlock({ policy: built, cgroupDir: '/nonexistent' })).rejects.toThrow(
      /D4C-ENF-031|cannot open the cgroup directory/,
    );
  });
});
