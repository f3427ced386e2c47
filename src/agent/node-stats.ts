// The node's counters, one plain object, read from its running parts (apart from stats.ts, which
// the parts themselves import for their counters' types: no cycle).
import type { ContainerResolver } from '../container/index.js';
import type { ClusterIdentitySource, K8sAuditStats } from '../k8s/index.js';
import type { Output } from '../output/index.js';
import type { ScheduledEsql } from '../rules/index.js';
import type { SensorStats } from '../sensor/index.js';
import type { ConnectEnforcement } from './connect-enforcement.js';
import type { FileEnforcement } from './file-enforcement.js';
import type { Pipeline } from './pipeline.js';
import type { AgentStats } from './stats.js';
import type { Supervisor } from './supervise.js';

/** The parts of a running node that `stats()` reads. */
export interface NodeParts {
  pipeline: ReturnType<Pipeline['stats']>;
  startedMs: number;
  kernel: SensorStats | undefined;
  resolver: ContainerResolver;
  identity: ClusterIdentitySource;
  files: FileEnforcement | undefined;
  connects: ConnectEnforcement | undefined;
  scheduled: ScheduledEsql | undefined;
  supervisor: Supervisor;
  outputs: Record<string, Output>;
  k8sAudit: { stats(): K8sAuditStats } | undefined;
}

/** The node's counters, one plain object (copies: later events do not change it). */
export function nodeStats(n: NodeParts): AgentStats {
  const p = n.pipeline;
  const t = p.table;
  const c = p.counters;
  const outputs: AgentStats['outputs'] = {};
  for (const [name, o] of Object.entries(n.outputs)) outputs[name] = o.stats();
  const id = n.identity;
  return {
    ...c,
    eventsSeen: { ...c.eventsSeen },
    docsEmitted: { ...c.docsEmitted },
    policyActions: { ...c.policyActions },
    ruleSuppressed: p.engine?.suppressed ?? 0,
    ruleExcepted: p.engine?.excepted ?? 0,
    uptimeSeconds: Math.round((Date.now() - n.startedMs) / 1000),
    kernel: n.kernel?.kernel,
    sensor: n.kernel?.user,
    processTable: {
      size: t.size,
      live: t.live,
      exited: t.exited,
      unknownPidEvents: t.unknownPidEvents,
      evicted: t.evictedExpired + t.evictedExitedForCap + t.evictedLiveForCap,
    },
    containers: { ...n.resolver.counters, cached: n.resolver.size },
    kubernetes: {
      ...id.counters,
      ...(id.identity.id !== undefined ? { clusterId: id.identity.id } : {}),
      ...(id.identity.name !== undefined ? { clusterName: id.identity.name } : {}),
    },
    ...(n.files?.helperCounters ? { enforceHelper: { ...n.files.helperCounters } } : {}),
    ...(n.connects ? { connectBlock: { ...n.connects.counters } } : {}),
    ...(n.scheduled ? { scheduledRules: n.scheduled.stats() } : {}),
    dns: p.dns,
    holdQueue: p.holdQueue,
    helperRestarts: { ...n.supervisor.restarts },
    helperRestartFailures: { ...n.supervisor.failures },
    ...(p.ttyOutput ? { ttyOutput: p.ttyOutput } : {}),
    ...(n.k8sAudit ? { k8sAudit: n.k8sAudit.stats() } : {}),
    outputs,
    rssBytes: process.memoryUsage.rss(),
  };
}
