// Helper supervision end to end (issue 22, finding 4): the real agent CLI with a policy that
// blocks, its helpers (d4c-sensor, d4c-enforcer) killed with SIGKILL. The death is said in a log
// line, /healthz fails naming the helper, the heartbeat says block is off when the enforcer is
// gone, and SIGINT still stops the agent (a signal-killed loader has a null exit code, which
// used to leave a stats request waiting forever).
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Doc, type RunningAgent, startAgent, waitFor } from './agent-runner.js';
import { removeAll, runContainer } from './containers.js';
import { describeLive } from './gate.js';
import { BLOCK_ETC_WRITES, LOG_EXECS } from './policies.js';

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => res(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/** The pid of the agent's child process named `comm`. */
function childPid(parent: number, comm: string): number | undefined {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (name === comm && ppid === parent) return Number(d);
    } catch {
      // exited while we looked
    }
  }
  return undefined;
}

async function health(port: number): Promise<{ status: number; body: string }> {
  const r = await fetch(`http://127.0.0.1:${port}/healthz`);
  return { status: r.status, body: await r.text() };
}

interface Killed {
  before: { status: number; body: string };
  after: { status: number; body: string };
  repaired: { status: number; body: string };
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  docs: Doc[];
  /** The final stats object (--stats). */
  stats: Doc;
  /** The container writing /etc/passwd in a loop (enforcer case). */
  boxId?: string;
  /** A write to /etc/passwd after the restart. */
  writeAfter?: { code: number; stderr: string };
}

async function killHelper(helper: string): Promise<Killed> {
  const port = await freePort();
  let agent: RunningAgent | undefined = await startAgent(['--metrics-addr', `127.0.0.1:${port}`], {
    policy: LOG_EXECS + BLOCK_ETC_WRITES,
  });
  try {
    const a = agent;
    // A container that keeps trying to append to /etc/passwd: denied while the enforcer runs.
    const box = await runContainer({
      command: ['sh', '-c', 'while :; do echo d4c-was-here >> /etc/passwd 2>/dev/null; sleep 0.05; done'],
    });
    await a.waitForDoc(
      (d) => d.container?.id === box.id && d.event.type?.includes('denied'),
      'a denied write before the kill',
    );
    const before = await health(port);
    const pid = await waitFor(() => childPid(a.child.pid!, helper), `${helper} running`);
    process.kill(pid, 'SIGKILL');
    await waitFor(() => a.stderr().includes(`helper ${helper} is down (signal SIGKILL)`), 'the log line');
    const after = await health(port);
    await waitFor(() => a.stderr().includes(`helper ${helper} restarted (restart 1;`), 'the restart');
    const repaired = await health(port);
    let writeAfter: { code: number; stderr: string } | undefined;
    if (helper === 'd4c-enforcer') writeAfter = await box.exec(['sh', '-c', 'echo again >> /etc/passwd']);
    // Events are seen again: an exec the policy logs.
    else {
      await box.exec(['echo', 'd4c-after-restart']);
      await a.waitForDoc(
        (d) => d.container?.id === box.id && d.process?.args?.includes('d4c-after-restart'),
        'an exec seen by the restarted sensor',
      );
    }
    // SIGINT, as a terminal's Ctrl-C: the agent must still drain and exit.
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((res) =>
      a.child.once('exit', (c, s) => res([c, s])),
    );
    a.child.kill('SIGINT');
    const [code, signal] = await exited;
    const r = await a.stop();
    agent = undefined;
    return {
      before,
      after,
      repaired,
      stderr: r.stderr,
      code,
      signal,
      docs: r.docs,
      stats: r.stats,
      boxId: box.id,
      ...(writeAfter ? { writeAfter } : {}),
    };
  } finally {
    await agent?.stop().catch(() => {});
  }
}

