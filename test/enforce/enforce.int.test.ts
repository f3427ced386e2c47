// Live enforcement: the eBPF sensor (open flags), the fanotify helper and real podman containers.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type DeniedInfo, type Enforcer, startEnforcer } from '../../src/enforce/index.js';
import { type Sensor, startSensor } from '../../src/sensor/index.js';
import { podmanAvailable, removeAll, runContainer, type TestContainer } from '../e2e/containers.js';
import { BLOCKED_BIN, blockingPolicy, contextFrom, fileOnlyPolicy, pathOnlyPolicy } from './fixtures.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pinDir = `/sys/fs/bpf/d4c-enf-test-${process.pid}`;
const ALLOWED_IMAGE = 'localhost/d4c/d4c-allowed:latest';
const canRun = podmanAvailable();

let sensor: Sensor;
const images = new Map<string, string>();

/** Waits until the burst writing `file` in `c` has begun; returns its `wc -l` then. */
async function started(c: TestContainer, file: string): Promise<{ stdout: string }> {
  const until = Date.now() + 20_000;
  for (;;) {
    const r = await c.exec(['sh', '-c', `wc -l < ${file}`]);
    if (Number(r.stdout.trim()) > 0 || Date.now() > until) return r;
  }
}

async function prepare(c: TestContainer, image: string): Promise<void> {
  images.set(c.id, image);
  // A copy of busybox under the blocked path: a binary distinct from the others.
  const r = await c.exec([
    'sh',
    '-c',
    `mkdir -p /usr/local/bin && cp /bin/busybox ${BLOCKED_BIN} && echo 0 > /etc/d4c-probe && echo 0 > /tmp/d4c-probe`,
  ]);
  expect(r.code).toBe(0);
}

function enforcer(denied: DeniedInfo[], extra: { monitoring?: boolean } = {}): Enforcer {
  return startEnforcer({
    policy: blockingPolicy(),
    pinDir,
    containerOf: contextFrom(images),
    onDenied: (d) => denied.push(d),
    deadlineMs: 2000,
    ...extra,
  });
}

