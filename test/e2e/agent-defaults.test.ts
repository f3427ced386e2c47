// What a user gets from `d4c agent` with no flags but its outputs (issue 13): the default policy
// and d4c's rule pack raise an alert for each attack a real busybox container makes, and none
// for ordinary workloads (log writes, entrypoint scripts, loops of id/ls, a server, probes).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Doc, type RunningAgent, startAgent } from './agent-runner.js';
import { removeAll, runContainer, type TestContainer } from './containers.js';
import { describeLive } from './gate.js';

/** Complete lines only: the agent may be half-way through writing the last one. */
function docsSoFar(path: string): Doc[] {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  const end = text.lastIndexOf('\n');
  return end < 0
    ? []
    : text
        .slice(0, end)
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
}

async function until(cond: () => boolean, ms: number, what: () => string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Attack {
  name: string;
  container?: { privileged?: boolean; capAdd?: string[] };
  tty?: boolean;
  cmd: string[];
}

const sh = (s: string) => ['sh', '-c', s];

const ATTACKS: Attack[] = [
  { name: 'cron persistence', cmd: sh('echo "* * * * * root /tmp/x" > /etc/crontab') },
  { name: 'nsenter into pid 1', cmd: ['nsenter', '--target', '1', '--mount', '--', 'true'] },
  {
    name: 'unshare -m with CAP_SYS_ADMIN',
    container: { capAdd: ['SYS_ADMIN'] },
    cmd: ['unshare', '-m', 'true'],
  },
  {
    name: 'mount tmpfs in a privileged container',
    container: { privileged: true },
    cmd: ['mount', '-t', 'tmpfs', 'none', '/mnt'],
  },
  { name: 'base64 payload piped to sh', cmd: sh('echo aWQgPiAvZGV2L251bGwK | base64 -d | sh') },
  { name: 'interactive shell', tty: true, cmd: sh('id') },
  {
    name: 'SSH key planted',
    cmd: sh('mkdir -p /root/.ssh && echo "ssh-ed25519 AAAAC3Nza x@y" >> /root/.ssh/authorized_keys'),
  },
  { name: 'ld.so.preload', cmd: sh('echo /tmp/evil.so > /etc/ld.so.preload') },
  { name: 'drift: a dropped binary run', cmd: sh('cp /bin/busybox /tmp/dropper && /tmp/dropper true') },
  { name: 'bind shell', cmd: sh('nc -l -p 4444 & sleep 1; kill $!') },
];

/**
 * Ordinary workloads, as the container's own command. Each then touches /tmp/done; the test
 * waits for that and execs a marker (`ls /ordinary-done`) from outside, whose document says the
 * agent has seen everything before it. (Inside the script a marker would not do: this busybox
 * runs applets such as ls in the shell's own process, with no exec to see.)
 */
const ORDINARY: [string, string][] = [
  ['writes its logs', 'for i in 1 2 3 4 5 6 7 8; do echo "request $i ok" >> /var/log/app.log; done'],
  [
    'entrypoint script',
    'mkdir -p /tmp/cache /var/www && echo hi > /var/www/index.html && cp /etc/hostname /tmp/cache/h && cat /tmp/cache/h > /dev/null && sed -i s/a/b/ /tmp/cache/h && rm /tmp/cache/h',
  ],
  [
    'loops of id and ls',
    'for i in 1 2 3 4 5; do id > /dev/null; ls / > /dev/null; uname -a > /dev/null; done',
  ],
  ['a web server', 'httpd -p 8080 -h /tmp; sleep 1; wget -q -O /dev/null http://127.0.0.1:8080/ || true'],
];

// "Process Exec'd Into a Container" fires on every exec the test makes (it is one): an attack's
// alert is another rule's, and the ordinary workloads' only alerts are those of the test's execs.
const EXEC_INTO = 'c750e586-8134-4e69-be88-01110894b49c';
const alertsOf = (docs: Doc[], id: string) =>
  docs.filter((d) => d.event?.kind === 'alert' && d.container?.id === id && d.rule?.id !== EXEC_INTO);
const execIntoOf = (docs: Doc[], id: string) =>
  docs.filter((d) => d.event?.kind === 'alert' && d.container?.id === id && d.rule?.id === EXEC_INTO);

describeLive('podman')('the default agent (policy and rule pack, no flags)', () => {
  let agent: RunningAgent;
  let result: Awaited<ReturnType<RunningAgent['stop']>>;
  const attacks: [Attack, TestContainer][] = [];
  const ordinary: [string, TestContainer][] = [];
  let probe: TestContainer;

  beforeAll(async () => {
    agent = await startAgent([], { defaultRules: true });
    try {
      for (const a of ATTACKS) attacks.push([a, await runContainer(a.container ?? {})]);
      for (const [what, script] of ORDINARY)
        ordinary.push([what, await runContainer({ command: sh(`${script}; touch /tmp/done; sleep 3600`) })]);
      // A liveness probe's exec (not interactive) is ordinary too.
      probe = await runContainer({});
      await probe.exec(['ls', '/']);
      for (const [a, c] of attacks) await c.exec(a.cmd, { tty: a.tty === true });
      for (const [what, c] of ordinary) {
        const end = Date.now() + 60_000;
        while ((await c.exec(['test', '-e', '/tmp/done'])).code !== 0) {
          if (Date.now() > end) throw new Error(`${what}: its script did not finish`);
          await new Promise((r) => setTimeout(r, 100));
        }
        await c.exec(['ls', '/ordinary-done']);
      }
      await until(
        () => {
          const docs = docsSoFar(agent.ndjson);
          const done = (c: TestContainer) =>
            docs.some(
              (d) =>
                d.container?.id === c.id &&
                d.event?.action === 'exec' &&
                d.process?.args?.[1] === '/ordinary-done',
            );
          return (
            attacks.every(([, c]) => alertsOf(docs, c.id).length > 0) && ordinary.every(([, c]) => done(c))
          );
        },
        90_000,
        () => {
          const docs = docsSoFar(agent.ndjson);
          const quiet = attacks.filter(([, c]) => alertsOf(docs, c.id).length === 0).map(([a]) => a.name);
          return `alerts for: ${quiet.join(', ') || '(all alerted)'}; ordinary markers seen`;
        },
      );
    } finally {
      result = await agent.stop();
      await removeAll();
    }
  }, 240_000);

  afterAll(async () => {
    await removeAll();
  });

  it('starts with the default policy and the pack, and says so', () => {
    expect(result.stderr).toMatch(
      /ready \(policy d4c default \(recommended\), \d+ rules \(\d+ from d4c's pack\)/,
    );
    expect(result.code).toBe(0);
  });

  for (const a of ATTACKS) {
    it(`alerts on: ${a.name}`, () => {
      const c = attacks.find(([x]) => x === a)![1];
      const alerts = alertsOf(result.docs, c.id);
      expect(alerts.length, `${a.name}: no alert`).toBeGreaterThan(0);
    });
  }

  it("an exec probe is an exec into the container: the pack's exec-into rule says so", () => {
    expect(execIntoOf(result.docs, probe.id).map((d) => d.process.args)).toEqual([['ls', '/']]);
  });

  it('raises nothing for ordinary workloads and probes (but the exec-into alert of each exec)', () => {
    for (const [what, c] of [...ordinary, ['probe exec', probe] as [string, TestContainer]]) {
      const alerts = alertsOf(result.docs, c.id).map(
        (d) => d.rule?.name ?? d.cloud_defend?.matched_selectors,
      );
      expect(alerts, what).toEqual([]);
      // The test's own execs (markers, probe) are entries from outside; the workload is not.
      for (const d of execIntoOf(result.docs, c.id))
        expect(d.process.container_entry, `${what}: ${d.process.args}`).toBe('exec');
      // The workload was seen: it is not quiet because nothing was watched.
      expect(
        result.docs.some((d) => d.container?.id === c.id),
        what,
      ).toBe(true);
    }
  });
});
