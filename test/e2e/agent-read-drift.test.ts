// Read access and drift end to end (issue 8): the agent in this process, the real kernel, podman
// containers. A service-account-like token bind-mounted as a file, read by absolute, relative and
// symlinked paths (and through a /var/run -> /run link, as most images have); an unrelated read;
// binaries copied in, downloaded from a local HTTP server, or written before the agent started.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Agent } from '../../src/agent/index.js';
import type { Output, OutputStats } from '../../src/output/index.js';
import { compilePolicy } from '../../src/policy/compile.js';
import { parsePolicy } from '../../src/policy/index.js';
import { RuleEngine } from '../../src/rules/engine.js';
import { loadRules } from '../../src/rules/load.js';
import { DEFAULT_RULE_PACK_DIR } from '../../src/rules/pack.js';
import { type Doc, waitFor } from './agent-runner.js';
import { removeAll, runContainer, type TestContainer } from './containers.js';
import { describeLive } from './gate.js';
import { LOG_EXECS } from './policies.js';

const SA = '/var/run/secrets/kubernetes.io/serviceaccount';

const POLICY = `${LOG_EXECS}file:
  selectors:
    - name: tokenReads
      operation: [readFile]
      targetFilePath: [${SA}/**]
    - name: writes
      operation: [createFile, createExecutable, modifyFile, modifyExecutable]
  responses:
    - match: [tokenReads, writes]
      actions: [log]
`;

