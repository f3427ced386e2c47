// The agent's Prometheus endpoint (prom-client, own registry) and /healthz, on loopback by
// default. Every value comes from a stats() callback read once per scrape: the hot path keeps
// its own plain counters and pays nothing for metrics.

import { createServer, type Server } from 'node:http';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { OutputStats } from '../output/index.js';

/** What the agent reports at each scrape; every part optional. Counters are totals since start. */
export interface AgentStatsSnapshot {
  /** Kernel-side losses (ring buffer full, truncated strings), by reason. */
  kernelDrops?: Readonly<Record<string, number>>;
  /** User-space losses before the outputs (queues), by reason. */
  userDrops?: Readonly<Record<string, number>>;
  /** Sensor records that could not be decoded, by kind. */
  decodeErrors?: Readonly<Record<string, number>>;
  /** Sensor events by type (exec, fork, exit, file, network, …). */
  eventsByType?: Readonly<Record<string, number>>;
  /** Documents emitted, by data stream. */
  docsByStream?: Readonly<Record<string, number>>;
  /** Policy decisions, by action (log, alert, block). */
  policyActions?: Readonly<Record<string, number>>;
  /** Container metadata lookups and runtime health, by event (hits, misses, timeouts, unreachable, …). */
  containerMetadata?: Readonly<Record<string, number>>;
  /** Kubernetes API requests for the cluster identity, by result (success, forbidden, timeout, …). */
  kubernetesApi?: Readonly<Record<string, number>>;
  /** Kubernetes audit: events read, malformed, exec sessions attributed and unattributed. */
  k8sAudit?: Readonly<Record<string, number>>;
  /** Blocked or would-be-blocked attempts, by backend and outcome (`file_denied`, `connect_monitored`, …). */
  enforcement?: Readonly<Record<string, number>>;
  /** Detection rules, by result (events, detections, suppressed, excepted, scheduled_runs, …). */
  rules?: Readonly<Record<string, number>>;
  /** Each output's stats (SpoolOutput adds spool bytes, batches, dead letters). */
  outputs?: Readonly<Record<string, OutputStats>>;
  processTableSize?: number;
  /** Helpers (d4c-sensor, d4c-enforcer) restarted after they went down, by name. */
  helperRestarts?: Readonly<Record<string, number>>;
}

export interface Health {
  ok: boolean;
  reason?: string;
}

export interface MetricsServerOptions {
  host?: string;
  port?: number;
  stats: () => AgentStatsSnapshot;
  health: () => Health | Promise<Health>;
  /** Also export prom-client's process metrics (CPU, memory, event loop lag). Default true. */
  processMetrics?: boolean;
}

export interface MetricsServer {
  readonly url: string;
  readonly registry: Registry;
  close(): Promise<void>;
}

