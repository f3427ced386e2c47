// The agent's counters as the metrics endpoint and the metrics documents want them. Read once per
// scrape or period from agent.stats(); nothing here runs on the event path.
import type { AgentMetrics } from '../ecs/index.js';
import type { HelperCounters } from '../enforce/index.js';
import type { AgentStatsSnapshot } from '../metrics/index.js';
import { KERNEL_COUNTER_NAMES, KERNEL_DROP_LABELS } from '../sensor/index.js';
import type { AgentStats } from './stats.js';

/** The helper's counters exported (pendingMax is a high-water mark, not a count). */
const HELPER_EXPORTED: readonly (keyof HelperCounters)[] = [
  'asked',
  'answeredAllow',
  'answeredDeny',
  'timeoutAllowed',
  'timeoutDenied',
  'lateAnswers',
  'agentBusy',
  'overflow',
  'errors',
  'notWatched',
  'allowedHost',
  'allowedCreate',
  'autoMarked',
];
const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function kernelDrops(s: AgentStats): Record<string, number> {
  const k = s.kernel;
  if (!k) return {};
  const out: Record<string, number> = {};
  for (const [kind, n] of Object.entries(k.ringFull)) out[`ring_full_${kind}`] = n;
  for (const name of KERNEL_COUNTER_NAMES) {
    const label = KERNEL_DROP_LABELS[name];
    if (label) out[label] = k[name];
  }
  return out;
}

function userDrops(s: AgentStats): Record<string, number> {
  return {
    startup_queue_full: s.startupDropped,
    handle_errors: s.handleErrors,
    hold_overflow: s.holdOverflow,
  };
}

/** Policy decisions summed by action (`exec.log` + `createFile.log` → `log`). */
function byAction(p: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, n] of Object.entries(p)) {
    const a = k.slice(k.lastIndexOf('.') + 1);
    out[a] = (out[a] ?? 0) + n;
  }
  return out;
}

function containerMetadata(s: AgentStats): Record<string, number> {
  const c = s.containers;
  return {
    lookups: c.lookups,
    hits: c.hits,
    misses: c.misses,
    not_found: c.notFound,
    timeouts: c.timeouts,
    source_failures: c.sourceFailures,
    unreachable: c.unreachable,
    watch_failures: c.watchFailures,
    held_timeouts: c.heldTimeouts,
    start_events: c.startEvents,
    die_events: c.dieEvents,
    evictions: c.evictions,
  };
}

function kubernetesApi(s: AgentStats): Record<string, number> {
  const k = s.kubernetes;
  return {
    success: k.successes,
    unreachable: k.unreachable,
    unauthorized: k.unauthorized,
    forbidden: k.forbidden,
    not_found: k.notFound,
    timeout: k.timeouts,
    other_error: k.otherErrors,
    optional_failure: k.optionalFailures,
  };
}

function k8sAudit(s: AgentStats): Record<string, number> | undefined {
  const a = s.k8sAudit;
  if (!a) return undefined;
  return {
    events: a.events,
    malformed: a.malformed,
    requests: a.requests,
    attributed: a.attributed,
    unattributed: a.unattributed,
    unmatched_requests: a.unmatchedRequests,
    docs_stamped: a.docsStamped,
  };
}

function enforcement(s: AgentStats): Record<string, number> {
  const out: Record<string, number> = {
    fanotify_denied: s.enforceDenied,
    fanotify_monitored: s.enforceMonitored,
    fanotify_unknown_context: s.enforceUnknownContext,
    fanotify_waived: s.enforceWaived,
    fanotify_late: s.enforceLate,
  };
  // The helper's own answers (no agent verdict in time, queue full, …): fail-open made visible.
  const h = s.enforceHelper;
  if (h) for (const k of HELPER_EXPORTED) out[`helper_${snake(k)}`] = h[k];
  const c = s.connectBlock;
  if (c) {
    out.connect_denied = c.denied;
    out.connect_monitored = c.monitored;
    out.connect_uncovered = c.uncovered;
    out.connect_attach_errors = c.ownErrors;
  }
  return out;
}

function rules(s: AgentStats): Record<string, number> {
  const out: Record<string, number> = {
    events: s.rulesEvents,
    detections: s.ruleDetections,
    suppressed: s.ruleSuppressed,
    excepted: s.ruleExcepted,
  };
  const sr = s.scheduledRules;
  if (sr) {
    out.scheduled_runs = sr.rules.reduce((a, r) => a + r.runs, 0);
    out.scheduled_errors = sr.rules.reduce((a, r) => a + r.errors, 0);
    out.scheduled_suppressed = sr.suppressed;
  }
  return out;
}

export function metricsSnapshot(s: AgentStats, extraUserDrops?: Record<string, number>): AgentStatsSnapshot {
  return {
    kernelDrops: kernelDrops(s),
    userDrops: { ...userDrops(s), ...extraUserDrops },
    decodeErrors: { sensor: s.sensor?.decodeErrors ?? 0 },
    eventsByType: s.eventsSeen,
    docsByStream: s.docsEmitted,
    policyActions: byAction(s.policyActions),
    containerMetadata: containerMetadata(s),
    kubernetesApi: kubernetesApi(s),
    ...(s.k8sAudit ? { k8sAudit: k8sAudit(s) } : {}),
    enforcement: enforcement(s),
    rules: rules(s),
    outputs: s.outputs,
    processTableSize: s.processTable.size,
    helperRestarts: s.helperRestarts,
  };
}

export function agentMetrics(s: AgentStats): AgentMetrics {
  return {
    eventsSeen: s.eventsSeen,
    docsEmitted: s.docsEmitted,
    kernelDrops: kernelDrops(s),
    userDrops: userDrops(s),
    processTableSize: s.processTable.size,
    processTableEvicted: s.processTable.evicted,
    rssBytes: s.rssBytes,
    uptimeSeconds: s.uptimeSeconds,
  };
}
