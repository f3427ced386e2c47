// Periodic heartbeat (`cloud_defend.block_action_enabled`) and agent-metrics documents, built by
// the ECS builder and written to the outputs like any other document. The agent starts this once
// with callbacks that read its current state; documents go to the stream named by their
// data_stream (`metrics-cloud_defend.heartbeat-<ns>`, `metrics-cloud_defend.metrics-<ns>`).

import type { AgentMetrics, HeartbeatInput } from '../ecs/index.js';
import type { EcsDoc } from '../output/index.js';

interface DocBuilder {
  heartbeatDoc(input: HeartbeatInput): object;
  metricsDoc(m: AgentMetrics): object;
}

export interface HeartbeatOptions {
  builder: DocBuilder;
  /** Where documents go (usually the agent's fan-out over every output). */
  write: (doc: EcsDoc, stream: string) => void;
  heartbeat: () => HeartbeatInput;
  metrics: () => AgentMetrics;
  /** Default 30 minutes (Elastic's heartbeat period). */
  heartbeatPeriodMs?: number;
  /** Default 60 s. */
  metricsPeriodMs?: number;
  /** Called when a callback or the builder throws (the scheduler keeps running; counted). */
  onError?: (e: unknown) => void;
}

export interface HeartbeatScheduler {
  /** Writes both documents now (also done at start). */
  tick(): void;
  stop(): void;
  stats(): { heartbeats: number; metrics: number; errors: number };
}

function streamOf(doc: EcsDoc): string {
  const ds = doc.data_stream as { type: string; dataset: string; namespace: string };
  return `${ds.type}-${ds.dataset}-${ds.namespace}`;
}

export function startHeartbeats(o: HeartbeatOptions): HeartbeatScheduler {
  const s = { heartbeats: 0, metrics: 0, errors: 0 };
  const guarded = (fn: () => void) => () => {
    try {
      fn();
    } catch (e) {
      s.errors++;
      o.onError?.(e);
    }
  };
  const beat = guarded(() => {
    const doc = o.builder.heartbeatDoc(o.heartbeat()) as EcsDoc;
    o.write(doc, streamOf(doc));
    s.heartbeats++;
  });
  const report = guarded(() => {
    const doc = o.builder.metricsDoc(o.metrics()) as EcsDoc;
    o.write(doc, streamOf(doc));
    s.metrics++;
  });
  const hb = setInterval(beat, o.heartbeatPeriodMs ?? 30 * 60_000);
  const mt = setInterval(report, o.metricsPeriodMs ?? 60_000);
  hb.unref();
  mt.unref();
  beat();
  report();
  return {
    tick() {
      beat();
      report();
    },
    stop() {
      clearInterval(hb);
      clearInterval(mt);
    },
    stats: () => ({ ...s }),
  };
}
