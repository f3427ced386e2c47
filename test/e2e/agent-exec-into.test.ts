// Exec-into-container marking, live (issue 17): a container whose command is `sh -c …` (its
// init a shell and a session leader started by the runtime, like an exec) raises no exec-into
// alert, neither with d4c's pack nor with Elastic's rules plus the shipped exceptions; `podman
// exec` without and with a terminal, and `d4c lab exec` (CRI exec through containerd) without and
// with `-it`, each raise one, and every document says how the session entered the container.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { labDown, labPaths, labUp, runPod } from '../../src/lab/index.js';
import { ELASTIC_RULES_DIR, HAVE_ELASTIC_RULES } from '../reference.js';
import { D4C, type Doc, type RunningAgent, readDocs, startAgent } from './agent-runner.js';
import { removeAll, runContainer, type TestContainer } from './containers.js';
import { describeLive } from './gate.js';

const pexec = promisify(execFile);
const PACK_RULE = 'c750e586-8134-4e69-be88-01110894b49c';
const ELASTIC_RULE = '420e5bb4-93bf-40a3-8f4a-4cc1af90eca1';
const EXEC_INTO = new Set([PACK_RULE, ELASTIC_RULE]);

// The container's own tree: a shell init, a daemon of it that starts its own session (setsid),
// and the loop's children. None of it is an exec into the container.
const INIT = ['sh', '-c', 'setsid sh -c "while :; do sleep 1; done" & while :; do sleep 1; done'];

const elasticArgs = () => (HAVE_ELASTIC_RULES ? ['--rules', join(ELASTIC_RULES_DIR, 'cloud_defend')] : []);
const execIntoAlerts = (docs: Doc[], cid: string) =>
  docs.filter((d) => d.event?.kind === 'alert' && d.container?.id === cid && EXEC_INTO.has(d.rule?.id));
/** The exec document of a command the test ran, found by a marker in its argv. */
const execDoc = (docs: Doc[], cid: string, marker: string) =>
  docs.find(
    (d) =>
      d.event?.kind === 'event' &&
      d.event?.action === 'exec' &&
      d.container?.id === cid &&
      (d.process?.args ?? []).some((a: string) => a.includes(marker)),
  );
const rulesFor = (docs: Doc[], cid: string, marker: string) =>
  execIntoAlerts(docs, cid)
    .filter((d) => (d.process?.args ?? []).some((a: string) => a.includes(marker)))
    .map((d) => d.rule.id as string)
    .sort();
const expected = HAVE_ELASTIC_RULES ? [ELASTIC_RULE, PACK_RULE].sort() : [PACK_RULE];

/** Checks shared by the podman and lab runs, on the agent's documents of one container. */
function checkContainer(docs: Doc[], cid: string, markers: string[]) {
  const init = docs.find(
    (d) => d.container?.id === cid && d.process?.vpid === 1 && d.process?.name !== undefined,
  );
  expect(init, "a document of the container's init").toBeDefined();
  expect(init.process).toMatchObject({ container_entry: 'init', container_init: true });
  // The loop's sleeps and the setsid daemon: the init tree, not the init.
  const tree = docs.filter(
    (d) => d.container?.id === cid && d.event?.action === 'exec' && d.process?.args?.[0] === 'sleep',
  );
  expect(tree.length).toBeGreaterThan(0);
  for (const d of tree) expect(d.process).toMatchObject({ container_entry: 'init', container_init: false });
  const daemon = docs.find(
    (d) => d.container?.id === cid && d.event?.action === 'exec' && d.process?.args?.[0] === 'setsid',
  );
  if (daemon) expect(daemon.process.container_entry).toBe('init');
  // Every exec-into alert is on one of the test's execs: none on the container's own tree.
  for (const a of execIntoAlerts(docs, cid)) {
    expect(a.process.container_entry, JSON.stringify(a.process.args)).toBe('exec');
    expect(markers.some((m) => (a.process.args ?? []).some((x: string) => x.includes(m)))).toBe(true);
  }
  for (const m of markers) {
    const d = execDoc(docs, cid, m);
    expect(d, `exec document of ${m}`).toBeDefined();
    expect(d.process).toMatchObject({ container_entry: 'exec', container_init: false });
    expect(rulesFor(docs, cid, m), m).toEqual(expected);
  }
}

