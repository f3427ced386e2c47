// The decision of one request, on the decision thread: the request's path and operation, the
// container facts pushed by the agent (by cgroup path) and the process facts read from /proc,
// through the blocking part of the compiled policy. Nothing here waits: a cgroup whose facts
// have not arrived is decided without them (`unknownMetadata`, only when they could matter)
// and asked for once in a while.
import {
  type CompiledPolicy,
  compilePolicy,
  type Decision,
  type Policy,
  type PolicyEvent,
} from '../policy/index.js';
import { sessionInteractive } from './proc-facts.js';
import { KIND_EXEC, type Request } from './protocol.js';
import {
  type ContainerFacts,
  type DeniedInfo,
  type EnforcerStats,
  LATENCY_BUCKETS_US,
  type Report,
  type ThreadInit,
} from './types.js';
import { metadataDependence, PROC_CONDITIONS, wantsTty } from './unknown-metadata.js';

/** Cgroups whose facts are kept (then forgotten and asked again). */
const MAX_CONTAINERS = 16_384;
/** A cgroup still unknown is asked about again after this long. */
export const ASK_AGAIN_MS = 1000;

export function wantsOf(p: CompiledPolicy): string {
  const write = p.wants('file', 'modifyFile') || p.wants('file', 'modifyExecutable');
  const exec = p.wants('process', 'exec');
  return write && exec ? 'both' : write ? 'write' : exec ? 'exec' : 'none';
}

export interface Outcome {
  /** The answer line for the helper. */
  line: string;
  report?: { report: Report; info: DeniedInfo };
  /** Ask the agent for this cgroup's facts. */
  ask?: string;
}

export class Decider {
  private blocking!: CompiledPolicy;
  // Sections whose blocks could change once the container's facts are known.
  private dependence!: { file: boolean; process: boolean };
  private tty = false;
  monitoring: boolean;
  private readonly containers = new Map<string, ContainerFacts>();
  private readonly asked = new Map<string, number>();
  private readonly st = {
    requests: 0,
    allowed: 0,
    denied: 0,
    monitored: 0,
    unknownMetadata: 0,
    waived: 0,
    late: 0,
  };
  private readonly latency = new Array<number>(LATENCY_BUCKETS_US.length).fill(0);

  constructor(
    private readonly init: Omit<ThreadInit, 'helper' | 'args'>,
    private readonly procRoot = '/proc',
  ) {
    this.monitoring = init.monitoring;
    this.setPolicy(init.policy);
  }

  /** Compiles the blocking policy; returns the helper's `want` for it. */
  setPolicy(policy: Policy): string {
    this.blocking = compilePolicy(policy).blockingOnly();
    this.dependence = metadataDependence(this.blocking.policy, PROC_CONDITIONS);
    this.tty = wantsTty(this.blocking.policy);
    return wantsOf(this.blocking);
  }

  /**
   * True for a cgroup never asked about (now recorded as asked): its first requests may wait for
   * the answer a moment (thread.ts); later ones are decided at once.
   */
  firstSight(cgroupPath: string, now: number): boolean {
    if (this.containers.has(cgroupPath) || this.asked.has(cgroupPath)) return false;
    this.shouldAsk(cgroupPath, now);
    return true;
  }

  setContainer(cgroupPath: string, facts: ContainerFacts): void {
    if (this.containers.size >= MAX_CONTAINERS && !this.containers.has(cgroupPath)) this.containers.clear();
    this.containers.set(cgroupPath, facts);
    this.asked.delete(cgroupPath);
  }

  stats(): Omit<EnforcerStats, 'callbackErrors' | 'decodeErrors' | 'helper'> {
    return { ...this.st, latencyUs: [...this.latency] };
  }

  decide(req: Request): Outcome {
    const t0 = performance.now();
    if (this.init.delayMs > 0) while (performance.now() - t0 < this.init.delayMs) {}
    this.st.requests++;
    const exec = req.kind === KIND_EXEC;
    const facts = this.containers.get(req.cgroupPath);
    const interactive = this.tty ? sessionInteractive(req.pid, this.procRoot) : undefined;
    const proc = interactive === undefined ? undefined : { sessionLeaderInteractive: interactive };
    let event: PolicyEvent;
    if (exec) {
      // The process after the exec: its executable is the file being executed.
      event = {
        ...facts,
        ...proc,
        section: 'process',
        operation: 'exec',
        processExecutable: req.path,
        processName: req.path.slice(req.path.lastIndexOf('/') + 1),
      };
    } else {
      const executable = (req.mode & 0o170000) === 0o100000 && (req.mode & 0o111) !== 0;
      event = {
        ...facts,
        ...proc,
        section: 'file',
        operation: executable ? 'modifyExecutable' : 'modifyFile',
        filePath: req.path,
      };
    }
    const decision = this.blocking.decide(event);
    let deny = decision.actions.includes('block');
    const unknown = facts === undefined;
    let waived = false;
    let ask: string | undefined;
    if (unknown) {
      this.st.unknownMetadata++;
      // Waived only when the missing facts could change the answer (issue 22, #6).
      waived = deny && !this.init.unknownDeny && this.dependence[exec ? 'process' : 'file'];
      if (waived) {
        deny = false;
        this.st.waived++;
      }
      ask = this.shouldAsk(req.cgroupPath, t0);
    }
    // Past the deadline the helper has answered (or is about to) by its fail mode: the verdict
    // sent is the fail mode's, so what is reported is what happened whichever comes first.
    const failClosed = this.init.failClosed;
    const late = process.hrtime.bigint() >= req.deadlineNs;
    if (late) this.st.late++;
    const enforced = late ? failClosed && deny && !this.monitoring : deny && !this.monitoring;
    const line = `${(late ? failClosed : enforced) ? 'd' : 'a'} ${req.id}\n`;
    if (enforced) this.st.denied++;
    else this.st.allowed++;
    if (deny && this.monitoring) this.st.monitored++;
    const us = (performance.now() - t0) * 1000;
    let b = 0;
    while (us > LATENCY_BUCKETS_US[b]!) b++;
    this.latency[b]!++;
    const out: Outcome = { line };
    if (ask !== undefined) out.ask = ask;
    const info = (enforced_: boolean, unknown_: boolean) =>
      infoOf(req, exec, event, decision, enforced_, unknown_);
    if (late && deny && !failClosed && !this.monitoring)
      out.report = { report: 'late', info: info(false, unknown) };
    else if (deny) out.report = { report: 'denied', info: info(enforced, unknown) };
    else if (waived) out.report = { report: 'waived', info: info(false, true) };
    return out;
  }

  private shouldAsk(cgroupPath: string, now: number): string | undefined {
    const at = this.asked.get(cgroupPath);
    if (at !== undefined && now - at < ASK_AGAIN_MS) return undefined;
    if (this.asked.size >= MAX_CONTAINERS) this.asked.clear();
    this.asked.set(cgroupPath, now);
    return cgroupPath;
  }
}

function infoOf(
  req: Request,
  exec: boolean,
  event: PolicyEvent,
  decision: Decision,
  enforced: boolean,
  unknownMetadata: boolean,
): DeniedInfo {
  return {
    kind: exec ? 'exec' : 'open-write',
    pid: req.pid,
    tid: req.tid,
    path: req.path,
    mode: req.mode,
    flags: req.flags,
    cgroupPath: req.cgroupPath,
    event,
    decision,
    enforced,
    unknownMetadata,
    time: new Date(),
  };
}
