// The agent end to end: the real CLI, the real kernel, real podman containers. One agent with a
// test policy and a rule file, one with the default policy, both watching the same scenarios.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { D4C, type Doc, type RunningAgent, startAgent } from './agent-runner.js';
import { execIn, removeAll, runContainer, type TestContainer } from './containers.js';
import { describeLive } from './gate.js';

const POLICY = `process:
  selectors:
    - name: allProcesses
      operation: [fork, exec]
    - name: myBox
      operation: [exec]
      processName: [mybox]
  responses:
    - match: [allProcesses]
      actions: [log]
    - match: [myBox]
      actions: [alert]
file:
  selectors:
    - name: allFiles
      operation: [createFile, createExecutable, modifyFile, modifyExecutable, deleteFile]
    - name: etcInBusybox
      targetFilePath: [/etc/**]
      containerImageName: [busybox]
  responses:
    - match: [allFiles]
      actions: [log]
    - match: [etcInBusybox]
      actions: [alert]
`;

const RULE = `[metadata]
creation_date = "2026/01/01"

[rule]
rule_id = "d4c-test-etc-delete"
name = "Test: file deleted under /etc"
description = "A test rule."
type = "eql"
language = "eql"
severity = "high"
risk_score = 73
query = '''
file where event.action == "deletion" and file.path == "/etc/d4c-test.conf"
'''

[[rule.threat]]
framework = "MITRE ATT&CK"

[[rule.threat.technique]]
id = "T1070"
name = "Indicator Removal"
reference = "https://attack.mitre.org/techniques/T1070/"

[rule.threat.tactic]
id = "TA0005"
name = "Defense Evasion"
reference = "https://attack.mitre.org/tactics/TA0005/"
`;

const SCRIPT =
  'printf "#!/bin/sh\\necho tool-ran\\n" > /usr/bin/d4c-tool; chmod 755 /usr/bin/d4c-tool; /usr/bin/d4c-tool; ' +
  'mv /usr/bin/d4c-tool /tmp/d4c-moved; ln /tmp/d4c-moved /tmp/d4c-hard; ln -s /tmp/d4c-moved /tmp/d4c-sym; ' +
  'rm /tmp/d4c-hard /tmp/d4c-sym /tmp/d4c-moved';

