// The agent's outputs end to end: the real CLI with --config and --es-url pointing at the local
// Elasticsearch test server, a real podman container, documents counted in the server's data
// streams by _id = event.id; the agent's own /metrics and /healthz scraped while it runs.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EsTestServer } from '../es-server/index.js';
import { type Doc, type RunningAgent, startAgent } from './agent-runner.js';
import { removeAll, runContainer, type TestContainer } from './containers.js';
import { describeLive } from './gate.js';
import { LOG_EXECS } from './policies.js';

const POLICY = `${LOG_EXECS}file:
  selectors:
    - name: created
      operation: [createFile]
      targetFilePath: [/tmp/**]
  responses:
    - match: [created]
      actions: [alert]
`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = a && typeof a === 'object' ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

describeLive('podman')('d4c agent → Elasticsearch, metrics (live)', () => {
  const es = new EsTestServer();
  let dir: string;
  let agent: RunningAgent | undefined;
  let box: TestContainer;
  let docs: Doc[] = [];
  let metricsText = '';
  let healthz = { status: 0, body: '' };
  let stderr = '';
  let code: number | null = null;

  beforeAll(async () => {
    await es.start();
    dir = mkdtempSync(join(tmpdir(), 'd4c-agent-outputs-'));
    // The file names a namespace and the server; the --es-namespace flag must win over the file.
    writeFileSync(
      join(dir, 'agent.yaml'),
      `namespace: fromfile\nelasticsearch:\n  hosts: [${es.url}]\nspool:\n  dir: ${join(dir, 'spool')}\n`,
    );
    const port = await freePort();
    agent = await startAgent(
      ['--config', join(dir, 'agent.yaml'), '--es-namespace', 'e2e', '--metrics-addr', `127.0.0.1:${port}`],
      { policy: POLICY },
    );
    box = await runContainer({});
    await box.exec(['sh', '-c', 'echo hi > /tmp/d4c-out-1; cat /tmp/d4c-out-1; ls /']);
    // Delivered within a few seconds: wait until the alert is in the server (no fixed sleep).
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && es.ids('logs-cloud_defend.alerts-e2e').length === 0)
      await new Promise((r) => setTimeout(r, 100));
    metricsText = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const h = await fetch(`http://127.0.0.1:${port}/healthz`);
    healthz = { status: h.status, body: await h.text() };
    const r = await agent.stop();
    agent = undefined;
    docs = r.docs;
    stderr = r.stderr;
    code = r.code;
  }, 55_000);

  afterAll(async () => {
    await agent?.stop();
    await removeAll();
    await es.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('exits cleanly and says where documents go', () => {
    expect(code).toBe(0);
    expect(stderr).toMatch(/ready \(.*elasticsearch 1 host\(s\), spool .*metrics http:\/\/127\.0\.0\.1:\d+/);
  });

  it('delivers every emitted document to its data stream with _id = event.id', () => {
    const mine = docs.filter((d) => d.container?.id === box.id);
    expect(mine.some((d) => d.event.action === 'exec')).toBe(true);
    const alert = mine.find((d) => d.file?.path === '/tmp/d4c-out-1' && d.event.kind === 'alert');
    expect(alert).toBeDefined();
    // The stop flushes the spool: every NDJSON document is in the server, under its own stream.
    for (const d of docs) {
      const ds = d.data_stream;
      expect(ds.namespace).toBe('e2e');
      const stream = es.streams.get(`${ds.type}-${ds.dataset}-${ds.namespace}`);
      expect(stream?.get(d.event.id), `${d.event.id} in ${ds.dataset}`).toBeDefined();
    }
    expect(es.ids('logs-cloud_defend.alerts-e2e')).toContain(alert.event.id);
    expect(es.counts.conflicts).toBe(0);
    expect(es.ids('logs-cloud_defend.process-fromfile')).toEqual([]);
  });

  it('writes a heartbeat and a metrics document at start', () => {
    const hb = docs.find((d) => d.data_stream.dataset === 'cloud_defend.heartbeat');
    expect(hb?.cloud_defend.block_action_enabled).toBe(false);
    expect(es.streams.get('metrics-cloud_defend.heartbeat-e2e')?.size).toBeGreaterThan(0);
    expect(es.streams.get('metrics-cloud_defend.metrics-e2e')?.size).toBeGreaterThan(0);
  });

  it('serves Prometheus metrics and /healthz', () => {
    expect(healthz).toEqual({ status: 200, body: expect.stringMatching(/^ok/) });
    const value = (re: RegExp) => Number(re.exec(metricsText)?.[1] ?? Number.NaN);
    expect(value(/^d4c_events_total\{type="exec"\} (\d+)/m)).toBeGreaterThan(0);
    expect(value(/^d4c_docs_emitted_total\{stream="logs-cloud_defend\.alerts-e2e"\} (\d+)/m)).toBeGreaterThan(
      0,
    );
    expect(value(/^d4c_output_docs_written_total\{output="elasticsearch"\} (\d+)/m)).toBeGreaterThan(0);
    expect(metricsText).toMatch(/^d4c_policy_actions_total\{action="alert"\} [1-9]/m);
    expect(metricsText).toMatch(/^d4c_spool_bytes\{output="elasticsearch"\} \d+/m);
    // The container's metadata was looked up (the runtime answered): the resolver's counters are exported.
    expect(value(/^d4c_container_metadata_total\{event="lookups"\} (\d+)/m)).toBeGreaterThan(0);
  });
});
