// The services over a running node (the last steps of the runtime's start): heartbeats and
// metrics documents, the /metrics endpoint, the query socket, the console and the scheduled
// ES|QL rules. Each pushes its stop on the runtime's cleanup stack. None of them is a reason to
// stop protecting the node: one that cannot start is reported (the caller words it) and skipped.
import { type ConsoleServer, type RunningPolicy, startConsole } from '../console/index.js';
import type { EcsBuilder, EcsDocument } from '../ecs/index.js';
import {
  type HeartbeatScheduler,
  type MetricsServer,
  startHeartbeats,
  startMetricsServer,
} from '../metrics/index.js';
import { type QueryServer, serveQueries } from '../query/index.js';
import type { LoadedRule } from '../rules/index.js';
import { ScheduledEsql } from '../rules/index.js';
import type { HelperWatch } from '../sensor/index.js';
import type { EventStore } from '../store/index.js';
import { runOnStore } from '../store/index.js';
import type { CleanupStack } from './cleanup.js';
import { agentMetrics, metricsSnapshot } from './observe.js';
import type { Pipeline } from './pipeline.js';
import type { AgentStats } from './stats.js';

export type ServiceName = 'metrics' | 'query' | 'console';

export interface ServiceOptions {
  /** cloud_defend.learning in the heartbeat (`--learn`). */
  learning?: boolean;
  heartbeatPeriodMs?: number;
  metricsPeriodMs?: number;
  onHeartbeatError?: (e: unknown) => void;
  /** The /metrics and /healthz endpoint (none: not served). */
  metricsAddr?: { host: string; port: number };
  /** The outputs' health, asked after the helpers' (a dead helper fails the check first). */
  outputsHealth?: () => { ok: boolean; reason?: string };
  /** The embedded store: queries on a socket in `storeDir`, the console, scheduled ES|QL. */
  store?: EventStore;
  storeDir?: string;
  /** The console over the store (needs it). */
  console?: { host?: string; port?: number; tlsCert?: string; tlsKey?: string; policy: RunningPolicy };
  /** ES|QL rules among these run on their schedule over the store. */
  rules?: readonly LoadedRule[];
  /** A service that did not start (the node runs on without it). */
  onFailed: (service: ServiceName, e: unknown) => void;
}

export interface Services {
  beats: HeartbeatScheduler;
  metrics?: MetricsServer;
  query?: QueryServer;
  console?: ConsoleServer;
  /** The scheduled ES|QL rules (none scheduled: undefined). */
  scheduled?: ScheduledEsql;
}

/** What the services read of the runtime (an interface, so runtime.ts and this file form no cycle). */
export interface ServiceHost {
  readonly ecs: EcsBuilder;
  readonly pipeline: Pipeline;
  readonly helpers: Pick<HelperWatch, 'health'>;
  readonly blockActionEnabled: boolean;
  readonly warn: (m: string) => void;
  emit(doc: EcsDocument | Record<string, unknown>): void;
  stats(): AgentStats;
  onHelperDown(fn: (name: string, reason: string) => void): void;
}

export async function startServices(
  rt: ServiceHost,
  stack: CleanupStack,
  o: ServiceOptions,
): Promise<Services> {
  // Heartbeats and agent metrics documents go through the same outputs as events.
  const beats = startHeartbeats({
    builder: rt.ecs,
    write: (doc) => rt.emit(doc),
    // A learning agent says so in its heartbeat (cloud_defend.learning).
    heartbeat: () => ({
      blockActionEnabled: rt.blockActionEnabled,
      ...(o.learning ? { learning: true } : {}),
    }),
    metrics: () => agentMetrics(rt.stats()),
    ...(o.heartbeatPeriodMs !== undefined ? { heartbeatPeriodMs: o.heartbeatPeriodMs } : {}),
    ...(o.metricsPeriodMs !== undefined ? { metricsPeriodMs: o.metricsPeriodMs } : {}),
    ...(o.onHeartbeatError ? { onError: o.onHeartbeatError } : {}),
  });
  stack.push('heartbeats', () => beats.stop());
  const s: Services = { beats };
  // A helper's death is said at once in a heartbeat (block_action_enabled false), not in 30 min.
  rt.onHelperDown(() => beats.tick());
  const live = () => metricsSnapshot(rt.stats(), { heartbeat_errors: beats.stats().errors });
  if (o.metricsAddr) {
    try {
      const m = await startMetricsServer({
        host: o.metricsAddr.host,
        port: o.metricsAddr.port,
        stats: live,
        // A dead helper (blind sensor, open enforcer) fails the check before the outputs are asked.
        health: () => {
          const h = rt.helpers.health();
          return h.ok ? (o.outputsHealth?.() ?? { ok: true }) : h;
        },
      });
      s.metrics = m;
      stack.push('metrics endpoint', () => m.close());
    } catch (e) {
      o.onFailed('metrics', e);
    }
  }
  const store = o.store;
  if (store) {
    // `d4c query` cannot open the store while we hold it (DuckDB: one process per file), so we
    // answer its queries on a socket in the store directory.
    try {
      const q = await serveQueries(store, o.storeDir ?? '');
      s.query = q;
      stack.push('query socket', () => q.close());
    } catch (e) {
      o.onFailed('query', e);
    }
  }
  // The console reads the store the agent writes (the same EventStore: reads go beside writes).
  if (o.console && store) {
    try {
      const c = await startConsole({
        store,
        ...o.console,
        liveStats: live,
        // The console's header says the agent is learning, as the heartbeat does.
        ...(o.learning ? { learning: { since: new Date().toISOString() } } : {}),
      });
      s.console = c;
      stack.push('console', () => c.close());
    } catch (e) {
      o.onFailed('console', e);
    }
  }
  // ES|QL rules are not per event: they run over the store on their interval. Detection alerts
  // are not their input (a rule over `logs-*` would read its own alerts back).
  if (store) {
    const sched = new ScheduledEsql(
      o.rules ?? [],
      (p, range, now) => runOnStore(store, p, { ...range, now, excludeDetections: true }),
      { warn: rt.warn },
    );
    if (sched.size > 0) {
      s.scheduled = sched;
      stack.push('scheduled rules', () => sched.stop());
      sched.start((ds) => {
        for (const d of ds) rt.pipeline.sink.writeDetection(d, d.doc as unknown as EcsDocument);
      });
    }
  }
  return s;
}
