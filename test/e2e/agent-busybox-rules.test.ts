// The rule pack on busybox containers (issue 13), live: the real agent with `--rules rules/`
// over podman containers of the local busybox image (/bin/busybox, every applet a symlink to it).
// The sensor reports such an exec as `process.name: busybox`, `process.executable: /bin/busybox`
// and the applet in argv[0]; the pack's rules must fire on the applet as on the program:
// nsenter into PID 1, unshare -m with CAP_SYS_ADMIN, a tmpfs mount in a privileged container,
// a base64-decoded payload piped into sh, and an interactive `podman exec -it` shell. Ordinary
// busybox commands (`ls`, `id`, `cat`, `sleep` from a `sh -c`) raise nothing but the exec-into
// alert for each `podman exec` itself (the first process of each session entered from outside).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEFAULT_RULE_PACK_DIR } from '../../src/rules/index.js';
import { type Doc, type RunningAgent, readDocs, startAgent } from './agent-runner.js';
import { removeAll, runContainer, type TestContainer } from './containers.js';
import { describeLive } from './gate.js';

const RULE = {
  nsenter: '0831ca98-df91-475d-a15e-5fdfc29d0695',
  capSysAdmin: 'c7f0ab56-b721-417a-96c5-5680e0af6c3f',
  unshare: '46e5a535-6e77-4235-9289-f0570742987e',
  mountPrivileged: 'aa3f6454-c0c0-4c6f-91bc-4e5a08d6a7e2',
  decodedToShell: 'be551a7e-a642-4a5e-a7f3-6e910d23be29',
  interactiveShell: '48c69ff3-8133-4d18-951e-5332861d03b2',
  execInto: 'c750e586-8134-4e69-be88-01110894b49c',
};

