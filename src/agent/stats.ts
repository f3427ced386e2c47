// The agent's counters: one plain object, read by `--stats` and by the metrics endpoint
// (`agent.stats()`). Every drop anywhere in the pipeline has a counter here.
import type { ResolverCounters } from '../container/index.js';
import type { DnsStageStats } from '../dns/index.js';
import type { HelperCounters } from '../enforce/index.js';
import type { ClusterIdentityCounters, K8sAuditStats } from '../k8s/index.js';
import type { OutputStats } from '../output/index.js';
import type { ScheduledRuleStats } from '../rules/index.js';
import type { KernelCounters, UserCounters } from '../sensor/index.js';
import type { ConnectEnforcementStats } from './connect-enforcement.js';
import { type DriftCounters, newDriftCounters } from './drift.js';
import type { TtyCounters } from './tty-output.js';
export type EventKind = 'fork' | 'exec' | 'exit' | 'setsid' | 'file' | 'network' | 'dns' | 'tty';

export interface AgentCounters extends DriftCounters {
  /** Sensor records handled, by kind. */
  eventsSeen: Record<EventKind, number>;
  /** Documents written, by data stream name. */
  docsEmitted: Record<string, number>;
  /** Policy decisions by operation and action (`exec.log`, `createExecutable.alert`, `fork.none`). */
  policyActions: Record<string, number>;
  /** Events whose operation no response can match: not built at all (compiled policy's wants()). */
  policySkipped: number;
  /** Setup records of the runtime (`runc:[N:...]` before the container's first exec), dropped. */
  runtimeSetupDropped: number;
  /** Per-event handling failures (the record was counted and skipped; the agent went on). */
  handleErrors: number;
  /** File records of a process the table did not know (entry created from the record). */
  unknownProcessFileEvents: number;
  /** Events held for container metadata; released after the lookup (or its time bound). */
  held: number;
  /** Held events released with incomplete metadata (lookup slower than the hold). */
  heldIncomplete: number;
  /** Events emitted without waiting because the hold queue was full. */
  holdOverflow: number;
  /** Documents emitted with `cloud_defend.metadata_complete: false`. */
  docsIncompleteMetadata: number;
  /** Events that arrived before the /proc bootstrap finished and were replayed after it. */
  startupQueued: number;
  /** ...and those dropped because that queue was full. */
  startupDropped: number;
  /** End documents written (exit of a process whose fork/exec was logged). */
  endsLogged: number;
  /** Exits of processes whose start was not logged: no end document. */
  endsSkipped: number;
  /** Rule engine: documents pushed and detections written. */
  rulesEvents: number;
  ruleDetections: number;
  ruleSuppressed: number;
  /** Events kept away from a rule by its exception lists (one per rule and event). */
  ruleExcepted: number;
  /** Enforcement (block): denied attempts written as alerts, would-be blocks let through by --monitoring. */
  enforceDenied: number;
  enforceMonitored: number;
  /**
   * Cgroups the enforcer asked about whose container metadata was not cached yet (its requests
   * were decided by unknownMetadata until the runtime answered).
   */
  enforceUnknownContext: number;
  /** Blocks waived by `--unknown-metadata allow` (the decision depended on the missing metadata). */
  enforceWaived: number;
  /**
   * Enforcer decisions made at or after the helper's deadline (its fail mode had answered), as of
   * the last poll, restarts included.
   */
  enforceLate: number;
  /** Containers marked (watchPid), and marks that failed (the container had gone, usually). */
  enforceWatched: number;
  enforceWatchErrors: number;
}

export interface AgentStats extends AgentCounters {
  /**
   * The d4c-enforcer helper's own counters (answers it gave itself: deadline timeouts, queue
   * full, overflow, errors, unmarked mounts), as of the last poll; when file/exec block runs.
   */
  enforceHelper?: HelperCounters;
  /** `block` on connect (src/agent/connect-enforcement.ts), when the policy has one. */
  connectBlock?: ConnectEnforcementStats;
  /** ES|QL rules run over the store on their interval (src/rules/scheduled.ts), when there are any. */
  scheduledRules?: { rules: ScheduledRuleStats[]; suppressed: number };
  uptimeSeconds: number;
  /** Kernel-side counters as of the last poll (ring buffer losses, truncations). */
  kernel: KernelCounters | undefined;
  /** User-space side of the sensor: frames, bytes, decoded events, decode errors. */
  sensor: UserCounters | undefined;
  processTable: { size: number; live: number; exited: number; unknownPidEvents: number; evicted: number };
  containers: ResolverCounters & { cached: number };
  /** Cluster identity from the Kubernetes API (src/k8s): where from, attempts, failures by cause. */
  kubernetes: ClusterIdentityCounters & { clusterId?: string; clusterName?: string };
  /** DNS (src/dns): messages, transactions, malformed, timeouts, answers cache, IoC matches. */
  dns?: DnsStageStats;
  holdQueue: number;
  /** Helpers restarted after they went down, and restart attempts that failed, by helper name. */
  helperRestarts: Record<string, number>;
  helperRestartFailures: Record<string, number>;
  /** Terminal output (src/agent/tty-output.ts), when on: records, batches, bytes kept and skipped. */
  ttyOutput?: TtyCounters & { pending: number };
  /** Kubernetes audit (src/k8s/audit), when followed: events, malformed, sessions attributed or not. */
  k8sAudit?: K8sAuditStats;
  outputs: Record<string, OutputStats>;
  rssBytes: number;
}

