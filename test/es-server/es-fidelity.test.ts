// What Kibana and Elastic's rules need of the documents in Elasticsearch: event.ingested from
// d4c's ingest pipeline (the streams' default), float risk scores, a network template; the
// cloud_defend package's own templates left alone; pod labels in the shape the live mapping
// takes (keyword list, or objects for `flattened`). Against the Bulk-API stand-in, through the
// real @elastic/elasticsearch client.
import { afterEach, describe, expect, it } from 'vitest';
import type { SpoolOutput } from '../../src/output/index.js';
import { createEsOutput } from '../../src/output/index.js';
import { doc, tmp } from './helpers.js';
import { EsTestServer } from './index.js';

const PROCESS = 'logs-cloud_defend.process-default';
const ALERTS = 'logs-cloud_defend.alerts-default';
const NETWORK = 'logs-cloud_defend.network-default';
const HEARTBEAT = 'metrics-cloud_defend.heartbeat-default';
let server: EsTestServer;
let out: SpoolOutput | undefined;
let info: string[];

async function open(opts: Record<string, unknown> = {}) {
  info = [];
  out = createEsOutput({
    hosts: [server.url],
    dir: tmp(),
    flushIntervalMs: 50,
    backoffInitialMs: 20,
    backoffMaxMs: 200,
    onInfo: (m: string) => info.push(m),
    ...opts,
  });
  return out;
}

afterEach(async () => {
  await out?.close();
  out = undefined;
  await server?.stop();
});

const labelled = (i: number) =>
  doc(i, {
    orchestrator: {
      namespace: 'shop',
      resource: {
        type: 'pod',
        name: 'web-1',
        label: ['app:web', 'app.kubernetes.io/name:shop', 'tier:'],
        annotation: ['note:a:b'],
      },
    },
  });

/** A cloud_defend package's templates as Fleet installs them, labels mapped as `type`. */
function installPackage(labelType: 'flattened' | 'keyword', streams = ['process', 'file', 'alerts']) {
  server.pipelines.set('logs-cloud_defend.process-1.0.0', {
    processors: [{ set: { field: 'event.ingested', value: '{{_ingest.timestamp}}' } }],
  });
  for (const s of streams) {
    server.componentTemplates.set(`logs-cloud_defend.${s}@package`, {
      template: {
        settings: { index: { default_pipeline: 'logs-cloud_defend.process-1.0.0' } },
        mappings: {
          properties: {
            orchestrator: {
              properties: {
                resource: {
                  properties: { label: { type: labelType }, annotation: { type: labelType } },
                },
              },
            },
          },
        },
      },
      _meta: { package: { name: 'cloud_defend' }, managed_by: 'fleet', managed: true },
    });
    server.indexTemplates.set(`logs-cloud_defend.${s}`, {
      index_patterns: [`logs-cloud_defend.${s}-*`],
      priority: 200,
      data_stream: {},
      composed_of: [`logs-cloud_defend.${s}@package`],
      _meta: { package: { name: 'cloud_defend' }, managed_by: 'fleet', managed: true },
    });
  }
}

