// One held event → its policy decision and its document: the step between the metadata hold
// queue (hold.ts) and the outputs. Builds nothing for events no response wants.
import type { CgroupIdentity } from '../container/index.js';
import {
  type BlockFailure,
  type EcsBuilder,
  type EcsDocument,
  type FileChange,
  filePolicyEvent,
  type NetworkActivity,
  networkPolicyEvent,
  type PolicyOutcome,
  type ProcessInfo,
  processPolicyEvent,
} from '../ecs/index.js';
import type { Action, CompiledPolicy, Decision } from '../policy/index.js';
import type { ProcessEntry } from '../process/index.js';
import type { ConnectEnforcement } from './connect-enforcement.js';
import { type ContainerCtx, mountKind } from './context.js';
import type { BlockMode, BlockOutcome } from './enforcement.js';
import type { AgentCounters } from './stats.js';

/** What every held event carries: the acting process, when, and its container (if any). */
interface HeldBase {
  info: ProcessInfo;
  /** Undefined: the decision is now (a denied attempt; the build time is @timestamp). */
  timeNs: bigint | undefined;
  /** Undefined only for a denial by a process the table does not know. */
  entry: ProcessEntry | undefined;
  cid: string | undefined;
  identity: CgroupIdentity | undefined;
  held: boolean;
  /** A denial by the enforcer: its decision, taken there (no policy decision here). */
  denied?: PolicyOutcome;
}

export type Held =
  | (HeldBase & {
      kind: 'process';
      action: 'fork' | 'exec' | 'end';
      /** cloud_defend.hook_point (HOOK, or the enforcer's). */
      hook: string;
    })
  | (HeldBase & {
      kind: 'file';
      file: FileChange;
      /** cloud_defend.hook_point (sensor fileHookPoint). */
      hook: string;
    })
  | (HeldBase & {
      kind: 'network';
      network: NetworkActivity;
      /** An EPERM connect (or send to an address) from a cgroup our connect filter covers. */
      covered: boolean;
      /** cloud_defend.hook_point (networkHook). */
      hook: string;
    });

const LOG_ALL: PolicyOutcome = Object.freeze({ matchedSelectors: [], actions: ['log'] }) as PolicyOutcome;

export const HOOK = {
  fork: 'tracepoint__sched_process_fork',
  exec: 'tracepoint__sched_process_exec',
  end: 'tracepoint__sched_process_exit',
} as const;

/** What building a document needs of the agent. */
export interface DocumentDeps {
  readonly policy: CompiledPolicy;
  readonly builder: EcsBuilder;
  readonly c: AgentCounters;
  /** Process entries whose fork/exec was logged: their end is logged with that decision. */
  readonly logged: WeakMap<ProcessEntry, PolicyOutcome>;
  readonly logAllNetwork: boolean;
  readonly connects: () => ConnectEnforcement | undefined;
  /** block_mode of an operation that happened although a `block` matched (monitoring, failed open). */
  readonly passedBlock: (
    outcome: PolicyOutcome,
    op: string,
    pid: number,
    path: string | undefined,
  ) => BlockOutcome | undefined;
}