describe.skipIf(!canRun)('fanotify enforcement in podman containers', () => {
  let c: TestContainer;
  let allowed: TestContainer;

  beforeAll(async () => {
    execFileSync(join(root, 'scripts/build-bpf.sh'), { stdio: 'pipe' });
    execFileSync('podman', ['tag', 'localhost/d4c/busybox:latest', ALLOWED_IMAGE]);
    sensor = startSensor({ pinDir });
    await sensor.ready;
    c = await runContainer();
    await prepare(c, 'localhost/d4c/busybox');
    allowed = await runContainer({ image: ALLOWED_IMAGE });
    await prepare(allowed, 'localhost/d4c/d4c-allowed');
  });

  afterAll(async () => {
    await removeAll();
    await sensor?.stop();
  });

  it('denies writes to /etc and the blocked binary; reads and other binaries work', async () => {
    const denied: DeniedInfo[] = [];
    const e = enforcer(denied);
    try {
      await e.ready;
      expect(await e.watchPid(c.pid)).toBeGreaterThan(0);
      const before = await c.exec(['cat', '/etc/passwd']);
      const w = await c.exec(['sh', '-c', 'echo hacked >> /etc/passwd']);
      expect(w.code).not.toBe(0);
      expect(w.stderr).toMatch(/Operation not permitted/);
      const t = await c.exec(['sh', '-c', ': > /etc/passwd']); // O_TRUNC
      expect(t.stderr).toMatch(/Operation not permitted/);
      const after = await c.exec(['cat', '/etc/passwd']);
      expect(after.code).toBe(0);
      expect(after.stdout).toBe(before.stdout);
      expect(after.stdout).toMatch(/^root:/);
      // Writes elsewhere and creating a new file are not blocked by this policy/kernel.
      expect((await c.exec(['sh', '-c', 'echo ok > /tmp/x && cat /tmp/x'])).stdout).toBe('ok\n');

      const x = await c.exec([BLOCKED_BIN, 'hi']);
      expect(x.code).not.toBe(0);
      expect(x.stderr).toMatch(/permission denied|not permitted/i);
      expect((await c.exec(['sh', '-c', `${BLOCKED_BIN} hi; echo rc=$?`])).stdout).toMatch(/rc=126/);
      expect((await c.exec(['/bin/busybox', 'echo', 'fine'])).stdout).toBe('fine\n');

      // Creating a new file cannot be vetoed here (alert-only); writing it once it exists can.
      expect((await c.exec(['sh', '-c', 'cp /bin/busybox /etc/d4c-new-exe && echo created'])).stdout).toBe(
        'created\n',
      );
      expect((await c.exec(['sh', '-c', 'echo >> /etc/d4c-new-exe'])).stderr).toMatch(
        /Operation not permitted/,
      );
      expect(denied.at(-1)?.event.operation).toBe('modifyExecutable');

      const kinds = denied.map((d) => `${d.kind} ${d.path} ${d.enforced}`);
      expect(kinds).toContain('open-write /etc/passwd true');
      expect(kinds).toContain(`exec ${BLOCKED_BIN} true`);
      // Once per attempt: three write attempts, two exec attempts.
      expect(denied.filter((d) => d.kind === 'open-write')).toHaveLength(3);
      expect(denied.filter((d) => d.kind === 'exec')).toHaveLength(2);
      const d0 = denied[0]!;
      expect(d0.decision.matchedSelectors).toContain('etcWrites');
      expect(d0.event.containerImageFullName).toBe('localhost/d4c/busybox');
      expect(d0.cgroupPath).toContain(c.id);

      const s = await e.stats();
      expect(s.denied).toBe(5);
      expect(s.helper.answeredDeny).toBe(5);
      expect(s.helper.allowedCreate).toBeGreaterThan(0);
      expect(s.helper.allowedRead).toBeGreaterThan(0);
      expect(s.helper.timeoutAllowed + s.helper.timeoutDenied).toBe(0);
    } finally {
      await e.stop();
    }
  });

  it('lets an excluded image through', async () => {
    const denied: DeniedInfo[] = [];
    const e = enforcer(denied);
    try {
      await e.ready;
      await e.watchPid(allowed.pid);
      expect(
        (await allowed.exec(['sh', '-c', 'echo added >> /etc/passwd; tail -1 /etc/passwd'])).stdout,
      ).toBe('added\n');
      expect((await allowed.exec([BLOCKED_BIN, 'ran'])).stdout).toBe('ran\n');
      expect(denied).toEqual([]);
      expect((await e.stats()).helper.answeredAllow).toBeGreaterThan(0);
    } finally {
      await e.stop();
    }
  });

  it('monitoring mode reports but does not block', async () => {
    const denied: DeniedInfo[] = [];
    const e = enforcer(denied, { monitoring: true });
    try {
      await e.ready;
      await e.watchPid(c.pid);
      const w = await c.exec(['sh', '-c', 'echo monitored >> /etc/group && tail -1 /etc/group']);
      expect(w.stdout).toBe('monitored\n');
      expect((await c.exec([BLOCKED_BIN, 'ran'])).stdout).toBe('ran\n');
      expect(denied.map((d) => `${d.kind} ${d.path} ${d.enforced}`)).toEqual([
        'open-write /etc/group false',
        `exec ${BLOCKED_BIN} false`,
      ]);
      const s = await e.stats();
      expect(s.monitored).toBe(2);
      expect(s.denied).toBe(0);
    } finally {
      await e.stop();
    }
  });

  // 60 s: a loaded machine runs the burst at some 50 rounds a second.
  it('an agent killed with -9 during a burst of opens leaves no process blocked', async () => {
    // The agent in its own process, answering slowly so that events are pending when it dies.
    const agent = spawn(
      process.execPath,
      ['--import', 'tsx', join(root, 'test/enforce/agent-proc.ts'), pinDir, String(c.pid), c.id],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const helperPid = await new Promise<number>((resolve, reject) => {
      agent.stdout?.on('data', (d: Buffer) => {
        const m = /watching (\d+)/.exec(d.toString());
        if (m) resolve(Number(m[1]));
      });
      agent.once('exit', (code) => reject(new Error(`agent exited early (${code})`)));
    });
    const burst = c.exec([
      'sh',
      '-c',
      // 1000 rounds (each forks cat): enough to be in flight when the agent dies.
      'i=0; while [ $i -lt 1000 ]; do echo $i >> /tmp/burst; cat /etc/hostname > /dev/null; i=$((i+1)); done; echo finished $i',
    ]);
    const counted = await started(c, '/tmp/burst');
    expect(Number(counted.stdout.trim())).toBeLessThan(1000); // still running: the burst was in flight
    agent.kill('SIGKILL');
    const r = await burst;
    expect(r.stdout).toBe('finished 1000\n');
    // Nothing left in a state of waiting on fanotify: the container answers at once.
    expect((await c.exec(['sh', '-c', 'echo alive >> /tmp/burst && echo ok'])).stdout).toBe('ok\n');
    // The helper saw its input close and exited: no orphan holds the fanotify group.
    expect(
      existsSync(`/proc/${helperPid}/status`) &&
        !readFileSync(`/proc/${helperPid}/status`, 'utf8').includes('State:\tZ'),
    ).toBe(false);
  }, 60_000);

  it('a helper killed with -9 during a burst of opens leaves no process blocked', async () => {
    const e = startEnforcer({
      policy: blockingPolicy(),
      pinDir,
      containerOf: contextFrom(images),
      testDelayMs: 1,
      deadlineMs: 5000,
    });
    await e.ready;
    await e.watchPid(c.pid);
    const burst = c.exec([
      'sh',
      '-c',
      'i=0; while [ $i -lt 2000 ]; do echo $i >> /tmp/burst2; i=$((i+1)); done; echo finished $i',
    ]);
    const counted = await started(c, '/tmp/burst2');
    expect(Number(counted.stdout.trim())).toBeLessThan(2000); // still running: the burst was in flight
    process.kill(e.helperPid!, 'SIGKILL');
    expect((await burst).stdout).toBe('finished 2000\n');
    await expect(e.stats()).rejects.toThrow(/not running/);
    await e.stop();
  });

  it('applies the fail mode when the agent misses the deadline', async () => {
    // A decider that takes 60 ms per request against a 15 ms deadline.
    for (const failMode of ['fail-closed', 'fail-open'] as const) {
      const denied: DeniedInfo[] = [];
      const late: DeniedInfo[] = [];
      const e = startEnforcer({
        policy: fileOnlyPolicy(),
        pinDir,
        containerOf: contextFrom(images),
        testDelayMs: 60,
        deadlineMs: 15,
        failMode,
        onDenied: (d) => denied.push(d),
        onLate: (d) => late.push(d),
      });
      try {
        await e.ready;
        await e.watchPid(c.pid);
        // /tmp is not in the policy: only the fail mode can deny this.
        const r = await c.exec(['sh', '-c', 'echo 1 >> /tmp/d4c-probe']);
        const s = await e.stats();
        if (failMode === 'fail-closed') {
          expect(r.stderr).toMatch(/Operation not permitted/);
          expect(s.helper.timeoutDenied).toBeGreaterThan(0);
        } else {
          expect(r.code).toBe(0);
          expect(s.helper.timeoutAllowed).toBeGreaterThan(0);
          // A block decided past the deadline: the write got through, so it is no denial (#5).
          const w = await c.exec(['sh', '-c', 'echo 1 >> /etc/d4c-probe']);
          expect(w.code).toBe(0);
          const s2 = await e.stats();
          expect(s2.late).toBeGreaterThan(s.late);
          expect(denied).toEqual([]);
          expect(late.map((d) => d.path)).toContain('/etc/d4c-probe');
        }
        expect(s.late).toBeGreaterThan(0);
        // Every request the fail mode answered gets its late verdict once the slow decider is
        // through (those never sent, for a full pipe or an error, excepted).
        await vi.waitFor(
          async () => {
            const h = (await e.stats()).helper;
            const sent = h.timeoutDenied + h.timeoutAllowed - h.agentBusy - h.errors;
            expect(h.lateAnswers, JSON.stringify(h)).toBe(sent);
          },
          { timeout: 10_000 },
        );
      } finally {
        await e.stop();
      }
    }
  });

  it('unknown metadata follows the configured default', async () => {
    for (const unknownMetadata of ['allow', 'deny'] as const) {
      const denied: DeniedInfo[] = [];
      const e = startEnforcer({
        // Not a deadline test: on a loaded machine 50 ms can pass before the decision thread runs.
        deadlineMs: 2000,
        policy: fileOnlyPolicy(),
        pinDir,
        containerOf: () => undefined,
        unknownMetadata,
        onDenied: (d) => denied.push(d),
      });
      try {
        await e.ready;
        await e.watchPid(c.pid);
        const r = await c.exec(['sh', '-c', 'echo 1 >> /etc/d4c-probe']);
        expect(r.code === 0).toBe(unknownMetadata === 'allow');
        // An allowed write elsewhere is decided on the path alone.
        expect((await c.exec(['sh', '-c', 'echo 2 >> /tmp/d4c-probe'])).code).toBe(0);
        const s = await e.stats();
        expect(s.unknownMetadata).toBeGreaterThanOrEqual(2);
        expect(denied.map((d) => d.unknownMetadata)).toEqual(unknownMetadata === 'deny' ? [true] : []);
      } finally {
        await e.stop();
      }
    }
  });

  it('unknown metadata waives no block that does not depend on it (issue 22, #6)', async () => {
    const denied: DeniedInfo[] = [];
    const e = startEnforcer({
      // Not a deadline test: on a loaded machine 50 ms can pass before the decision thread runs.
      deadlineMs: 2000,
      policy: pathOnlyPolicy(),
      pinDir,
      containerOf: () => undefined,
      unknownMetadata: 'allow',
      onDenied: (d) => denied.push(d),
    });
    try {
      await e.ready;
      await e.watchPid(c.pid);
      const r = await c.exec(['sh', '-c', 'echo 1 >> /etc/d4c-probe']);
      expect(r.stderr).toMatch(/Operation not permitted/);
      expect((await c.exec(['sh', '-c', 'echo 2 >> /tmp/d4c-probe'])).code).toBe(0);
      expect(denied.map((d) => `${d.path} ${d.enforced} ${d.unknownMetadata}`)).toEqual([
        '/etc/d4c-probe true true',
      ]);
    } finally {
      await e.stop();
    }
  });

  it('a throwing onDenied does not delay the verdict', async () => {
    const e = startEnforcer({
      // Not a deadline test: on a loaded machine 50 ms can pass before the decision thread runs.
      deadlineMs: 2000,
      policy: fileOnlyPolicy(),
      pinDir,
      containerOf: contextFrom(images),
      onDenied: () => {
        throw new Error('alert sink down');
      },
    });
    try {
      await e.ready;
      await e.watchPid(c.pid);
      expect((await c.exec(['sh', '-c', 'echo 1 >> /etc/d4c-probe'])).stderr).toMatch(
        /Operation not permitted/,
      );
      const s = await e.stats();
      expect(s.callbackErrors).toBe(1);
      expect(s.helper.answeredDeny).toBe(1);
      expect(s.helper.timeoutAllowed).toBe(0);
    } finally {
      await e.stop();
    }
  });

  it('autoOverlay covers a container from its first instruction, without watchPid', async () => {
    const denied: DeniedInfo[] = [];
    const e = startEnforcer({
      // Not a deadline test: on a loaded machine 50 ms can pass before the decision thread runs.
      deadlineMs: 2000,
      policy: fileOnlyPolicy(),
      pinDir,
      containerOf: contextFrom(images),
      onDenied: (d) => denied.push(d),
      autoOverlay: true,
      // The agent cannot know a container this young either: the default decides.
      unknownMetadata: 'deny',
    });
    try {
      await e.ready;
      // The container's command is the write: no time for anyone to mark it after the start.
      const fresh = await runContainer({
        command: ['sh', '-c', 'echo pwned >> /etc/passwd; echo rc=$?; sleep 60'],
      });
      images.set(fresh.id, 'localhost/d4c/busybox');
      let logs = '';
      for (let i = 0; i < 100 && !logs.includes('rc='); i++) {
        await new Promise((r) => setTimeout(r, 50));
        logs = execFileSync('podman', ['logs', fresh.id], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        });
      }
      expect(logs, JSON.stringify(await e.stats())).toMatch(/rc=1/);
      expect((await fresh.exec(['cat', '/etc/passwd'])).stdout).not.toMatch(/pwned/);
      expect(denied.map((d) => `${d.path} ${d.unknownMetadata}`)).toEqual(['/etc/passwd true']);
      expect((await e.stats()).helper.autoMarked).toBeGreaterThan(0);
    } finally {
      await e.stop();
    }
  });
});
