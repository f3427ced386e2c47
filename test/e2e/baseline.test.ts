// Monitor → learn → replay → enforce, live: the real agent CLI with --learn and a store, two
// workloads (two images, podman containers) doing their usual work; `d4c baseline` (through the
// agent's query socket) writes the policy; `policy validate` accepts it; replaying it over the
// learning window gives 0 alerts and 0 blocks. Then, with that policy live on new containers of
// the same workloads, a new executable or a write to a new path alerts naming the workload's
// selector, and with --mode block the deviation fails with EPERM while the learned work goes on.
// The images are this run's own tags of the test image, so the policy touches no other test's
// containers.
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { workloadSlug } from '../../src/baseline/workload.js';
import { D4C, type Doc, type RunningAgent, startAgent, waitFor } from './agent-runner.js';
import { removeAll, runContainer, TEST_IMAGE, type TestContainer } from './containers.js';
import { describeLive } from './gate.js';

const IMAGE_A = `localhost/d4c/baseline-a-${process.pid}`;
const IMAGE_B = `localhost/d4c/baseline-b-${process.pid}`;
const STEM_A = workloadSlug({ key: '', label: '', kind: 'image', image: IMAGE_A });
const STEM_B = workloadSlug({ key: '', label: '', kind: 'image', image: IMAGE_B });
// Workload A writes its logs under /tmp/app; workload B keeps a state file.
const WORK_A = [
  'sh',
  '-c',
  'mkdir -p /tmp/app; for i in 1 2 3 4; do echo $i >> /tmp/app/log$i.txt; done; cat /etc/hostname',
];
const WORK_B = ['sh', '-c', 'echo ok > /tmp/state.txt; ls / > /dev/null'];
// The deviations: an executable never run (mounted from the host), a write to a path never written.
const NEW_EXEC = ['sh', '-c', '/opt/tool/busybox true'];
const NEW_WRITE = ['sh', '-c', 'echo d4c >> /etc/passwd'];

function cli(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [D4C, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
    });
    c.stderr.setEncoding('utf8').on('data', (s: string) => {
      err += s;
    });
    c.on('close', (code) => resolve({ code, out, err }));
  });
}

const isAlert = (d: Doc, box: TestContainer) => d.event?.kind === 'alert' && d.container?.id === box.id;

/** Starts an agent and a container of each workload; returns once the agent has seen both. */
async function live(policy: string, tool: string) {
  const agent = await startAgent(['--policy', policy]);
  const vol = [`${tool}:/opt/tool:ro`];
  const a = await runContainer({ image: IMAGE_A, volumes: vol });
  const b = await runContainer({ image: IMAGE_B, volumes: vol });
  // The agent knows a container's image once it has reported a process of it (logged execs):
  // until then its enforcer could not tell the workload.
  for (const box of [a, b]) {
    await box.exec(['true']);
    await agent.waitForDoc(
      (d) => d.container?.id === box.id && d.container?.image?.name !== undefined,
      `an event of ${box.name}`,
    );
  }
  return { agent, a, b };
}