export function newCounters(): AgentCounters {
  return {
    eventsSeen: { fork: 0, exec: 0, exit: 0, setsid: 0, file: 0, network: 0, dns: 0, tty: 0 },
    docsEmitted: {},
    policyActions: {},
    policySkipped: 0,
    runtimeSetupDropped: 0,
    handleErrors: 0,
    unknownProcessFileEvents: 0,
    held: 0,
    heldIncomplete: 0,
    holdOverflow: 0,
    docsIncompleteMetadata: 0,
    startupQueued: 0,
    startupDropped: 0,
    endsLogged: 0,
    endsSkipped: 0,
    rulesEvents: 0,
    ruleDetections: 0,
    ruleSuppressed: 0,
    ruleExcepted: 0,
    enforceDenied: 0,
    enforceMonitored: 0,
    enforceUnknownContext: 0,
    enforceWaived: 0,
    enforceLate: 0,
    enforceWatched: 0,
    enforceWatchErrors: 0,
    ...newDriftCounters(),
  };
}

/** A compact one-line summary for `--stats` on stderr. */
export function formatStats(s: AgentStats): string {
  const k = s.kernel;
  const drops = k ? Object.values(k.ringFull).reduce((a, b) => a + b, 0) : 0;
  const trunc = k ? k.truncatedStrings + k.truncatedPaths + k.truncatedArgv + k.pathDepthExceeded : 0;
  const parts = [
    `up=${s.uptimeSeconds}s`,
    `seen=${JSON.stringify(s.eventsSeen)}`,
    `emitted=${JSON.stringify(s.docsEmitted)}`,
    `kernel_drops=${drops}`,
    `truncations=${trunc}`,
    `decode_errors=${s.sensor?.decodeErrors ?? 0}`,
    `handle_errors=${s.handleErrors}`,
    `runtime_setup_dropped=${s.runtimeSetupDropped}`,
    `proc_table=${s.processTable.size}`,
    `container_lookups=${s.containers.lookups}(miss ${s.containers.misses}, timeouts ${s.containers.timeouts}, unreachable ${s.containers.unreachable})`,
    `held=${s.held}(incomplete ${s.heldIncomplete}, queue ${s.holdQueue})`,
    `policy=${JSON.stringify(s.policyActions)}`,
    `outputs=${Object.entries(s.outputs)
      .map(
        ([n, o]) =>
          `${n}:${o.docsWritten}w/${Object.values(o.docsDropped).reduce((a, b) => a + b, 0)}d/q${o.queueDepth}`,
      )
      .join(',')}`,
    `detections=${s.ruleDetections}`,
  ];
  if (s.driftByWrite + s.driftByUpperLayer > 0 || s.driftMountinfoFailures > 0)
    parts.push(
      `drift=write ${s.driftByWrite}, upper ${s.driftByUpperLayer}, mountinfo_failures ${s.driftMountinfoFailures}`,
    );
  const kube = s.kubernetes;
  if (kube.source !== 'none')
    parts.push(`kubernetes=${kube.source}(cluster ${kube.clusterId ?? '?'}, failures ${kube.failures})`);
  const a = s.k8sAudit;
  if (a)
    parts.push(
      `k8s_audit=events ${a.events}, malformed ${a.malformed}, attributed ${a.attributed}, unattributed ${a.unattributed}`,
    );
  const restarts = Object.entries(s.helperRestarts);
  if (restarts.length > 0)
    parts.push(
      `helper_restarts=${restarts.map(([n, c]) => `${n} ${c}${s.helperRestartFailures[n] ? ` (failed ${s.helperRestartFailures[n]})` : ''}`).join(', ')}`,
    );
  const h = s.enforceHelper;
  if (h || s.enforceWatched > 0 || s.enforceDenied > 0 || s.enforceMonitored > 0)
    parts.push(
      `enforce=denied ${s.enforceDenied}, monitored ${s.enforceMonitored}, watched ${s.enforceWatched}, waived ${s.enforceWaived}, late ${s.enforceLate}`,
    );
  // What the helper let through (or refused) without the agent's answer: fail-open made visible.
  if (h)
    parts.push(
      `enforce_helper=asked ${h.asked}, timeout_allowed ${h.timeoutAllowed}, timeout_denied ${h.timeoutDenied}, late ${h.lateAnswers}, busy ${h.agentBusy}, overflow ${h.overflow}, errors ${h.errors}, not_watched ${h.notWatched}`,
    );
  return `d4c agent stats: ${parts.join(' ')}`;
}