type Snap = AgentStatsSnapshot;
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Builds the registry; `read()` returns the snapshot of the scrape in progress. */
export function agentRegistry(read: () => Snap, processMetrics = true): Registry {
  const registry = new Registry();
  if (processMetrics) collectDefaultMetrics({ register: registry, prefix: 'd4c_' });
  const counter = (
    name: string,
    help: string,
    label: string,
    pick: (s: Snap) => Readonly<Record<string, number>> | undefined,
  ) =>
    new Counter({
      name,
      help,
      labelNames: [label],
      registers: [registry],
      collect() {
        this.reset();
        for (const [k, v] of Object.entries(pick(read()) ?? {})) if (v > 0) this.inc({ [label]: k }, v);
      },
    });
  counter('d4c_kernel_drops_total', 'Events lost in the kernel, by reason.', 'reason', (s) => s.kernelDrops);
  counter(
    'd4c_user_drops_total',
    'Events lost in user space before the outputs, by reason.',
    'reason',
    (s) => s.userDrops,
  );
  counter(
    'd4c_decode_errors_total',
    'Sensor records that could not be decoded, by kind.',
    'kind',
    (s) => s.decodeErrors,
  );
  counter('d4c_events_total', 'Sensor events read, by type.', 'type', (s) => s.eventsByType);
  counter(
    'd4c_docs_emitted_total',
    'ECS documents emitted, by data stream.',
    'stream',
    (s) => s.docsByStream,
  );
  counter('d4c_policy_actions_total', 'Policy decisions, by action.', 'action', (s) => s.policyActions);
  counter(
    'd4c_container_metadata_total',
    'Container metadata lookups and runtime feed health, by event.',
    'event',
    (s) => s.containerMetadata,
  );
  counter(
    'd4c_kubernetes_api_requests_total',
    'Kubernetes API requests for the cluster identity, by result.',
    'result',
    (s) => s.kubernetesApi,
  );
  counter(
    'd4c_k8s_audit_total',
    'Kubernetes audit: events read, malformed ones, exec/attach requests, sessions attributed and unattributed, requests no session took, documents stamped.',
    'event',
    (s) => s.k8sAudit,
  );
  counter(
    'd4c_enforcement_total',
    'Blocked (or, with --monitoring, would-be-blocked) attempts, by backend and outcome.',
    'outcome',
    (s) => s.enforcement,
  );
  counter(
    'd4c_rules_total',
    'Detection rules: documents fed, detections, duplicates suppressed, events excepted, scheduled ES|QL runs and failures.',
    'result',
    (s) => s.rules,
  );
  counter(
    'd4c_helper_restarts_total',
    'Helpers (d4c-sensor, d4c-enforcer) restarted after they went down, by helper.',
    'helper',
    (s) => s.helperRestarts,
  );
  new Gauge({
    name: 'd4c_process_table_size',
    help: 'Processes tracked by the process table.',
    registers: [registry],
    collect() {
      const v = read().processTableSize;
      if (v !== undefined) this.set(v);
    },
  });

  const outputs = () => Object.entries(read().outputs ?? {});
  const outCounter = (name: string, help: string, field: string) =>
    new Counter({
      name,
      help,
      labelNames: ['output'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [o, st] of outputs()) {
          const v = num(st[field]);
          if (v !== undefined) this.inc({ output: o }, v);
        }
      },
    });
  const outGauge = (name: string, help: string, pick: (st: OutputStats) => number | undefined) =>
    new Gauge({
      name,
      help,
      labelNames: ['output'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [o, st] of outputs()) {
          const v = pick(st);
          if (v !== undefined) this.set({ output: o }, v);
        }
      },
    });
  outCounter('d4c_output_docs_written_total', 'Documents an output stored.', 'docsWritten');
  outCounter(
    'd4c_output_docs_duplicate_total',
    'Resent documents the remote already had (409 on create).',
    'docsDuplicate',
  );
  outCounter('d4c_output_batches_sent_total', 'Bulk requests answered by the remote.', 'batchesSent');
  outCounter(
    'd4c_output_batches_retried_total',
    'Batches sent again (request failure or transient item failures).',
    'batchesRetried',
  );
  outCounter(
    'd4c_output_batches_failed_total',
    'Requests that failed as a whole (connection, timeout, 429, 5xx).',
    'batchesFailed',
  );
  outCounter(
    'd4c_output_dead_letters_total',
    'Documents written to the dead-letter file (permanent failures).',
    'deadLetters',
  );
  new Counter({
    name: 'd4c_output_docs_dropped_total',
    help: 'Documents an output dropped, by reason (spool full, torn record, closed, …).',
    labelNames: ['output', 'reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [o, st] of outputs())
        for (const [reason, v] of Object.entries(st.docsDropped ?? {}))
          if (v > 0) this.inc({ output: o, reason }, v);
    },
  });
  outGauge('d4c_output_queue_depth', 'Documents accepted but not yet acknowledged (memory + spool).', (st) =>
    num(st.queueDepth),
  );
  outGauge('d4c_spool_bytes', 'Bytes of spool segment files.', (st) => num(st.spoolBytes));
  outGauge('d4c_spool_max_bytes', 'Spool size bound.', (st) =>
    num((st.spool as { spoolMaxBytes?: number } | undefined)?.spoolMaxBytes),
  );
  return registry;
}

export async function startMetricsServer(o: MetricsServerOptions): Promise<MetricsServer> {
  let snap: Snap = {};
  const registry = agentRegistry(() => snap, o.processMetrics ?? true);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      void (async () => {
        try {
          snap = o.stats();
          const text = await registry.metrics();
          res.writeHead(200, { 'content-type': registry.contentType }).end(text);
        } catch (e) {
          res
            .writeHead(500, { 'content-type': 'text/plain' })
            .end(`metrics failed: ${(e as Error).message}\n`);
        } finally {
          snap = {};
        }
      })();
      return;
    }
    if (path === '/healthz') {
      Promise.resolve()
        .then(() => o.health())
        .then(
          (h) => {
            if (h.ok) res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
            else
              res
                .writeHead(503, { 'content-type': 'text/plain' })
                .end(`unhealthy: ${h.reason ?? 'unknown'}\n`);
          },
          (e: unknown) =>
            res
              .writeHead(503, { 'content-type': 'text/plain' })
              .end(`unhealthy: health check failed: ${(e as Error).message}\n`),
        );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics or /healthz\n');
  });
  const host = o.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 9464, host, () => resolve());
  });
  server.unref();
  const addr = server.address();
  const port = addr && typeof addr === 'object' ? addr.port : (o.port ?? 9464);
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}`,
    registry,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
