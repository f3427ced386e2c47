// The block action end to end: the real agent CLI with a policy blocking writes under /etc, a
// real podman container. Enforcing: the write fails with EPERM, the file is unchanged, reads
// work, one denied alert. --monitoring: the write goes through, one alert says it would have been
// blocked.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Doc, startAgent } from './agent-runner.js';
import { removeAll, runContainer, type TestContainer } from './containers.js';
import { describeLive } from './gate.js';
import { BLOCK_ETC_WRITES } from './policies.js';

const WRITE = ['sh', '-c', 'echo d4c-was-here >> /etc/passwd'];
const SUM = ['md5sum', '/etc/passwd'];

interface Run {
  box: TestContainer;
  before: string;
  write: { code: number; stderr: string };
  after: string;
  read: { code: number; stdout: string };
  docs: Doc[];
  stderr: string;
  code: number | null;
}

async function scenario(extra: string[]): Promise<Run> {
  const agent = await startAgent(extra, { policy: BLOCK_ETC_WRITES });
  try {
    const box = await runContainer({});
    // The agent learns the container's metadata from its first process; until then the
    // enforcer's unknown-metadata default (allow) would decide.
    await new Promise((r) => setTimeout(r, 1000));
    const before = (await box.exec(SUM)).stdout;
    const write = await box.exec(WRITE);
    const after = (await box.exec(SUM)).stdout;
    const read = await box.exec(['grep', '-c', '^root:', '/etc/passwd']);
    await agent.waitForDoc(
      (d) => d.container?.id === box.id && d.event.kind === 'alert' && d.file?.path === '/etc/passwd',
      'the /etc/passwd alert',
    );
    const r = await agent.stop();
    return { box, before, write, after, read, docs: r.docs, stderr: r.stderr, code: r.code };
  } finally {
    await agent.stop().catch(() => {});
  }
}

describeLive('podman')('d4c agent: block (live)', () => {
  let enforced: Run;
  let monitored: Run;
  const passwdAlerts = (r: Run) =>
    r.docs.filter(
      (d) => d.container?.id === r.box.id && d.event.kind === 'alert' && d.file?.path === '/etc/passwd',
    );

  beforeAll(async () => {
    // One after the other: two enforcers on the same machine would both mark the new overlays.
    enforced = await scenario([]);
    monitored = await scenario(['--monitoring']);
  }, 55_000);

  afterAll(async () => {
    await removeAll();
  });

  it('prints what this kernel prevents and what it only alerts on', () => {
    expect(enforced.code).toBe(0);
    expect(enforced.stderr).toMatch(
      /enforcing block \(fanotify, fail-mode open, deadline 50 ms\): prevented: [^;]*modifyFile/,
    );
    expect(enforced.stderr).toMatch(/alert only on this kernel: [^(]*createFile/);
    expect(monitored.stderr).toMatch(/enforcing block \(fanotify, MONITORING/);
  });

  it('enforcing: the write fails with EPERM, the file is unchanged, reads work', () => {
    expect(enforced.write.code).not.toBe(0);
    expect(enforced.write.stderr).toMatch(/Operation not permitted/);
    expect(enforced.after).toBe(enforced.before);
    expect(enforced.read).toMatchObject({ code: 0, stdout: '1\n' });
  });

  it('enforcing: one denied alert document for the attempt', () => {
    const alerts = passwdAlerts(enforced);
    expect(alerts).toHaveLength(1);
    const a = alerts[0];
    expect(a.event.type).toEqual(['denied']);
    expect(a.event.kind).toBe('alert');
    expect(a.data_stream.dataset).toBe('cloud_defend.alerts');
    expect(a.cloud_defend.block_mode).toBe('enforce');
    expect(a.cloud_defend.operation).toBe('modifyFile');
    expect(a.cloud_defend.matched_selectors).toEqual(['etcWrites']);
    expect(a.container.image.name).toContain('busybox');
    expect(a.process.pid).toBeGreaterThan(0);
    const hb = enforced.docs.find((d) => d.data_stream.dataset === 'cloud_defend.heartbeat');
    expect(hb?.cloud_defend.block_action_enabled).toBe(true);
  });

  it('--stats shows the helper counters (what it answered on its own is visible; issue 22, #5)', () => {
    const m = /enforce_helper=asked (\d+), timeout_allowed (\d+), timeout_denied (\d+)/.exec(enforced.stderr);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(0);
  });

  it('--monitoring: the write goes through and one alert says it would have been blocked', () => {
    expect(monitored.code).toBe(0);
    expect(monitored.write.code).toBe(0);
    expect(monitored.after).not.toBe(monitored.before);
    const alerts = passwdAlerts(monitored);
    expect(alerts).toHaveLength(1);
    expect(alerts[0].cloud_defend.block_mode).toBe('monitoring');
    expect(alerts[0].event.type).not.toContain('denied');
    const hb = monitored.docs.find((d) => d.data_stream.dataset === 'cloud_defend.heartbeat');
    expect(hb?.cloud_defend.block_action_enabled).toBe(false);
  });
});