describeLive('podman')('d4c agent --learn, d4c baseline, replay, enforce (live)', () => {
  let dir: string;
  let store: string;
  let tool: string;
  let learner: RunningAgent | undefined;
  const agents: RunningAgent[] = [];
  let baseline: { code: number | null; out: string; err: string };
  let learnStderr = '';
  let learnDocs: Doc[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'd4c-baseline-'));
    store = join(dir, 'store');
    tool = join(dir, 'tool');
    mkdirSync(tool);
    copyFileSync('/bin/busybox', join(tool, 'busybox'));
    execFileSync('podman', ['tag', TEST_IMAGE, IMAGE_A, IMAGE_B]);

    learner = await startAgent(['--learn', '--store', store]);
    const a = await runContainer({ image: IMAGE_A });
    const b = await runContainer({ image: IMAGE_B });
    for (let i = 0; i < 3; i++) {
      expect((await a.exec(WORK_A)).code).toBe(0);
      expect((await b.exec(WORK_B)).code).toBe(0);
    }
    // The store has them once the agent's batches are committed: ask it (through its socket).
    await waitFor(
      async () => {
        const q = await cli([
          'query',
          '--kql',
          `container.id:(${a.id} or ${b.id}) and event.category:file`,
          '--store',
          store,
          '--limit',
          '1000',
        ]);
        const paths = new Set(
          q.out
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l).file?.path),
        );
        return paths.has('/tmp/app/log4.txt') && paths.has('/tmp/state.txt');
      },
      'the learning window in the store',
      30_000,
    );
    // The baseline is written while the agent still holds the store.
    baseline = await cli(['baseline', '--store', store, '--out', join(dir, 'alert.yaml')]);
    await cli(['baseline', '--store', store, '--mode', 'block', '--out', join(dir, 'block.yaml')]);
    const r = await learner.stop();
    learner = undefined;
    learnStderr = r.stderr;
    learnDocs = r.docs;
    await a.remove();
    await b.remove();
  }, 120_000);

  afterAll(async () => {
    await learner?.stop();
    for (const g of agents) await g.stop().catch(() => {});
    await removeAll();
    // Only our two names: `podman untag IMAGE` alone would remove every tag of the shared image.
    try {
      execFileSync('podman', ['untag', TEST_IMAGE, `${IMAGE_A}:latest`, `${IMAGE_B}:latest`]);
    } catch {}
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('learns: says so at start and in its heartbeat, logs every exec and file change', () => {
    expect(learnStderr).toMatch(/d4c agent: ready \(policy LEARNING: d4c learning/);
    expect(
      learnDocs.some(
        (d) => d.data_stream?.dataset === 'cloud_defend.heartbeat' && d.cloud_defend?.learning === true,
      ),
    ).toBe(true);
    expect(learnDocs.some((d) => d.file?.path === '/tmp/state.txt')).toBe(true);
  });

  it('writes a baseline of both workloads, valid for policy validate, evidence on every selector', () => {
    expect(baseline.code, baseline.err).toBe(0);
    expect(baseline.err).toMatch(new RegExp(`learned +${IMAGE_A} \\(\\d+ events`));
    expect(baseline.err).toMatch(new RegExp(`learned +${IMAGE_B} \\(\\d+ events`));
    const yaml = readFileSync(join(dir, 'alert.yaml'), 'utf8');
    expect(yaml).toMatch(
      new RegExp(
        `# workload ${IMAGE_A}: \\d+ events, first \\S+, last \\S+[^\\n]*\\n {4}- name: ${STEM_A}\\n`,
      ),
    );
    expect(yaml).toMatch(/- \/tmp\/app\/\* {2}# 4 paths, \d+ writes, first /);
    expect(yaml).toMatch(/- \/tmp\/state\.txt {2}# \d+ writes, first /);
    expect(yaml).toMatch(/- \/bin\/busybox {2}# \d+ execs, first /);
    for (const f of ['alert.yaml', 'block.yaml']) {
      const v = execFileSync(process.execPath, [D4C, 'policy', 'validate', join(dir, f)], {
        encoding: 'utf8',
      });
      expect(v).toMatch(/: ok/);
    }
  });

  it('replayed over the learning window: 0 alerts and 0 blocks', async () => {
    for (const f of ['alert.yaml', 'block.yaml']) {
      const r = await cli(['policy', 'test', '--policy', join(dir, f), '--store', store, '--json']);
      expect(r.code).toBe(0);
      const rep = JSON.parse(r.out);
      expect(rep.totals.events).toBeGreaterThan(20);
      expect(rep.totals).toMatchObject({ alert: 0, block: 0 });
    }
  });

  it('live with the baseline: a new executable or a new path alerts naming the workload', async () => {
    const { agent, a, b } = await live(join(dir, 'alert.yaml'), tool);
    agents.push(agent);
    for (const box of [a, b]) {
      await box.exec(box === a ? WORK_A : WORK_B);
      expect((await box.exec(NEW_EXEC)).code).toBe(0);
      expect((await box.exec(NEW_WRITE)).code).toBe(0); // alert mode: nothing is blocked
    }
    for (const [box, stem] of [
      [a, STEM_A],
      [b, STEM_B],
    ] as const) {
      const exec = await agent.waitForDoc(
        (d) => isAlert(d, box) && d.process?.executable === '/opt/tool/busybox' && d.event.action === 'exec',
        `the new-executable alert of ${box.name}`,
      );
      expect(exec.cloud_defend.matched_selectors).toContain(stem);
      expect(exec.cloud_defend.matched_selectors).not.toContain(`${stem}-execs`);
      const write = await agent.waitForDoc(
        (d) => isAlert(d, box) && d.file?.path === '/etc/passwd',
        `the new-path alert of ${box.name}`,
      );
      expect(write.cloud_defend.matched_selectors).toEqual([`${stem}-writes`]);
    }
    const { docs } = await agent.stop();
    // The learned work raised nothing: every alert of these containers is a deviation.
    for (const box of [a, b])
      for (const d of docs.filter((x) => isAlert(x, box)))
        expect(d.process?.executable === '/opt/tool/busybox' || d.file?.path === '/etc/passwd').toBe(true);
    await a.remove();
    await b.remove();
  }, 90_000);

  it('with --mode block: the deviation fails with EPERM, the learned work keeps working', async () => {
    const { agent, a, b } = await live(join(dir, 'block.yaml'), tool);
    agents.push(agent);
    const workA = await a.exec(WORK_A);
    expect(workA.code).toBe(0);
    expect((await a.exec(['cat', '/tmp/app/log4.txt'])).stdout.trim()).toBe('4');
    expect((await b.exec(WORK_B)).code).toBe(0);
    expect((await b.exec(['cat', '/tmp/state.txt'])).stdout.trim()).toBe('ok');

    const exec = await a.exec(NEW_EXEC);
    expect(exec.code).not.toBe(0);
    expect(exec.stderr).toMatch(/Operation not permitted/);
    const write = await b.exec(NEW_WRITE);
    expect(write.code).not.toBe(0);
    expect(write.stderr).toMatch(/Operation not permitted/);
    expect((await b.exec(['grep', '-c', 'd4c', '/etc/passwd'])).stdout.trim()).toBe('0');

    const denied = await agent.waitForDoc(
      (d) => isAlert(d, a) && d.process?.executable === '/opt/tool/busybox',
      'the blocked exec alert',
    );
    expect(denied.cloud_defend.matched_selectors).toContain(STEM_A);
    expect(denied.event.type).toContain('denied');
    const deniedWrite = await agent.waitForDoc(
      (d) => isAlert(d, b) && d.file?.path === '/etc/passwd',
      'the blocked write alert',
    );
    expect(deniedWrite.cloud_defend.matched_selectors).toEqual([`${STEM_B}-writes`]);
    await agent.stop();
    await a.remove();
    await b.remove();
  }, 90_000);
});