describeLive('podman')('d4c agent: a killed helper (live)', () => {
  let sensor: Killed;
  let enforcer: Killed;

  beforeAll(async () => {
    sensor = await killHelper('d4c-sensor');
    enforcer = await killHelper('d4c-enforcer');
  }, 180_000);

  afterAll(async () => {
    await removeAll();
  });

  it('a SIGKILLed sensor is detected: log line, /healthz fails naming it, SIGINT still stops the agent', () => {
    expect(sensor.before.status).toBe(200);
    expect(sensor.after.status).toBe(503);
    expect(sensor.after.body).toContain('d4c-sensor is down (signal SIGKILL)');
    expect(sensor.stderr).toMatch(
      /helper d4c-sensor is down \(signal SIGKILL\): no events are seen and writes are not blocked/,
    );
    // Writes are decided from the sensor's open flags: block is off while it is down.
    const beats = sensor.docs.filter((d) => d.data_stream?.dataset === 'cloud_defend.heartbeat');
    expect(beats.some((b) => b.cloud_defend.block_action_enabled === false)).toBe(true);
    expect(beats.at(-1)?.cloud_defend.block_action_enabled).toBe(true);
    expect(sensor.signal).toBeNull();
    expect(sensor.code).toBe(0);
  });

  it('a SIGKILLed sensor is restarted: /healthz ok again, events seen again, one alert, counted', () => {
    expect(sensor.repaired.status).toBe(200);
    const restarts = sensor.docs.filter((d) => d.event.action === 'helper_restarted');
    expect(restarts).toHaveLength(1);
    expect(restarts[0].cloud_defend.helper).toEqual({
      name: 'd4c-sensor',
      down_reason: 'signal SIGKILL',
      restarts: 1,
    });
    expect(restarts[0].event.kind).toBe('alert');
    expect(restarts[0].message).toMatch(
      /^Helper restarted: d4c-sensor went down \(signal SIGKILL\); no events were seen for \d+ ms/,
    );
    expect(sensor.stderr).toMatch(/helper_restarts=d4c-sensor 1/);
  });

  it('a SIGKILLed enforcer is detected: /healthz fails, the heartbeat says block is off, SIGINT stops the agent', () => {
    expect(enforcer.before.status).toBe(200);
    expect(enforcer.after.status).toBe(503);
    expect(enforcer.after.body).toContain('d4c-enforcer is down (signal SIGKILL)');
    expect(enforcer.stderr).toMatch(/helper d4c-enforcer is down \(signal SIGKILL\): block is not enforced/);
    const beats = enforcer.docs.filter((d) => d.data_stream?.dataset === 'cloud_defend.heartbeat');
    expect(beats[0]?.cloud_defend.block_action_enabled).toBe(true);
    expect(beats.some((b) => b.cloud_defend.block_action_enabled === false)).toBe(true);
    expect(beats.at(-1)?.cloud_defend.block_action_enabled).toBe(true);
    expect(enforcer.signal).toBeNull();
    expect(enforcer.code).toBe(0);
  });

  it('a SIGKILLed enforcer is restarted with its marks: the block holds again, one alert, counted', () => {
    expect(enforcer.repaired.status).toBe(200);
    expect(enforcer.writeAfter?.code).not.toBe(0);
    expect(enforcer.writeAfter?.stderr).toMatch(/Operation not permitted/);
    const restarts = enforcer.docs.filter((d) => d.event.action === 'helper_restarted');
    expect(restarts).toHaveLength(1);
    expect(restarts[0].cloud_defend.helper).toEqual({
      name: 'd4c-enforcer',
      down_reason: 'signal SIGKILL',
      restarts: 1,
    });
    expect(enforcer.stderr).toMatch(/helper_restarts=d4c-enforcer 1/);
  });

  it('writes that got through while the enforcer was down are marked failed_open (issue 22, #5)', () => {
    const through = enforcer.docs.filter(
      (d) =>
        d.container?.id === enforcer.boxId &&
        d.event.kind === 'alert' &&
        d.cloud_defend.block_mode === 'failed_open',
    );
    expect(through.length).toBeGreaterThan(0);
    for (const d of through) {
      expect(d.file?.path).toBe('/etc/passwd');
      expect(['helper_down', 'helper_allowed']).toContain(d.cloud_defend.block_failure);
      expect(d.message).toMatch(/^Block failed \((helper_down|helper_allowed)\): modifyFile \/etc\/passwd/);
    }
    expect(through.some((d) => d.cloud_defend.block_failure === 'helper_down')).toBe(true);
    // On a loaded machine the agent can also miss the 50 ms deadline: then the helper let the
    // write through itself, and its counters say so.
    if (through.some((d) => d.cloud_defend.block_failure === 'helper_allowed')) {
      const h = enforcer.stats?.enforceHelper;
      expect(h.timeoutAllowed + h.agentBusy + h.overflow + h.errors + h.notWatched).toBeGreaterThan(0);
    }
    // While it ran, the same writes were denied.
    expect(
      enforcer.docs.some(
        (d) => d.container?.id === enforcer.boxId && d.cloud_defend.block_mode === 'enforce',
      ),
    ).toBe(true);
  });
});