describeLive('podman')('d4c agent (live)', () => {
  let dir: string;
  let a: RunningAgent | undefined;
  let b: RunningAgent | undefined;
  let docs: Doc[] = [];
  let defaults: Doc[] = [];
  let statsA: Doc;
  let plain: TestContainer;
  let priv: TestContainer;
  let capped: TestContainer;
  const marker = `d4c-host-${process.pid}`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'd4c-agent-test-'));
    writeFileSync(join(dir, 'rule.toml'), RULE);
    [a, b] = await Promise.all([
      startAgent(['--rules', join(dir, 'rule.toml')], { policy: POLICY }),
      startAgent([]),
    ]);
    plain = await runContainer({});
    priv = await runContainer({ privileged: true });
    capped = await runContainer({ capAdd: ['SYS_ADMIN'] });
    await plain.exec([
      'sh',
      '-c',
      'echo a > /etc/d4c-test.conf; echo b >> /etc/d4c-test.conf; rm /etc/d4c-test.conf',
    ]);
    await plain.exec(['sh', '-c', SCRIPT]);
    await plain.exec(['ls', '-la', '/etc']);
    await plain.exec(['sh', '-c', 'cp /bin/busybox /tmp/mybox && /tmp/mybox true']);
    await execIn(plain.id, ['sh', '-c', 'tty; echo x > /tmp/tty-file'], { tty: true });
    await plain.exec(['cat', '/proc/self/status']);
    await priv.exec(['cat', '/proc/self/status']);
    await capped.exec(['cat', '/proc/self/status']);
    // Host activity, which the agents must not report.
    spawnSync('sh', [
      '-c',
      `echo x > /tmp/${marker}; chmod +x /tmp/${marker}; /bin/true ${marker}; rm /tmp/${marker}`,
    ]);
    // The containers' last exec is written by both agents; what came after (the host's) is in
    // the ring the loader drains at stop.
    const lastExec = (d: Doc) =>
      d.container?.id === capped.id && d.event?.action === 'exec' && d.process?.args?.[0] === 'cat';
    await Promise.all([a, b].map((x) => x?.waitForDoc(lastExec, "capped's cat")));
    const [ra, rb] = await Promise.all([a.stop(), b.stop()]);
    a = b = undefined;
    expect(ra.code).toBe(0);
    expect(rb.code).toBe(0);
    docs = ra.docs;
    defaults = rb.docs;
    statsA = ra.stats;
  }, 110_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await removeAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const of = (c: TestContainer, list = docs) => list.filter((d) => d.container?.id === c.id);
  const execs = (c: TestContainer, list = docs) =>
    of(c, list).filter((d) => d.event.action === 'exec' && d.data_stream.dataset === 'cloud_defend.process');
  const files = (c: TestContainer, path: string) =>
    of(c).filter((d) => d.file?.path === path && d.data_stream.dataset === 'cloud_defend.file');

  it('execs with their arguments, container id and image', () => {
    const ls = execs(plain).find((d) => d.process.args[0] === 'ls');
    expect(ls, JSON.stringify(execs(plain).map((d) => d.process.args))).toBeDefined();
    expect(ls.process.args).toEqual(['ls', '-la', '/etc']);
    // busybox applets are symlinks: the kernel resolved the executable to the binary.
    expect(ls.process.executable).toBe('/bin/busybox');
    expect(ls.process.name).toBe('busybox');
    expect(ls.container.id).toMatch(/^[0-9a-f]{64}$/);
    expect(ls.container.image.name).toBe('localhost/d4c/busybox');
    expect(ls.container.image.tag).toBe('latest');
    expect(ls.container.security_context.privileged).toBe(false);
    expect(ls.cloud_defend.metadata_complete).toBe(true);
    expect(ls.cloud_defend.matched_selectors).toEqual(['allProcesses']);
    expect(ls.event.kind).toBe('event');
    // Its end is logged because its exec was.
    const end = of(plain).find(
      (d) => d.event.action === 'end' && d.process.entity_id === ls.process.entity_id,
    );
    expect(end?.process.exit_code).toBe(0);
  });

  it('creates, modifies and deletes files under /etc, /usr/bin and /tmp', () => {
    const ops = (p: string) => files(plain, p).map((d) => d.cloud_defend.operation);
    expect(ops('/etc/d4c-test.conf')).toEqual(['createFile', 'modifyFile', 'deleteFile']);
    expect(ops('/usr/bin/d4c-tool')).toContain('createFile');
    // chmod 755 makes it executable; the rename's source is a modification, its target a creation.
    expect(ops('/usr/bin/d4c-tool')).toContain('modifyExecutable');
    const moved = files(plain, '/tmp/d4c-moved');
    expect(moved.map((d) => d.event.action)).toContain('rename');
    expect(moved.find((d) => d.event.action === 'rename').file.Ext.original.path).toBe('/usr/bin/d4c-tool');
    expect(files(plain, '/tmp/d4c-hard').map((d) => d.event.action)).toEqual(['link', 'deletion']);
    expect(files(plain, '/tmp/d4c-sym').map((d) => d.event.action)).toEqual(['creation', 'deletion']);
    expect(ops('/tmp/tty-file')).toEqual(['createFile']);
    // Hook points by Elastic's names (docs/fields.md): creation, open for write, deletion, link.
    const hooks = (p: string) => files(plain, p).map((d) => d.cloud_defend.hook_point);
    expect(hooks('/etc/d4c-test.conf')).toEqual([
      ['lsm__path_mknod'],
      ['lsm__file_open'],
      ['lsm__path_unlink'],
    ]);
    expect(hooks('/tmp/d4c-hard')).toEqual([['lsm__path_link'], ['lsm__path_unlink']]);
    expect(hooks('/tmp/d4c-sym')).toEqual([['lsm__path_symlink'], ['lsm__path_unlink']]);
    expect(hooks('/tmp/d4c-moved')).toContainEqual(['lsm__path_rename']);
    // The runtime's own setup writes (runc:[2:INIT]) are dropped and counted.
    expect(docs.some((d) => /^runc:\[/.test(d.process?.name ?? ''))).toBe(false);
    expect(statsA.runtimeSetupDropped).toBeGreaterThan(0);
  });

  it('runs the script it wrote, with fork and exec documents forming one tree', () => {
    const run = execs(plain).find((d) => d.process.args.includes('/usr/bin/d4c-tool'));
    expect(run, 'exec of the script').toBeDefined();
    // A forked child's fork document names the shell as parent, by entity id.
    const fork = of(plain).find(
      (d) => d.event.action === 'fork' && d.process.entity_id === run.process.entity_id,
    );
    expect(fork).toBeDefined();
    const shell = execs(plain).find((d) => d.process.entity_id === fork.process.parent.entity_id);
    expect(shell?.process.args.join(' ')).toContain('d4c-tool');
    // Entity ids: one per pid and start, and every parent reference agrees with its own document.
    const byPidStart = new Map<string, string>();
    for (const d of docs) {
      if (!d.process) continue;
      const k = `${d.process.pid}@${d.process.start}`;
      const seen = byPidStart.get(k);
      if (seen) expect(d.process.entity_id).toBe(seen);
      else byPidStart.set(k, d.process.entity_id);
    }
    for (const d of docs) {
      const p = d.process?.parent;
      const known = p && byPidStart.get(`${p.pid}@${p.start}`);
      if (known) expect(p.entity_id).toBe(known);
    }
  });

  it('podman exec -it: interactive, a container entry leader that is its own session leader', () => {
    const sh = execs(plain).find((d) => d.process.args.join(' ').includes('tty; echo x'));
    expect(sh).toBeDefined();
    expect(sh.process.interactive).toBe(true);
    expect(sh.process.tty.char_device.major).toBeGreaterThanOrEqual(136);
    expect(sh.process.entry_leader.entry_meta.type).toBe('container');
    expect(sh.process.entry_leader.same_as_process).toBe(true);
    expect(sh.process.session_leader.same_as_process).toBe(true);
    expect(sh.process.session_leader.entity_id).toBe(sh.process.entity_id);
    // Without -t: not interactive.
    const plainSh = execs(plain).find((d) => d.process.args.join(' ').includes('echo a > /etc'));
    expect(plainSh.process.interactive).toBe(false);
    expect(plainSh.process.entry_leader.entry_meta.type).toBe('container');
  });

  it('privileged containers and CAP_SYS_ADMIN only where granted', () => {
    const caps = (c: TestContainer) => {
      const cat = execs(c).find((d) => d.process.args[0] === 'cat');
      expect(cat, `cat in ${c.name}`).toBeDefined();
      return cat;
    };
    const p = caps(priv);
    expect(p.container.security_context.privileged).toBe(true);
    const eff: string[] = p.process.thread.capabilities.effective;
    expect(eff.includes('CAP_ALL') || eff.length >= 40).toBe(true);
    const c = caps(capped);
    expect(c.container.security_context.privileged).toBe(false);
    expect(c.process.thread.capabilities.effective).toContain('CAP_SYS_ADMIN');
    expect(caps(plain).process.thread.capabilities.effective).not.toContain('CAP_SYS_ADMIN');
  });

  it('policy selectors decide matched_selectors and streams', () => {
    const etc = files(plain, '/etc/d4c-test.conf');
    for (const d of etc) expect(d.cloud_defend.matched_selectors).toEqual(['allFiles', 'etcInBusybox']);
    const alerts = of(plain).filter((d) => d.data_stream.dataset === 'cloud_defend.alerts' && !d.rule);
    expect(alerts.filter((d) => d.file?.path === '/etc/d4c-test.conf').map((d) => d.event.kind)).toEqual([
      'alert',
      'alert',
      'alert',
    ]);
    // /tmp files: logged, no alert.
    expect(files(plain, '/tmp/tty-file')[0].cloud_defend.matched_selectors).toEqual(['allFiles']);
    expect(alerts.some((d) => d.file?.path === '/tmp/tty-file')).toBe(false);
    // exec of /tmp/mybox alerts (processName selector); exec of busybox's ls does not.
    const mine = alerts.filter((d) => d.event.action === 'exec');
    expect(mine.map((d) => d.process.executable)).toEqual(['/tmp/mybox']);
    expect(mine[0].cloud_defend.matched_selectors).toEqual(['allProcesses', 'myBox']);
    // cp creates it with the source's mode 0755: a new executable (container drift).
    expect(files(plain, '/tmp/mybox').map((d) => d.cloud_defend.operation)).toEqual(['createExecutable']);
  });

  it('a rule from --rules raises an alert with its identity, threat and the event behind it', () => {
    const hit = docs.filter((d) => d.rule?.id === 'd4c-test-etc-delete');
    expect(hit).toHaveLength(1);
    const alert = hit[0];
    expect(alert.data_stream.dataset).toBe('cloud_defend.alerts');
    expect(alert.event.kind).toBe('alert');
    expect(alert.rule.name).toBe('Test: file deleted under /etc');
    expect(alert.threat[0].tactic.id).toEqual(['TA0005']);
    expect(alert.threat[0].technique.id).toEqual(['T1070']);
    const deletion = files(plain, '/etc/d4c-test.conf').find((d) => d.event.action === 'deletion');
    expect(alert.cloud_defend.detection.event_ids).toEqual([deletion.event.id]);
    expect(statsA.ruleDetections).toBe(1);
  });

  it('the default policy: container forks/execs logged, executable changes alerted, host silent', () => {
    expect(defaults.length).toBeGreaterThan(0);
    // Host processes (pid as seen in their namespace == host pid) produce nothing. Other documents
    // without a container may exist on a shared machine: processes in private pid namespaces.
    const events = (list: Doc[]) => list.filter((d) => d.data_stream.type !== 'metrics');
    for (const d of events(defaults))
      expect(d.process.vpid, JSON.stringify(d.process.args)).not.toBe(d.process.pid);
    for (const d of events(docs))
      expect(d.process.vpid, JSON.stringify(d.process.args)).not.toBe(d.process.pid);
    expect(JSON.stringify(defaults)).not.toContain(marker);
    expect(JSON.stringify(docs)).not.toContain(marker);
    expect(execs(plain, defaults).some((d) => d.process.args[0] === 'ls')).toBe(true);
    const drift = defaults.filter((d) => d.data_stream.dataset === 'cloud_defend.alerts');
    expect(
      drift.some(
        (d) => d.file?.path === '/usr/bin/d4c-tool' && d.cloud_defend.operation === 'modifyExecutable',
      ),
    ).toBe(true);
    // The default policy logs files only where its selectors name paths (persistence, accounts,
    // secrets...): not the test's writes under /etc and /tmp.
    const logged = defaults.filter((d) => d.data_stream.dataset === 'cloud_defend.file');
    const named = ['persistencePaths', 'accountFiles', 'escapeInterfaces', 'evidenceRemoval', 'secretReads'];
    for (const d of logged) {
      expect(d.file.path, JSON.stringify(d.cloud_defend)).not.toMatch(/^\/etc\/d4c-test\.conf$|^\/tmp\//);
      expect(
        d.cloud_defend.matched_selectors.some((s: string) => named.includes(s)),
        d.file.path,
      ).toBe(true);
    }
    expect(files(plain, '/etc/d4c-test.conf').length).toBeGreaterThan(0);
    // Nothing was lost on the way.
    expect(statsA.handleErrors).toBe(0);
    expect(statsA.sensor.decodeErrors).toBe(0);
    expect(Object.values(statsA.kernel.ringFull).every((n) => n === 0)).toBe(true);
  });

  it('policy errors: the validator lines, exit 1, no sensor started', () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      'process:\n  selectors:\n    - name: x\n      proccessName: [sh]\n  responses:\n    - match: [x]\n      actions: [log]\n',
    );
    const r = spawnSync(process.execPath, [D4C, 'agent', '--policy', bad, '--no-store'], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^${bad}:4:7: error: unknown key "proccessName"`, 'm'));
  });

  it('refuses to run without root, in one sentence', () => {
    const r = spawnSync(
      'setpriv',
      ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, D4C, 'agent', '--no-store'],
      {
        encoding: 'utf8',
      },
    );
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe('d4c agent: must run as root (it loads eBPF programs): run it with sudo');
  });
});
