// `d4c agent --console HOST:PORT`: the console served from the agent process over the store it
// writes, showing a process the real sensor saw (host processes, --include-host).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runCli } from '../cli.js';
import { type Doc, startAgent, waitFor } from './agent-runner.js';
import { describeLive } from './gate.js';

describeLive()('d4c agent --console', () => {
  it('serves the console over the live store, with the token printed on stderr', async () => {
    const store = mkdtempSync(join(tmpdir(), 'd4c-agent-console-'));
    const agent = await startAgent(['--store', store, '--include-host', '--console', '127.0.0.1:0']);
    try {
      const m = /^d4c console: (http:\/\/127\.0\.0\.1:(\d+))\/\?token=([A-Za-z0-9_-]{32})$/m.exec(
        agent.stderr(),
      );
      expect(m, agent.stderr()).not.toBeNull();
      const base = m?.[1] ?? '';
      const cookie = `d4c_console=${m?.[3]}`;
      expect((await fetch(`${base}/api/alerts`)).status).toBe(401);
      const marker = `d4c-console-${process.pid}`;
      spawnSync('/bin/sh', ['-c', `exec /bin/echo ${marker}`], { stdio: 'ignore' });
      const exec: Doc = await agent.waitForDoc(
        (d) => d.event?.action === 'exec' && d.process?.args?.includes(marker),
        'the marker exec',
      );
      const entity = exec.process.entity_id as string;
      // The store flushes on its interval: the console shows the process once it has.
      const s = await waitFor(async () => {
        const r = await fetch(`${base}/api/session?entity=${encodeURIComponent(entity)}`, {
          headers: { cookie },
        });
        if (r.status !== 200) return undefined;
        const a = (await r.json()) as { processes: { entity: string; args: string[] }[] };
        return a.processes.find((p) => p.entity === entity);
      }, 'the marker in the console');
      expect(s.args).toContain(marker);
      const k = await fetch(`${base}/api/k8s`, { headers: { cookie } });
      expect(((await k.json()) as { hostEvents: number }).hostEvents).toBeGreaterThan(0);
    } finally {
      const r = await agent.stop();
      rmSync(store, { recursive: true, force: true });
      expect(r.code).toBe(0);
    }
  }, 120_000);

  it('with --learn, says the agent is learning (and since when), as the heartbeat does', async () => {
    const store = mkdtempSync(join(tmpdir(), 'd4c-agent-console-learn-'));
    const before = Date.now();
    const agent = await startAgent(['--store', store, '--learn', '--console', '127.0.0.1:0']);
    try {
      const m = /^d4c console: (http:\/\/127\.0\.0\.1:\d+)\/\?token=([A-Za-z0-9_-]{32})$/m.exec(
        agent.stderr(),
      );
      expect(m, agent.stderr()).not.toBeNull();
      const r = await fetch(`${m?.[1]}/api/info`, { headers: { cookie: `d4c_console=${m?.[2]}` } });
      const info = (await r.json()) as {
        servedBy: string;
        policy: string;
        learning: { since: string } | null;
      };
      expect(info.servedBy).toBe('agent');
      expect(info.policy).toMatch(/^LEARNING: /);
      const since = Date.parse(info.learning?.since ?? '');
      expect(since).toBeGreaterThanOrEqual(before);
      expect(since).toBeLessThanOrEqual(Date.now());
    } finally {
      const r = await agent.stop();
      rmSync(store, { recursive: true, force: true });
      expect(r.code).toBe(0);
    }
  }, 240_000);

  it('refuses a non-loopback --console without TLS before starting', () => {
    const r = runCli(['agent', '--console', '0.0.0.0:9465']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /--console 0\.0\.0\.0:9465: an address other than loopback needs --console-tls-cert/,
    );
  });
});
