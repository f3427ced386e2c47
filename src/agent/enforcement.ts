// Enforcement (the block action) seen from the agent: the policy's view of a process for the
// enforcer's synchronous decisions, and the facts of a denied attempt for its alert document.
// The enforcer itself (fanotify helper, decision) is src/enforce; docs/enforce.md.
import {
  type BlockFailure,
  type ContainerContext,
  type OrchestratorContext,
  type ProcessInfo,
  processPolicyEvent,
} from '../ecs/index.js';
import type { EventContext } from '../enforce/index.js';
import { type ProcessEntry, type ProcessTable, procExecutable } from '../process/index.js';

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
 * The policy fields of a process (executable, name, interactive session) and its container,
 * through the same function the event path uses, so both decide alike. A process the table does
 * not know yet (its exec record still in flight) is read from /proc: a decision cannot wait.
 */
export function policyContext(
  table: ProcessTable,
  pid: number,
  container: ContainerContext | undefined,
  orchestrator: OrchestratorContext | undefined,
): EventContext {
  const entry = table.get(pid);
  const process: ProcessInfo = entry ? policyProcess(table, entry) : procProcess(pid);
  const ev = processPolicyEvent('exec', {
    timeNs: 0n,
    process,
    container,
    orchestrator,
    hookPoint: '',
  });
  const { section: _s, operation: _o, ...rest } = ev;
  return rest;
}

function policyProcess(table: ProcessTable, e: ProcessEntry): ProcessInfo {
  const p: ProcessInfo = { pid: e.pid, entityId: '' };
  if (e.executable) p.executable = e.executable;
  if (e.name) p.name = e.name;
  const session = table.leaderOf(e, e.sid);
  if (session && (session.ttyMajor !== 0 || session.ttyMinor !== 0))
    p.sessionLeader = {
      pid: session.pid,
      entityId: '',
      tty: { major: session.ttyMajor, minor: session.ttyMinor },
    };
  else if (session) p.sessionLeader = { pid: session.pid, entityId: '' };
  return p;
}

/** The executable as the container sees it is not in /proc/PID/exe (host path); comm is close. */
function procProcess(pid: number): ProcessInfo {
  // Gone: the policy decides on the path alone.
  return { pid, entityId: '', ...procExecutable(pid) };
}