async function waitUntil(cond: () => boolean, what: () => string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until each marker has its exec-into alerts (pack, and Elastic's when present) and the init tree's documents. */
async function waitForAll(agent: RunningAgent, cid: string, markers: string[]): Promise<void> {
  await waitUntil(
    () => {
      const docs = readDocs(agent.ndjson);
      return (
        markers.every((m) => rulesFor(docs, cid, m).length === expected.length) &&
        docs.some((d) => d.container?.id === cid && d.process?.args?.[0] === 'sleep')
      );
    },
    () => {
      const docs = readDocs(agent.ndjson);
      return `exec-into alerts: ${markers.map((m) => `${m}=${rulesFor(docs, cid, m).join('+') || 'none'}`).join(', ')}; agent stderr:\n${agent.stderr()}`;
    },
  );
}

describeLive('podman')('exec-into-container marking with podman (live)', () => {
  let agent: RunningAgent;
  let box: TestContainer;
  let docs: Doc[] = [];
  const MARKERS = ['exec-plain-marker', 'exec-tty-marker'];

  beforeAll(async () => {
    agent = await startAgent(elasticArgs(), { defaultRules: true });
    try {
      box = await runContainer({ command: INIT });
      // The container's tree is running (its sleeps seen) before anyone execs into it.
      await agent.waitForDoc(
        (d) => d.container?.id === box.id && d.event?.action === 'exec' && d.process?.args?.[0] === 'sleep',
        "the container's own sleep",
      );
      const plain = await box.exec(['sh', '-c', `cat /etc/hostname; echo ${MARKERS[0]}`]);
      expect(plain.code, plain.stderr).toBe(0);
      const tty = await box.exec(['sh', '-c', `tty; echo ${MARKERS[1]}`], { tty: true });
      expect(tty.stdout).toMatch(/\/dev\/pts\/\d+/);
      await waitForAll(agent, box.id, MARKERS);
    } finally {
      docs = (await agent.stop()).docs;
      await removeAll();
    }
  }, 180_000);

  afterAll(async () => {
    await removeAll();
  });

  it("marks the container's init and its tree init, and raises no exec-into alert on them", () => {
    checkContainer(docs, box.id, MARKERS);
  });

  it('podman exec without a terminal is marked exec and alerts, as podman exec -it does', () => {
    const plain = execDoc(docs, box.id, MARKERS[0]!);
    const tty = execDoc(docs, box.id, MARKERS[1]!);
    expect(plain.process.interactive).toBe(false);
    expect(tty.process.interactive).toBe(true);
    expect(rulesFor(docs, box.id, MARKERS[0]!)).toEqual(expected);
    expect(rulesFor(docs, box.id, MARKERS[1]!)).toEqual(expected);
  });
});

describeLive('lab', 'script')('exec-into-container marking with d4c lab exec (live, CRI)', () => {
  const p = labPaths(`/tmp/d4c-lab-execinto-${process.pid}`);
  let docs: Doc[] = [];
  let cid = '';
  const MARKERS = ['lab-plain-marker', 'lab-tty-marker'];

  beforeAll(async () => {
    await labUp(p, []);
    const agent = await startAgent(['--cri-socket', p.socket, ...elasticArgs()], { defaultRules: true });
    try {
      cid = (await runPod(p, { namespace: 'shop', pod: 'web', labels: { app: 'web' }, command: INIT }))
        .containerId;
      await agent.waitForDoc(
        (d) => d.container?.id === cid && d.event?.action === 'exec' && d.process?.args?.[0] === 'sleep',
        "the pod's own sleep",
      );
      const plain = await pexec(
        process.execPath,
        [
          D4C,
          'lab',
          'exec',
          '--dir',
          p.dir,
          '--namespace',
          'shop',
          'web',
          '--',
          'sh',
          '-c',
          `echo ${MARKERS[0]}`,
        ],
        { timeout: 30_000 },
      );
      expect(plain.stdout).toContain(MARKERS[0]);
      const line = `${process.execPath} ${D4C} lab exec -it --dir ${p.dir} --namespace shop web -- sh -c 'tty; echo ${MARKERS[1]}'`;
      const tty = await pexec('script', ['-qec', line, '/dev/null'], { timeout: 30_000 });
      expect(tty.stdout).toMatch(/\/dev\/pts\/\d+/);
      await waitForAll(agent, cid, MARKERS);
    } finally {
      docs = (await agent.stop()).docs;
    }
  }, 180_000);

  afterAll(async () => {
    await labDown(p).catch(() => {});
  }, 60_000);

  it('marks the pod container init and its tree init; d4c lab exec with and without -it alerts', () => {
    checkContainer(docs, cid, MARKERS);
    expect(execDoc(docs, cid, MARKERS[0]!).process.interactive).toBe(false);
    expect(execDoc(docs, cid, MARKERS[1]!).process.interactive).toBe(true);
  });
});