/** The event's document and the decision it carries; undefined when no response wants it. */
export function buildDocument(
  d: DocumentDeps,
  h: Held,
  ctx: ContainerCtx | undefined,
  complete: boolean,
): { doc: EcsDocument; outcome: PolicyOutcome } | undefined {
  let doc: EcsDocument;
  let outcome: PolicyOutcome;
  if (h.kind === 'process') {
    const input = {
      timeNs: h.timeNs,
      process: h.info,
      container: ctx?.container,
      orchestrator: ctx?.orchestrator,
      hookPoint: h.hook,
      policy: undefined as PolicyOutcome | undefined,
      metadataComplete: complete,
      blockMode: undefined as BlockMode | undefined,
      blockFailure: undefined as BlockFailure | undefined,
    };
    if (h.denied) outcome = h.denied;
    else if (h.action === 'end') {
      const started = h.entry && d.logged.get(h.entry);
      if (!started) {
        d.c.endsSkipped++;
        return undefined;
      }
      outcome = started;
    } else {
      const dec = d.policy.decide(processPolicyEvent(h.action, input));
      countDecision(d.c, h.action, dec.actions);
      if (dec.actions.length === 0) return undefined;
      outcome = { matchedSelectors: dec.matchedSelectors, actions: dec.actions };
    }
    input.policy = outcome;
    if (h.denied) input.blockMode = 'enforce';
    else setPassed(input, d.passedBlock(outcome, h.action, h.info.pid, h.info.executable));
    doc =
      h.action === 'fork'
        ? d.builder.processForkDoc(input)
        : h.action === 'exec'
          ? d.builder.processExecDoc(input)
          : d.builder.processEndDoc(input);
    if (h.action === 'end') d.c.endsLogged++;
  } else if (h.kind === 'network') {
    const input = {
      timeNs: h.timeNs,
      process: h.info,
      network: h.network,
      container: ctx?.container,
      orchestrator: ctx?.orchestrator,
      hookPoint: h.hook,
      policy: undefined as PolicyOutcome | undefined,
      metadataComplete: complete,
      blockMode: undefined as BlockMode | undefined,
    };
    const dec = iocAlert(d.policy.decide(networkPolicyEvent(input)), h.network.iocDomain);
    countDecision(d.c, h.network.operation, dec.actions);
    if (dec.actions.length > 0) outcome = { matchedSelectors: dec.matchedSelectors, actions: dec.actions };
    else if (d.logAllNetwork) outcome = LOG_ALL;
    else return undefined;
    // The connect filter refused it (a `denied` alert), or --monitoring let it through.
    input.blockMode = d.connects()?.blockMode(h.network, dec.actions, h.cid !== undefined, h.covered);
    if (input.blockMode === 'enforce') outcome = { ...outcome, blocked: true };
    input.policy = outcome;
    doc = d.builder.networkDoc(input);
  } else {
    const file = h.file;
    if (ctx?.meta) {
      const m = mountKind(ctx.meta, file.path);
      if (m !== undefined) file.mount = m;
    }
    const input = {
      timeNs: h.timeNs,
      process: h.info,
      file,
      container: ctx?.container,
      orchestrator: ctx?.orchestrator,
      hookPoint: h.hook,
      policy: undefined as PolicyOutcome | undefined,
      metadataComplete: complete,
      blockMode: undefined as BlockMode | undefined,
      blockFailure: undefined as BlockFailure | undefined,
    };
    if (h.denied) {
      outcome = h.denied;
      input.blockMode = 'enforce';
    } else {
      const dec = d.policy.decide(filePolicyEvent(input));
      countDecision(d.c, file.operation, dec.actions);
      if (dec.actions.length === 0) return undefined;
      outcome = { matchedSelectors: dec.matchedSelectors, actions: dec.actions };
      setPassed(input, d.passedBlock(outcome, file.operation, h.info.pid, file.path));
    }
    input.policy = outcome;
    doc = d.builder.fileDoc(input);
  }
  return { doc, outcome };
}

/** The selector name an `--ioc-domains` match adds to cloud_defend.matched_selectors. */
export const IOC_SELECTOR = 'ioc-domains';

/** A DNS question or connect that matched the IoC domain list alerts whatever the policy says. */
function iocAlert(dec: Decision, ioc: string | undefined): Decision {
  if (ioc === undefined) return dec;
  const actions: Action[] = dec.actions.includes('alert') ? dec.actions : [...dec.actions, 'alert'];
  return { actions, matchedSelectors: [...dec.matchedSelectors, IOC_SELECTOR] };
}

function setPassed(
  input: { blockMode: BlockMode | undefined; blockFailure: BlockFailure | undefined },
  b: BlockOutcome | undefined,
): void {
  if (!b) return;
  input.blockMode = b.mode;
  if (b.failure) input.blockFailure = b.failure;
}

/** Counts a decision as `op.action` for each action, `op.none` when there is none. */
export function countDecision(c: AgentCounters, op: string, actions: readonly string[]): void {
  const p = c.policyActions;
  if (actions.length === 0) {
    const k = `${op}.none`;
    p[k] = (p[k] ?? 0) + 1;
    return;
  }
  for (const a of actions) {
    const k = `${op}.${a}`;
    p[k] = (p[k] ?? 0) + 1;
  }
}
