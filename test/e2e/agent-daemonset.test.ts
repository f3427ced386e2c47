// Acceptance of issue 14 (root, podman, the lab, eBPF; ~2-4 min, the image build cached by
// scripts/build-image.sh): the image, `d4c deploy manifests`, `d4c lab load` / `lab apply` /
// `lab rm`, and the agent running as its DaemonSet pod writing into the hostPath state dir.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { labDown, labPaths, labUp } from '../../src/lab/index.js';
import { runCli } from '../cli.js';
import { describeLive } from './gate.js';

const ROOT = join(import.meta.dirname, '../..');
// biome-ignore lint/suspicious/noExplicitAny: ECS documents read field by field in the assertions
type Doc = Record<string, any>;

describeLive('lab')('the agent as a DaemonSet pod in the lab', () => {
  const dir = mkdtempSync(join(tmpdir(), `d4c-ds-${process.pid}-`));
  const p = labPaths(join(dir, 'lab'));
  const state = join(dir, 'state');
  const port = String(20_000 + (process.pid % 20_000));
  let image = '';
  let manifest = '';

  const d4c = (args: string[]) => {
    const r = runCli([...args]);
    if (r.code !== 0) throw new Error(`d4c ${args.join(' ')}: exit ${r.code}: ${r.err}`);
    return r.out;
  };
  const query = (kql: string): Doc[] =>
    d4c(['query', '--store', join(state, 'store'), '--kql', kql, '--limit', '100000'])
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  const agentPod = () =>
    d4c(['lab', 'ps', '--dir', p.dir])
      .split('\n')
      .map((l) => l.split(/\s+/))
      .find((c) => c[0] === 'd4c' && c[2] === 'agent' && c[4] === 'running')?.[1];
  const waitFor = async <T>(what: string, f: () => T | undefined, ms = 60_000): Promise<T> => {
    const until = Date.now() + ms;
    for (;;) {
      const v = f();
      if (v) return v;
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  };

  beforeAll(async () => {
    mkdirSync(state);
    // Async: the build may take minutes when the sources changed (cached layers otherwise).
    const built = await promisify(execFile)('bash', [join(ROOT, 'scripts/build-image.sh')], {
      encoding: 'utf8',
      timeout: 1_500_000,
    });
    image = built.stdout.trim().split('\n').pop()!;
    await labUp(p, []);
    expect(d4c(['lab', 'load', '--dir', p.dir, image]).trim()).toBe(image);
    // The committed manifests' shape with this test's policy, state dir and a free port; plus
    // what only this private lab needs: its CRI socket mounted and named, no API server.
    const out = d4c([
      'deploy',
      'manifests',
      '--policy',
      join(ROOT, 'test/fixtures/deploy/policy.yaml'),
      '--image',
      image,
      '--state-dir',
      state,
      '--metrics-port',
      port,
    ]);
    const docs = parseAllDocuments(out).map((d) => d.toJS());
    const ds = docs.find((d) => d.kind === 'DaemonSet');
    const spec = ds.spec.template.spec;
    spec.volumes.push({ name: 'lab', hostPath: { path: p.dir, type: 'Directory' } });
    spec.containers[0].volumeMounts.push({ name: 'lab', mountPath: p.dir, readOnly: true });
    spec.containers[0].args.push(`--cri-socket=${p.socket}`, '--no-kubernetes-api');
    manifest = join(dir, 'd4c.yaml');
    writeFileSync(manifest, docs.map((d) => `---\n${stringify(d)}`).join(''));
  }, 1_800_000);

  afterAll(async () => {
    await labDown(p).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('runs ready, records a marker pod with its metadata, stops within the grace period, resumes the store', async () => {
    d4c(['lab', 'apply', '--dir', p.dir, manifest]); // returns once the readiness probe passes
    const first = await waitFor('the agent pod', agentPod);

    d4c([
      'lab',
      'run',
      '--dir',
      p.dir,
      '--namespace',
      'shop',
      '--pod',
      'marker',
      '--label',
      'app=marker',
      '--image',
      'docker.io/library/nginx:1.27',
      '--',
      'sh',
      '-c',
      'cat /etc/hostname; sleep 600',
    ]);
    const marked = await waitFor('the marker in the store', () =>
      query('orchestrator.resource.name: marker and process.args: "/etc/hostname"').find(
        (d) => d.container?.image?.name,
      ),
    );
    expect(marked.orchestrator).toMatchObject({
      namespace: 'shop',
      resource: { type: 'pod', name: 'marker' },
    });
    expect(marked.orchestrator.resource.label).toEqual(['app:marker']);
    expect(marked.container.image.name).toBe('docker.io/library/nginx');

    // lab rm: SIGTERM, the drain, well within the 60 s grace period; everything before is stored.
    const live = query('orchestrator.resource.name: marker').length;
    const t0 = Date.now();
    d4c(['lab', 'rm', '--dir', p.dir, first]);
    expect(Date.now() - t0).toBeLessThan(60_000);
    expect(query('orchestrator.resource.name: marker').length).toBeGreaterThanOrEqual(live);

    // Applied again: a new pod writing into the same store.
    d4c(['lab', 'apply', '--dir', p.dir, manifest]);
    const second = await waitFor('the new agent pod', agentPod);
    expect(second).not.toBe(first);
    d4c(['lab', 'exec', '--dir', p.dir, '--namespace', 'shop', 'marker', '--', 'cat', '/etc/passwd']);
    await waitFor(
      'a second-run event',
      () => query('orchestrator.resource.name: marker and process.args: "/etc/passwd"')[0],
    );
    expect(
      query('orchestrator.resource.name: marker and process.args: "/etc/hostname"').length,
    ).toBeGreaterThan(1);
    expect(readdirSync(join(state, 'store')).length).toBeGreaterThan(0);
    d4c(['lab', 'rm', '--dir', p.dir, second]);
  }, 300_000);
});
