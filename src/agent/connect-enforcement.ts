// `block` on network `connect` in the agent (issue 8): the policy's blocking network responses
// become the kernel's cgroup connect4/connect6 filter (src/enforce/connect-block.ts), attached
// to container cgroups only, and the sensor's EPERM connect records become the `denied` alerts.
// See docs/enforce.md "Outbound connects and binds".
//
// Where it attaches: to the container runtimes' parent cgroups that exist (libpod_parent,
// kubepods, ...): a filter there is inherited by every container cgroup created below it,
// before the container's first instruction, so no connect slips through while the agent
// learns of a new container. A container whose cgroup is under none of them (docker's or
// podman's systemd driver: system.slice/docker-<id>.scope, machine.slice/libpod-<id>.scope,
// which hold host services and VMs too) gets a filter of its own at its first exec the agent
// sees (a short window at start is not covered; docs say so). Host processes are never
// attached: only cgroups the resolver calls a container's.

import { existsSync, statSync } from 'node:fs';
import { cgroupOf, cgroupV2Root } from '../container/index.js';
import type { NetworkActivity } from '../ecs/index.js';
import {
  type ConnectBlocker,
  type EnforcementReport,
  type Enforcer,
  enforcementReport,
  startConnectBlock,
} from '../enforce/index.js';
import type { Policy } from '../policy/index.js';
import type { BlockMode, EnforceOptions } from './enforcement.js';

/** Parents that hold only containers, relative to the cgroup v2 root. */
export const RUNTIME_PARENTS: readonly string[] = Object.freeze([
  'libpod_parent', // podman, cgroupfs manager
  'kubepods', // kubelet, cgroupfs driver
  'kubepods.slice', // kubelet, systemd driver
  'docker', // docker, cgroupfs driver
  'k8s.io', // containerd's namespace without a cgroup parent (ctr, the lab)
]);
/** Filters of their own (one helper each) beyond which containers are alerted only. */
const MAX_OWN = 128;

export interface ConnectEnforcementOptions {
  policy: Policy;
  /** --monitoring: no filter, the connect goes through, its alert says `monitoring`. */
  monitoring: boolean;
  /** The cgroup v2 mount (default: found in /proc/self/mountinfo). */
  cgroupRoot?: string;
  parents?: readonly string[];
  helper?: string;
  onWarning: (m: string) => void;
}

export interface ConnectEnforcementStats {
  /** Connect records turned into `denied` alerts (the filter refused them). */
  denied: number;
  /** Blocking connects let through by --monitoring. */
  monitored: number;
  /** Blocking connects of a container no filter covered (alert without a block claim). */
  uncovered: number;
  /** Container cgroups with a filter of their own; failures to attach one. */
  ownAttached: number;
  ownErrors: number;
  ownOverCap: number;
}

/** Which blockers the policy needs: the connect filter (network), fanotify (process, file). */
export function policyBlocks(policy: Policy): { network: boolean; other: boolean } {
  const blocks = (s: 'process' | 'file' | 'network') =>
    policy[s]?.responses.some((r) => r.actions.includes('block')) === true;
  return { network: blocks('network'), other: blocks('process') || blocks('file') };
}

/** What the agent's blockers prevent, for the start-up report. */
export interface AgentEnforcement {
  /** `fanotify`, `cgroup connect filter`. */
  backends: string[];
  /** Operations a `block` prevents (in containers, for connect). */
  enforced: string[];
  /** Operations a `block` only alerts on here. */
  alertOnly: string[];
  note: string;
  monitoring: boolean;
  /** Where the connect filter is attached (cgroup v2 paths). */
  connectCgroups?: string[];
}

export function agentEnforcement(
  fan: Enforcer | undefined,
  connects: ConnectEnforcement | undefined,
): AgentEnforcement | undefined {
  if (fan === undefined && connects === undefined) return undefined;
  const base: EnforcementReport = fan?.report ?? enforcementReport();
  const out: AgentEnforcement = {
    backends: fan ? [fan.report.backend] : [],
    enforced: fan ? [...base.enforced] : [],
    alertOnly: fan ? [...base.alertOnly] : [],
    note: fan ? base.note : '',
    monitoring: fan?.monitoring === true || connects?.monitoring === true,
  };
  if (connects) {
    out.backends.push('cgroup connect filter');
    out.enforced.push('connect', 'bind');
    out.alertOnly.push('accept', 'listen');
    out.connectCgroups = connects.attached;
    out.note +=
      (out.note ? '; ' : '') +
      'connect and bind are denied for container processes only (host processes are never filtered); accept and listen have no veto hook (the validator refuses block on them)';
  }
  return out;
}

export class ConnectEnforcement {
  readonly counters: ConnectEnforcementStats = {
    denied: 0,
    monitored: 0,
    uncovered: 0,
    ownAttached: 0,
    ownErrors: 0,
    ownOverCap: 0,
  };
  /** Parent cgroups (relative, leading slash) with their filter. */
  private readonly parents = new Map<string, ConnectBlocker>();
  /** Container id → its own filter (cgroup outside every parent). */
  private readonly own = new Map<string, { path: string; blocker: Promise<ConnectBlocker | undefined> }>();
  private readonly ownPaths = new Set<string>();
  private stopped = false;

  private constructor(
    private readonly o: ConnectEnforcementOptions,
    private readonly root: string,
  ) {}