describe('Elasticsearch fidelity (stand-in)', () => {
  it("d4c's templates: the ingest pipeline sets event.ingested as the streams' default; floats; a network template", async () => {
    server = new EsTestServer();
    await server.start();
    const o = await open();
    const before = Date.now();
    o.write(doc(1), PROCESS);
    o.write(doc(2, { event: { id: 'ev-2', kind: 'event', category: ['network'] } }), NETWORK);
    o.write(
      doc(3, {
        event: { id: 'ev-3', kind: 'alert', risk_score: 47.5, severity: 47 },
        rule: { risk_score: 47.5 },
      }),
      ALERTS,
    );
    // Kibana's usage metering reads agent.id and event.ingested of the heartbeats.
    o.write(
      doc(4, {
        event: { id: 'ev-4', kind: 'metric' },
        agent: { id: 'agent-1' },
        cloud_defend: { block_action_enabled: false },
      }),
      HEARTBEAT,
    );
    expect(await o.drain(10_000)).toBe(true);
    const pipeline = server.pipelines.get('d4c-cloud_defend@ingest') as { processors: unknown[] };
    expect(pipeline.processors).toEqual([
      { set: { field: 'event.ingested', value: '{{{_ingest.timestamp}}}' } },
    ]);
    for (const s of [PROCESS, NETWORK, ALERTS, HEARTBEAT]) {
      expect(server.streamMappings.get(s)?.settings['index.default_pipeline'], s).toBe(
        'd4c-cloud_defend@ingest',
      );
      for (const d of server.streams.get(s)?.values() ?? []) {
        const ingested = Date.parse((d.event as { ingested: string }).ingested);
        expect(ingested, s).toBeGreaterThanOrEqual(before - 1000);
      }
    }
    expect(server.counts.pipelineRuns).toBe(4);
    expect(server.streamMappings.get(NETWORK)?.template).toBe('d4c-logs-cloud_defend.network');
    const m = server.streamMappings.get(ALERTS)!.mappings.properties as Record<
      string,
      { properties: Record<string, { type: string }> }
    >;
    expect(m.event?.properties.risk_score?.type).toBe('float');
    expect(m.rule?.properties.risk_score?.type).toBe('float');
    expect(m.cloud_defend?.properties.package_policy_revision?.type).toBe('short');
    expect(info.at(-1)).toBe(
      'pod labels and annotations (orchestrator.resource.label/annotation) are written as key:value lists (keyword) to logs-cloud_defend.process-default, logs-cloud_defend.file-default, logs-cloud_defend.network-default, logs-cloud_defend.alerts-default',
    );
  });

  it("the package's templates: left alone, said so; flattened labels written as objects", async () => {
    server = new EsTestServer();
    await server.start();
    installPackage('flattened');
    const snapshot = JSON.stringify([...server.indexTemplates, ...server.componentTemplates]);
    const o = await open();
    for (let i = 0; i < 5; i++) o.write(labelled(i), i % 2 ? PROCESS : ALERTS);
    o.write(labelled(9), NETWORK);
    expect(await o.drain(10_000)).toBe(true);
    expect(o.stats().deadLetters).toBe(0);
    // Untouched: every package template as it was; ours only for the network stream.
    const now = JSON.stringify(
      [...server.indexTemplates, ...server.componentTemplates].filter(([n]) => !n.startsWith('d4c-')),
    );
    expect(now).toBe(snapshot);
    expect([...server.indexTemplates.keys()].filter((n) => n.startsWith('d4c-'))).toEqual([
      'd4c-logs-cloud_defend.network',
    ]);
    expect(info[0]).toBe(
      "the cloud_defend package's index templates are installed (logs-cloud_defend.alerts, logs-cloud_defend.file, logs-cloud_defend.process): d4c leaves them alone (their mappings and ingest pipelines apply) and installs only d4c-logs-cloud_defend.network, for the network stream the package does not have",
    );
    expect(info[1]).toBe(
      'pod labels and annotations (orchestrator.resource.label/annotation) are written as key:value lists (keyword) to logs-cloud_defend.network-default; objects to logs-cloud_defend.process-default (label and annotation mapped flattened, its template); objects to logs-cloud_defend.file-default (label and annotation mapped flattened, its template); objects to logs-cloud_defend.alerts-default (label and annotation mapped flattened, its template)',
    );
    const stored = server.streams.get(PROCESS)?.get('ev-1') as {
      orchestrator: { resource: unknown };
      event: { ingested?: string };
    };
    expect(stored.orchestrator.resource).toMatchObject({
      label: { app: 'web', 'app.kubernetes.io/name': 'shop', tier: '' },
      annotation: { note: 'a:b' },
    });
    // The package's pipeline set event.ingested.
    expect(stored.event.ingested).toMatch(/^\d{4}-/);
    const net = server.streams.get(NETWORK)?.get('ev-9') as {
      orchestrator: { resource: { label: unknown } };
    };
    expect(net.orchestrator.resource.label).toEqual(['app:web', 'app.kubernetes.io/name:shop', 'tier:']);
  });

  it('reads the live mapping: a stream created flattened stays objects after the package maps keyword', async () => {
    server = new EsTestServer();
    await server.start();
    installPackage('flattened', ['process']);
    server.createStream(PROCESS); // created by an older package version
    installPackage('keyword', ['process']); // the package upgraded; the stream not rolled over
    const o = await open();
    o.write(labelled(1), PROCESS);
    expect(await o.drain(10_000)).toBe(true);
    expect(info.at(-1)).toMatch(
      /objects to logs-cloud_defend\.process-default \(label and annotation mapped flattened, live mapping\)/,
    );
    const stored = server.streams.get(PROCESS)?.get('ev-1') as {
      orchestrator: { resource: { label: unknown } };
    };
    expect(stored.orchestrator.resource.label).toEqual({
      app: 'web',
      'app.kubernetes.io/name': 'shop',
      tier: '',
    });
  });

  it('keyword labels (later package versions) stay key:value lists; flattened rejects them (why the probe exists)', async () => {
    server = new EsTestServer();
    await server.start();
    installPackage('keyword', ['process']);
    const o = await open();
    o.write(labelled(1), PROCESS);
    expect(await o.drain(10_000)).toBe(true);
    expect(info.at(-1)).toMatch(/key:value lists \(keyword\) to logs-cloud_defend\.process-default, /);
    const stored = server.streams.get(PROCESS)?.get('ev-1') as {
      orchestrator: { resource: { label: unknown } };
    };
    expect(stored.orchestrator.resource.label).toEqual(['app:web', 'app.kubernetes.io/name:shop', 'tier:']);
    await o.close();
    // Without the probe (templates and mappings not read: a stream created flattened), the
    // whole document fails.
    const other = new EsTestServer();
    await other.start();
    try {
      const s = server;
      server = other;
      installPackage('flattened', ['process']);
      server.createStream(PROCESS);
      const raw = await fetch(`${other.url}/_bulk`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body: `${JSON.stringify({ create: { _index: PROCESS, _id: 'x' } })}\n${JSON.stringify(labelled(1))}\n`,
      }).then(
        (r) => r.json() as Promise<{ items: { create: { status: number; error: { type: string } } }[] }>,
      );
      expect(raw.items[0]?.create.status).toBe(400);
      expect(raw.items[0]?.create.error.type).toBe('document_parsing_exception');
      server = s;
    } finally {
      await other.stop();
    }
  });

  it('credentials that may only write: labels stay lists, documents flow, the start line says why', async () => {
    server = new EsTestServer();
    await server.start();
    server.forbidMetadata = true;
    const o = await open({ skipTemplates: true });
    o.write(labelled(1), PROCESS);
    expect(await o.drain(10_000)).toBe(true);
    expect(server.ids(PROCESS)).toEqual(['ev-1']);
    expect(info[0]).toBe('--es-skip-templates: no templates or ingest pipeline installed');
    expect(info[1]).toMatch(
      /key:value lists \(keyword\) to logs-cloud_defend\.process-default \(mapping not readable: HTTP 403\), /,
    );
  });
});