/** Polls the agent's NDJSON (flushed at least once a second) until `pred` holds for a document. */
async function waitForDoc(agent: RunningAgent, pred: (d: Doc) => boolean, what: string): Promise<Doc> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const hit = readDocs(agent.ndjson).find(pred);
    if (hit) return hit;
    if (Date.now() > deadline) throw new Error(`no ${what} within 30 s; agent stderr:\n${agent.stderr()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const alertOf = (ruleId: string, box: TestContainer) => (d: Doc) =>
  d.event?.kind === 'alert' && d.rule?.id === ruleId && d.container?.id === box.id;
const execOf = (box: TestContainer, argv0: string) => (d: Doc) =>
  d.event?.kind === 'event' &&
  d.event?.action === 'exec' &&
  d.container?.id === box.id &&
  d.process?.args?.[0] === argv0;

describeLive('podman')('d4c agent: the rule pack on busybox applets (live)', () => {
  let agent: RunningAgent;
  let quiet: TestContainer;
  let priv: TestContainer;
  let sysadmin: TestContainer;
  let plain: TestContainer;

  beforeAll(async () => {
    agent = await startAgent(['--rules', DEFAULT_RULE_PACK_DIR]);
    [quiet, priv, sysadmin, plain] = await Promise.all([
      runContainer({}),
      runContainer({ privileged: true }),
      runContainer({ capAdd: ['SYS_ADMIN'] }),
      runContainer({}),
    ]);
    // Ordinary applets, first: checked for silence at the end. Debian's busybox-static shell runs
    // some applets (ls, id, rm, cp, head, ...) in a fork without exec, so those are exec'd directly.
    for (const cmd of [
      ['ls', '/'],
      ['id'],
      ['sh', '-c', 'cat /etc/hostname; grep -q root /etc/passwd; tail -n1 /etc/passwd; sleep 0'],
    ]) {
      const r = await quiet.exec(cmd);
      expect(r.code, r.stderr).toBe(0);
    }
  }, 120_000);

  afterAll(async () => {
    await agent?.stop();
    await removeAll();
  });

  it('reports an applet as busybox with the applet in argv[0] (what the rules key on)', async () => {
    const d = await waitForDoc(agent, execOf(quiet, 'id'), 'exec of id');
    expect(d.process.name).toBe('busybox');
    expect(d.process.executable).toBe('/bin/busybox');
    expect(d.process.args).toEqual(['id']);
    expect(d.process.command_line).toBe('id');
  }, 40_000);

  it('nsenter --target 1 --mount raises the nsenter rule', async () => {
    await priv.exec(['nsenter', '--target', '1', '--mount', '--', 'true']);
    const a = await waitForDoc(agent, alertOf(RULE.nsenter, priv), 'nsenter alert');
    expect(a.process.name).toBe('busybox');
    expect(a.process.args.slice(0, 3)).toEqual(['nsenter', '--target', '1']);
  }, 40_000);

  it('unshare -m with CAP_SYS_ADMIN raises the unshare and CAP_SYS_ADMIN rules', async () => {
    const r = await sysadmin.exec(['unshare', '-m', 'true']);
    expect(r.code, r.stderr).toBe(0);
    await waitForDoc(agent, alertOf(RULE.unshare, sysadmin), 'unshare alert');
    const a = await waitForDoc(agent, alertOf(RULE.capSysAdmin, sysadmin), 'CAP_SYS_ADMIN alert');
    expect(a.process.thread.capabilities.effective).toContain('CAP_SYS_ADMIN');
  }, 40_000);

  it('mount -t tmpfs in a privileged container raises the privileged-mount rule', async () => {
    // The image has no /mnt; the mount runs from a shell, as typed in a session.
    const r = await priv.exec(['sh', '-c', 'mkdir -p /mnt && /bin/mount -t tmpfs none /mnt']);
    expect(r.code, r.stderr).toBe(0);
    const a = await waitForDoc(agent, alertOf(RULE.mountPrivileged, priv), 'privileged mount alert');
    expect(a.process.args).toEqual(['/bin/mount', '-t', 'tmpfs', 'none', '/mnt']);
    expect(a.container.security_context.privileged).toBe(true);
  }, 40_000);

  it('echo … | base64 -d | sh raises the decoded-payload rule', async () => {
    const r = await plain.exec(['sh', '-c', 'echo ZWNobyBoaQ== | base64 -d | sh']);
    expect(r.stdout.trim()).toBe('hi');
    const a = await waitForDoc(agent, alertOf(RULE.decodedToShell, plain), 'decoded payload alert');
    expect(a.process.args).toEqual(['sh', '-c', 'echo ZWNobyBoaQ== | base64 -d | sh']);
  }, 40_000);

  it('podman exec -it sh raises the interactive-shell rule; the same shell without a tty does not', async () => {
    await plain.exec(['sh', '-c', 'exit 0'], { tty: true });
    const a = await waitForDoc(agent, alertOf(RULE.interactiveShell, plain), 'interactive shell alert');
    expect(a.process.interactive).toBe(true);
    expect(a.process.args).toEqual(['sh', '-c', 'exit 0']);
  }, 40_000);

  it('ordinary busybox commands raise nothing but the exec-into alerts of the execs', async () => {
    // Every scenario above came later than these execs and its alert is already written.
    await waitForDoc(agent, execOf(quiet, 'sleep'), 'exec of sleep');
    const docs = readDocs(agent.ndjson);
    const argv0 = docs
      .filter((d) => d.container?.id === quiet.id && d.event?.kind === 'event' && d.event?.action === 'exec')
      .map((d) => d.process.args[0]);
    expect(argv0.sort()).toEqual(['cat', 'grep', 'id', 'ls', 'sh', 'sleep', 'sleep', 'tail']);
    const alerts = docs.filter((d) => d.container?.id === quiet.id && d.event?.kind === 'alert');
    expect(alerts.filter((d) => d.rule?.id !== RULE.execInto)).toEqual([]);
    // The three podman execs are entries from outside; the commands their shell forked are not.
    // `sleep 0`, the script's last command, is exec'd by the shell in its own process (busybox
    // sh's tail exec): the same entered session, whose shell already alerted, so no second alert.
    expect(alerts.map((d) => d.process.args[0]).sort()).toEqual(['id', 'ls', 'sh']);
    for (const d of alerts) expect(d.process.container_entry).toBe('exec');
    // The non-interactive shells of the other scenarios are not interactive-shell alerts.
    const interactive = docs.filter((d) => d.event?.kind === 'alert' && d.rule?.id === RULE.interactiveShell);
    expect(interactive.every((d) => d.process.interactive === true)).toBe(true);
  }, 40_000);
});
