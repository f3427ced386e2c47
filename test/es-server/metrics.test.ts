// The Prometheus endpoint scraped and parsed, /healthz, and heartbeat/metrics documents going
// through the Elasticsearch output into their data streams.
import { afterEach, describe, expect, it } from 'vitest';
import { createEcsBuilder } from '../../src/ecs/index.js';
import { type MetricsServer, startHeartbeats, startMetricsServer } from '../../src/metrics/index.js';
import { createEsOutput } from '../../src/output/index.js';
import { doc, tmp } from './helpers.js';
import { EsTestServer } from './index.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses Prometheus text exposition (format 0.0.4): samples plus the TYPE of each family. */
function parseExposition(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      types.set(name as string, type as string);
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`bad exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1] as string] = l[2] as string;
    samples.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return { samples, types };
}

const value = (s: Sample[], name: string, labels: Record<string, string> = {}) =>
  s.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v))?.value;

let metrics: MetricsServer | undefined;
afterEach(async () => {
  await metrics?.close();
  metrics = undefined;
});

describe('metrics endpoint', () => {
  it('exports every stage from the stats callback, fresh at each scrape', async () => {
    let events = 10;
    let health = { ok: true } as { ok: boolean; reason?: string };
    metrics = await startMetricsServer({
      port: 0,
      stats: () => ({
        kernelDrops: { ringbuf_full: 3 },
        userDrops: { queue_full: 1 },
        decodeErrors: { short_record: 2 },
        eventsByType: { exec: events, file: 4 },
        docsByStream: { 'logs-cloud_defend.process-default': 9 },
        policyActions: { log: 7, alert: 2, block: 1 },
        processTableSize: 123,
        outputs: {
          elasticsearch: {
            docsWritten: 50,
            docsDropped: { spool_full_oldest: 5 },
            queueDepth: 12,
            spoolBytes: 4096,
            spool: { spoolMaxBytes: 1 << 20 },
            batchesSent: 4,
            batchesRetried: 2,
            batchesFailed: 1,
            deadLetters: 3,
            docsDuplicate: 6,
          },
          store: { docsWritten: 60, docsDropped: {}, queueDepth: 0 },
        },
        containerMetadata: { lookups: 7, unreachable: 2 },
        kubernetesApi: { success: 1, forbidden: 3 },
        enforcement: { connect_denied: 4, fanotify_denied: 0 },
      }),
      health: () => health,
    });
    expect(metrics.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const scrape = async () => parseExposition(await (await fetch(`${metrics?.url}/metrics`)).text());
    let { samples, types } = await scrape();
    expect(value(samples, 'd4c_kernel_drops_total', { reason: 'ringbuf_full' })).toBe(3);
    expect(value(samples, 'd4c_user_drops_total', { reason: 'queue_full' })).toBe(1);
    expect(value(samples, 'd4c_decode_errors_total', { kind: 'short_record' })).toBe(2);
    expect(value(samples, 'd4c_events_total', { type: 'exec' })).toBe(10);
    expect(value(samples, 'd4c_docs_emitted_total', { stream: 'logs-cloud_defend.process-default' })).toBe(9);
    expect(value(samples, 'd4c_policy_actions_total', { action: 'block' })).toBe(1);
    expect(value(samples, 'd4c_process_table_size')).toBe(123);
    expect(value(samples, 'd4c_container_metadata_total', { event: 'unreachable' })).toBe(2);
    expect(value(samples, 'd4c_kubernetes_api_requests_total', { result: 'forbidden' })).toBe(3);
    expect(value(samples, 'd4c_enforcement_total', { outcome: 'connect_denied' })).toBe(4);
    expect(value(samples, 'd4c_output_docs_written_total', { output: 'store' })).toBe(60);
    expect(value(samples, 'd4c_output_queue_depth', { output: 'elasticsearch' })).toBe(12);
    expect(value(samples, 'd4c_spool_bytes', { output: 'elasticsearch' })).toBe(4096);
    expect(value(samples, 'd4c_spool_max_bytes', { output: 'elasticsearch' })).toBe(1 << 20);
    expect(value(samples, 'd4c_output_batches_sent_total', { output: 'elasticsearch' })).toBe(4);
    expect(value(samples, 'd4c_output_batches_retried_total', { output: 'elasticsearch' })).toBe(2);
    expect(value(samples, 'd4c_output_batches_failed_total', { output: 'elasticsearch' })).toBe(1);
    expect(value(samples, 'd4c_output_dead_letters_total', { output: 'elasticsearch' })).toBe(3);
    expect(
      value(samples, 'd4c_output_docs_dropped_total', {
        output: 'elasticsearch',
        reason: 'spool_full_oldest',
      }),
    ).toBe(5);
    expect(types.get('d4c_kernel_drops_total')).toBe('counter');
    expect(types.get('d4c_spool_bytes')).toBe('gauge');
    expect(value(samples, 'd4c_process_resident_memory_bytes')).toBeGreaterThan(0);
    events = 25;
    ({ samples } = await scrape());
    expect(value(samples, 'd4c_events_total', { type: 'exec' })).toBe(25);

    let r = await fetch(`${metrics.url}/healthz`);
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('ok\n');
    health = { ok: false, reason: 'elasticsearch: 3 failed attempts' };
    r = await fetch(`${metrics.url}/healthz`);
    expect(r.status).toBe(503);
    expect(await r.text()).toBe('unhealthy: elasticsearch: 3 failed attempts\n');
    expect((await fetch(`${metrics.url}/nope`)).status).toBe(404);
  });

  it('answers 500 rather than crashing when the stats callback throws', async () => {
    metrics = await startMetricsServer({
      port: 0,
      processMetrics: false,
      stats: () => {
        throw new Error('boom');
      },
      health: () => Promise.reject(new Error('sensor gone')),
    });
    expect((await fetch(`${metrics.url}/metrics`)).status).toBe(500);
    const h = await fetch(`${metrics.url}/healthz`);
    expect(h.status).toBe(503);
    expect(await h.text()).toMatch(/sensor gone/);
  });
});

describe('heartbeat and metrics documents', () => {
  it('go through the Elasticsearch output into the metrics data streams', async () => {
    const server = new EsTestServer();
    await server.start();
    const out = createEsOutput({ hosts: [server.url], dir: tmp(), flushIntervalMs: 20 });
    const builder = createEcsBuilder({
      agent: { id: 'agent-1', version: '0.1.0' },
      host: { name: 'node-1', hostname: 'node-1', bootTimeNs: 0n },
      namespace: 'prod',
    });
    let block = false;
    const hb = startHeartbeats({
      builder,
      write: (d, s) => out.write(d, s),
      heartbeat: () => ({ blockActionEnabled: block }),
      metrics: () => ({ eventsSeen: { exec: 5 }, kernelDrops: { ringbuf_full: 1 } }),
      heartbeatPeriodMs: 60_000,
      metricsPeriodMs: 60_000,
    });
    block = true;
    hb.tick();
    hb.stop();
    out.write(doc(1), 'logs-cloud_defend.process-prod');
    expect(await out.drain(10_000)).toBe(true);
    await out.close();
    await server.stop();
    const beats = [...(server.streams.get('metrics-cloud_defend.heartbeat-prod')?.values() ?? [])] as {
      cloud_defend: { block_action_enabled: boolean };
    }[];
    expect(beats.map((b) => b.cloud_defend.block_action_enabled)).toEqual([false, true]);
    const m = [...(server.streams.get('metrics-cloud_defend.metrics-prod')?.values() ?? [])] as {
      cloud_defend: { metrics: { events_seen: Record<string, number> } };
    }[];
    expect(m).toHaveLength(2);
    expect(m[0]?.cloud_defend.metrics.events_seen.exec).toBe(5);
    expect(hb.stats()).toEqual({ heartbeats: 2, metrics: 2, errors: 0 });
  });

  it('keeps running when a callback throws, and counts it', () => {
    const written: string[] = [];
    const hb = startHeartbeats({
      builder: {
        heartbeatDoc: () => ({
          data_stream: { type: 'metrics', dataset: 'cloud_defend.heartbeat', namespace: 'x' },
        }),
        metricsDoc: () => ({}),
      },
      write: (_d, s) => written.push(s),
      heartbeat: () => ({ blockActionEnabled: false }),
      metrics: () => {
        throw new Error('no metrics');
      },
    });
    hb.stop();
    expect(written).toEqual(['metrics-cloud_defend.heartbeat-x']);
    expect(hb.stats().errors).toBe(1);
  });
});
