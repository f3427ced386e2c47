// Enforcement (the block action) seen from the agent: the policy's view of a container for the
// enforcer's decision thread, and the facts of a denied attempt for its alert document.
// The enforcer itself (fanotify helper, decision) is src/enforce; docs/enforce.md.
import {
  type BlockFailure,
  type ContainerContext,
  type OrchestratorContext,
  processPolicyEvent,
} from '../ecs/index.js';
import type { ContainerFacts } from '../enforce/index.js';

export interface EnforceOptions {
  /** Every block becomes alert-only (the operation goes through; its document says so). */
  monitoring?: boolean;
  failMode?: 'fail-open' | 'fail-closed';
  deadlineMs?: number;
  unknownMetadata?: 'allow' | 'deny';
  /** Helper binary (default bpf/.output/d4c-enforcer). */
  helper?: string;
  /** Connect filter helper (default bpf/.output/d4c-connect-block). */
  connectHelper?: string;
}

/**
 * `cloud_defend.block_mode`: `enforce` (the attempt was denied), `monitoring` (it would have
 * been), `failed_open` (a block matched while enforcing, yet the operation went through).
 */
export type BlockMode = 'enforce' | 'monitoring' | 'failed_open';

/** The block_mode (and, when it failed open, why) of an operation the sensor saw happen. */
export interface BlockOutcome {
  mode: BlockMode;
  failure?: BlockFailure;
}

/**
 * The policy fields of a container and its pod for the enforcer's decision thread, through the
 * same function the event path uses, so both decide alike. The process facts (executable,
 * terminal) the thread reads from /proc itself, at the moment of the request.
 */
export function containerFacts(
  container: ContainerContext | undefined,
  orchestrator: OrchestratorContext | undefined,
): ContainerFacts {
  const ev = processPolicyEvent('exec', {
    timeNs: 0n,
    process: { pid: 0, entityId: '' },
    container,
    orchestrator,
    hookPoint: '',
  });
  const out: ContainerFacts = {};
  for (const k of FACTS) if (ev[k] !== undefined) (out as Record<string, unknown>)[k] = ev[k];
  return out;
}

const FACTS = [
  'containerImageFullName',
  'containerImageTag',
  'kubernetesClusterId',
  'kubernetesClusterName',
  'kubernetesNamespace',
  'kubernetesPodName',
  'kubernetesPodLabels',
] as const satisfies readonly (keyof ContainerFacts)[];