  /**
   * Attaches the filter to every runtime parent that exists (none with --monitoring). Throws
   * D4C-ENF-030/031 (startConnectBlock) when the filter cannot run: the agent must not claim it.
   */
  static async start(o: ConnectEnforcementOptions): Promise<ConnectEnforcement> {
    const root = o.cgroupRoot ?? cgroupV2Root() ?? '/sys/fs/cgroup/unified';
    const ce = new ConnectEnforcement(o, root);
    if (o.monitoring) return ce;
    try {
      for (const p of o.parents ?? RUNTIME_PARENTS) {
        const dir = `${root}/${p}`;
        if (!isDir(dir)) continue;
        ce.parents.set(`/${p}`, await startConnectBlock({ policy: o.policy, cgroupDir: dir, ...helper(o) }));
      }
    } catch (e) {
      await ce.stop();
      throw e;
    }
    return ce;
  }

  /** The agent's filter from its options; warns when blocks would go unreported (--no-network). */
  static async forAgent(
    policy: Policy,
    e: EnforceOptions,
    networkRecords: boolean,
    warn: (m: string) => void,
  ): Promise<ConnectEnforcement> {
    const ce = await ConnectEnforcement.start({
      policy,
      monitoring: e.monitoring === true,
      onWarning: warn,
      ...(e.connectHelper ? { helper: e.connectHelper } : {}),
    });
    // Not silently: the kernel blocks, but without network records there is no denied alert.
    if (!networkRecords && !ce.monitoring) warn('--no-network: blocked connects are denied but not reported');
    return ce;
  }

  /** Containers running at start: those outside every parent get their own filter. */
  attachRunning(containers: Iterable<{ identity: { id: string }; pids: readonly number[] }>): void {
    for (const c of containers) {
      const cg = c.pids[0] === undefined ? undefined : cgroupOf(c.pids[0]);
      if (cg !== undefined) this.onContainer(c.identity.id, cg);
    }
  }

  get monitoring(): boolean {
    return this.o.monitoring;
  }

  /** Where the filter is attached (relative cgroup paths), for the start-up report and tests. */
  get attached(): string[] {
    return [...this.parents.keys(), ...this.ownPaths];
  }

  /** Pids of the filter helpers (their links are the attachments). */
  async helperPids(): Promise<number[]> {
    const own = await Promise.all([...this.own.values()].map((v) => v.blocker));
    return [...this.parents.values(), ...own.filter((b) => b !== undefined)].map((b) => b.helperPid);
  }

  /** Whether a connect from this cgroup went through one of our filters. */
  covers(cgroupPath: string): boolean {
    for (const p of this.parents.keys()) if (under(cgroupPath, p)) return true;
    for (const p of this.ownPaths) if (under(cgroupPath, p)) return true;
    return false;
  }

  /**
   * A container the agent sees acting (its first exec): outside every parent, it gets a filter
   * of its own. `cgroupPath` is relative to the v2 root, as the sensor reports it.
   */
  onContainer(id: string, cgroupPath: string): void {
    if (this.o.monitoring || this.stopped || this.own.has(id) || this.covers(cgroupPath)) return;
    if (this.own.size >= MAX_OWN) {
      this.counters.ownOverCap++;
      return;
    }
    const blocker = startConnectBlock({
      policy: this.o.policy,
      cgroupDir: `${this.root}${cgroupPath}`,
      ...helper(this.o),
    }).then(
      (b) => {
        this.counters.ownAttached++;
        this.ownPaths.add(cgroupPath);
        if (this.stopped) void b.stop();
        return b;
      },
      (e: unknown) => {
        this.counters.ownErrors++;
        this.o.onWarning(
          `connect block: container ${id.slice(0, 12)}: ${e instanceof Error ? e.message : String(e)}`,
        );
        return undefined;
      },
    );
    this.own.set(id, { path: cgroupPath, blocker });
  }

  /** The container is gone: its own filter (if any) goes with it. */
  forget(id: string): void {
    const o = this.own.get(id);
    if (!o) return;
    this.own.delete(id);
    this.ownPaths.delete(o.path);
    void o.blocker.then((b) => b?.stop());
  }

  /**
   * block_mode of a network document the policy decided on: `enforce` for a container's connect
   * that our filter refused (the record's EPERM under a covered cgroup: the filter holds exactly
   * the policy's blocking rules, and it runs before anything else could refuse), `monitoring`
   * for a container's blocking connect let through by --monitoring; otherwise none (the alert
   * claims no block: host processes, containers no filter covers).
   */
  blockMode(
    n: NetworkActivity,
    actions: readonly string[] | undefined,
    inContainer: boolean,
    covered: boolean,
  ): BlockMode | undefined {
    if ((n.operation !== 'connect' && n.operation !== 'bind') || !inContainer || !actions?.includes('block'))
      return undefined;
    if (this.o.monitoring) {
      this.counters.monitored++;
      return 'monitoring';
    }
    if (n.errorCode === 'EPERM' && covered) {
      this.counters.denied++;
      return 'enforce';
    }
    if (!covered) this.counters.uncovered++;
    return undefined;
  }

  /** Detaches everything (each helper exits; its links go with it). */
  async stop(): Promise<void> {
    this.stopped = true;
    const own = [...this.own.values()].map((v) => v.blocker);
    this.own.clear();
    this.ownPaths.clear();
    const all = [...this.parents.values()];
    this.parents.clear();
    await Promise.all([...all.map((b) => b.stop()), ...own.map((p) => p.then((b) => b?.stop()))]);
  }
}

function helper(o: ConnectEnforcementOptions): { helper?: string } {
  return o.helper !== undefined ? { helper: o.helper } : {};
}

function under(path: string, dir: string): boolean {
  return path === dir || (path.startsWith(dir) && path.charCodeAt(dir.length) === 47); // '/'
}

function isDir(p: string): boolean {
  try {
    return existsSync(p) && statSync(p).isDirectory();
  } catch {
    return false;
  }
}