class Memory implements Output {
  docs: Doc[] = [];
  write(doc: Doc): void {
    this.docs.push(JSON.parse(JSON.stringify(doc, (_k, v) => (typeof v === 'bigint' ? String(v) : v))));
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
  stats(): OutputStats {
    return { docsWritten: this.docs.length, docsDropped: {}, queueDepth: 0 };
  }
}

describeLive('podman')('read access and drift (live)', () => {
  let dir: string;
  let agent: Agent | undefined;
  let server: Server;
  let port = 0;
  let box: TestContainer;
  let net: TestContainer;
  const out = new Memory();
  let stats: ReturnType<Agent['stats']>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'd4c-read-drift-'));
    writeFileSync(join(dir, 'token'), 'eyJhbGciOiJSUzI1NiJ9.test-token\n');
    box = await runContainer({
      volumes: [`${join(dir, 'token')}:/run/secrets/kubernetes.io/serviceaccount/token:ro`],
    });
    net = await runContainer({ extra: ['--network', 'host'] });
    // Written before the agent starts: only the overlay upper layer knows.
    expect(
      (
        await box.exec([
          'sh',
          '-c',
          'mkdir -p /opt/early && cp /bin/busybox /opt/early/busybox && chmod 755 /opt/early/busybox',
        ])
      ).code,
    ).toBe(0);
    execFileSync('podman', ['cp', `${box.id}:/bin/busybox`, join(dir, 'tool')]);
    const tool = readFileSync(join(dir, 'tool'));
    server = createServer((_req, res) => res.end(tool));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as { port: number }).port;

    const parsed = parsePolicy(POLICY, 'policy.yaml');
    expect(parsed.diagnostics).toEqual([]);
    agent = await Agent.start({
      policy: compilePolicy(parsed.policy!),
      outputs: { memory: out },
      criSockets: [],
      onWarning: () => {},
    });
    const sh = (c: TestContainer, s: string) => c.exec(['sh', '-c', s]);
    // Reads: the image has no /var/run; make it the usual link to /run.
    expect((await sh(box, 'mkdir -p /var && ln -s /run /var/run')).code).toBe(0);
    await box.exec(['cat', `${SA}/token`]);
    await sh(box, 'cd /var/run/secrets/kubernetes.io && cat serviceaccount/token');
    await sh(box, `ln -s ${SA}/token /tmp/t && cat /tmp/t`);
    await box.exec(['cat', '/etc/passwd']);
    await box.exec(['ls', SA]);
    // Drift.
    await sh(
      box,
      'mkdir /tmp/cp && cp /bin/busybox /tmp/cp/busybox && chmod +x /tmp/cp/busybox && /tmp/cp/busybox true',
    );
    await box.exec(['/bin/busybox', 'true']);
    await box.exec(['/opt/early/busybox', 'true']);
    await sh(box, '/tmp/cp/busybox sh -c "/bin/busybox true"'); // child of a drifted process: image binary
    expect(
      (
        await sh(
          net,
          `mkdir /tmp/dl && wget -q -O /tmp/dl/busybox http://127.0.0.1:${port}/tool && chmod 755 /tmp/dl/busybox && /tmp/dl/busybox true`,
        )
      ).code,
    ).toBe(0);
    // The last exec is out (its process's drift decided): the counters below include it.
    await waitFor(
      () =>
        out.docs.some(
          (d) =>
            d.container?.id === net.id &&
            d.event.action === 'exec' &&
            d.process.executable === '/tmp/dl/busybox',
        ),
      'the downloaded busybox exec',
    );
    // After stop: it reads the kernel's counters once more (the periodic poll may predate the reads).
    await agent.stop();
    stats = agent.stats();
    agent = undefined;
  }, 110_000);

  afterAll(async () => {
    await agent?.stop();
    await new Promise((r) => server?.close(() => r(undefined)));
    await removeAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const of = (c: TestContainer) => out.docs.filter((d) => d.container?.id === c.id);
  const reads = () => of(box).filter((d) => d.event.type?.includes('access'));
  const exec = (c: TestContainer, exe: string) =>
    of(c).filter((d) => d.event.action === 'exec' && d.process.executable === exe);

  it('reports token reads by every spelling, in the policy’s spelling, with the read shape', () => {
    const r = reads();
    // busybox applets: process.name is the binary's (the kernel resolved the applet link).
    expect(r.map((d) => [d.process.args[0], d.file.path])).toEqual([
      ['cat', `${SA}/token`],
      ['cat', `${SA}/token`],
      ['cat', `${SA}/token`],
    ]);
    for (const d of r) {
      expect(d.event.category).toEqual(['file']);
      expect(d.event.action).toBe('open');
      expect(d.event.type).toEqual(['access']);
      expect(d.cloud_defend.operation).toBe('readFile');
      expect(d.cloud_defend.matched_selectors).toEqual(['tokenReads']);
      expect(d.data_stream.dataset).toBe('cloud_defend.file');
      expect(d.file.name).toBe('token');
    }
  });

  it('reports no unrelated read and no directory listing', () => {
    expect(of(box).filter((d) => d.file?.path === '/etc/passwd')).toEqual([]);
    expect(reads().filter((d) => d.process.args?.[0] === 'ls')).toEqual([]);
    expect(stats.kernel?.readsFiltered).toBeGreaterThan(0);
    expect(stats.kernel?.readsOfDirectories).toBeGreaterThan(0);
  });

  it('marks drifted execs: copied in, downloaded, written before the agent started', () => {
    expect(exec(box, '/tmp/cp/busybox').map((d) => d.process.drift)).toEqual([true, true]);
    expect(exec(net, '/tmp/dl/busybox').map((d) => d.process.drift)).toEqual([true]);
    expect(exec(box, '/opt/early/busybox').map((d) => d.process.drift)).toEqual([true]);
    expect(stats.driftByUpperLayer).toBeGreaterThanOrEqual(1);
    expect(stats.driftByWrite).toBeGreaterThanOrEqual(2);
  });

  it('does not mark image binaries, also when a drifted process runs them', () => {
    const image = exec(box, '/bin/busybox');
    expect(image.length).toBeGreaterThanOrEqual(2);
    for (const d of image) expect(d.process.drift).toBe(false);
  });

  it('carries the acting process’s drift on its other documents', () => {
    const chmod = of(net).find(
      (d) => d.file?.path === '/tmp/dl/busybox' && d.process.executable === '/bin/busybox',
    );
    expect(chmod?.process.drift).toBe(false); // wget/chmod are the image's busybox
    const r = reads()[0];
    expect(r.process.drift).toBe(false);
  });

  it('fires the pack’s token-read and drift rules on these documents', () => {
    const engine = new RuleEngine(loadRules([DEFAULT_RULE_PACK_DIR]).rules);
    const hits = [...out.docs.flatMap((d) => engine.push(d)), ...engine.flush()];
    const names = new Set(hits.map((h) => h.rule.name));
    expect(names).toContain('Kubernetes Service-Account Token Read by a Shell or Utility');
    expect(names).toContain('Container Drift: Executable Not in the Image Executed');
  });
});
