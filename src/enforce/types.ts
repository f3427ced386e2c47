// What the enforcer's two threads share: the facts pushed to the decision thread, what comes
// back (denied, waived and late attempts, stats) and the messages between them (thread.ts).
import type { Decision, Policy, PolicyEvent } from '../policy/index.js';
import type { HelperCounters } from './protocol.js';

/**
 * A cgroup's container and Kubernetes facts, as the policy's conditions read them; `{}` for a
 * cgroup outside any container. Pushed from the agent's caches to the decision thread.
 */
export type ContainerFacts = Pick<
  PolicyEvent,
  | 'containerImageFullName'
  | 'containerImageTag'
  | 'kubernetesClusterId'
  | 'kubernetesClusterName'
  | 'kubernetesNamespace'
  | 'kubernetesPodName'
  | 'kubernetesPodLabels'
>;

export interface DeniedInfo {
  kind: 'open-write' | 'exec';
  pid: number;
  tid: number;
  path: string;
  /** st_mode of the file (type and permission bits). */
  mode: number;
  /** open(2) flags of the caller (0 for exec). */
  flags: number;
  cgroupPath: string;
  event: PolicyEvent;
  decision: Decision;
  /** false in monitoring mode: the operation went through. */
  enforced: boolean;
  /** true when the container was not known (`unknownMetadata: deny` decided, or the block was waived). */
  unknownMetadata: boolean;
  time: Date;
}

/** Latency buckets (µs) of the decision on the decision thread (facts, policy). */
export const LATENCY_BUCKETS_US = [10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 50000, Infinity];

export interface EnforcerStats {
  requests: number;
  allowed: number;
  denied: number;
  /** Would have been denied, allowed by monitoring mode. */
  monitored: number;
  /** Requests decided while their container's facts were not known. */
  unknownMetadata: number;
  /** Blocks waived because the context was unknown and the decision depended on it. */
  waived: number;
  /**
   * Decisions made after the helper's deadline (the request's `deadlineNs`): the fail mode had
   * answered, so the verdict sent is the fail mode's and a block is not reported as denied.
   */
  late: number;
  /** onDenied (onWaived, onLate) threw (the verdict had been sent). */
  callbackErrors: number;
  decodeErrors: number;
  /** Counts per LATENCY_BUCKETS_US bucket. */
  latencyUs: number[];
  /** The helper's own counters (fast-path answers, timeouts per fail mode, overflow). */
  helper: HelperCounters;
}

/** The decision thread's start (workerData). */
export interface ThreadInit {
  helper: string;
  args: string[];
  /** The blocking part of the policy (compiled on the thread). */
  policy: Policy;
  monitoring: boolean;
  unknownDeny: boolean;
  failClosed: boolean;
  /** Tests: a slow decider (spins this long before each decision). */
  delayMs: number;
  /** How long the first requests of a cgroup never seen wait for its facts (thread.ts). */
  firstWaitMs: number;
}

export type ToThread =
  | { t: 'line'; line: string }
  | { t: 'policy'; policy: Policy }
  | { t: 'monitoring'; on: boolean }
  | { t: 'container'; cgroupPath: string; facts: ContainerFacts }
  | { t: 'stats' }
  | { t: 'stop' };

export type Report = 'denied' | 'waived' | 'late';

export type FromThread =
  | { t: 'spawned'; pid: number | undefined }
  | { t: 'spawnError'; message: string }
  | { t: 'ready' }
  | { t: 'exit'; code: number | null; signal: string | null; stderr: string }
  | { t: 'marked'; token: number; errno: number; count: number }
  | { t: 'stats'; stats: Omit<EnforcerStats, 'callbackErrors'> }
  | { t: 'report'; report: Report; info: DeniedInfo }
  /** A cgroup the thread has no facts for (it decided without them meanwhile). */
  | { t: 'ask'; cgroupPath: string };
