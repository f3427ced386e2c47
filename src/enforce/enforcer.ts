// startEnforcer: runs the d4c-enforcer helper (fanotify permission events) and answers its
// requests from the blocking part of a compiled policy. The decision path is synchronous: no
// I/O, metadata comes from the agent's cache through `contextFor`, unknown metadata follows
// `unknownMetadata`. The helper applies the deadline and the fail mode on its side, so a slow
// or dead agent never leaves a process blocked (the kernel releases pending events when the
// helper's fanotify fd closes).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CompiledPolicy, Decision, PolicyEvent } from '../policy/index.js';
import { D4cError } from '../util/index.js';
import { type EnforcementReport, enforcementReport } from './caps.js';
import { ENFORCE_CODES } from './codes.js';
import { ENFORCER_EXIT_OTHER, ENFORCER_EXITS } from './exit-codes.js';
import { type Frame, FrameReader, type HelperCounters, KIND_EXEC, type Request } from './protocol.js';
import { metadataDependence } from './unknown-metadata.js';

export const DEFAULT_HELPER = fileURLToPath(new URL('../../bpf/.output/d4c-enforcer', import.meta.url));

/** Container/Kubernetes/process facts for an event, from the agent's caches. */
export type EventContext = Omit<PolicyEvent, 'section' | 'operation' | 'filePath'>;

export interface EnforcerOptions {
  /** The whole compiled policy; only its blocking responses are used. */
  policy: CompiledPolicy;
  /** The sensor's pin directory (`startSensor({ pinDir })`): the open flags come from there. */
  pinDir: string;
  /** Synchronous lookup in the agent's caches; undefined when the pid/cgroup is not known yet. */
  contextFor: (pid: number, cgroupPath: string) => EventContext | undefined;
  /** What to do when `contextFor` knows nothing and the policy would block: default `allow`. */
  unknownMetadata?: 'allow' | 'deny';
  /** After the deadline: `fail-open` (allow, default) or `fail-closed` (deny). */
  failMode?: 'fail-open' | 'fail-closed';
  /** Time the helper waits for an answer, default 50 ms. */
  deadlineMs?: number;
  /** Alert-only: every would-be block is allowed and reported with `enforced: false`. */
  monitoring?: boolean;
  /** Called once per blocked (or, in monitoring mode, would-be-blocked) attempt. */
  onDenied?: (info: DeniedInfo) => void;
  /** Called once per block waived by `unknownMetadata: 'allow'` (the operation goes through). */
  onWaived?: (info: DeniedInfo) => void;
  /**
   * Called once per block decided after the helper's deadline with `fail-open`: the helper had
   * let the operation through already, so it is not a denial (no onDenied) (issue 22, #5).
   */
  onLate?: (info: DeniedInfo) => void;
  /**
   * Also mark every overlayfs mounted in the host mount namespace as it appears (FAN_MNT_ATTACH,
   * Linux 6.14+): container root file systems are then covered before the container starts, with
   * no watchPid call. Volumes still need watchPid. Default false.
   */
  autoOverlay?: boolean;
  /** Helper binary, default bpf/.output/d4c-enforcer. */
  helper?: string;
}

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
  /** true when the context was unknown (`unknownMetadata: deny` decided, or the block was waived). */
  unknownMetadata: boolean;
  time: Date;
}

/** Latency buckets (µs) of the decision in this process (context lookup + policy). */
export const LATENCY_BUCKETS_US = [10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 50000, Infinity];

export interface EnforcerStats {
  requests: number;
  allowed: number;
  denied: number;
  /** Would have been denied, allowed by monitoring mode. */
  monitored: number;
  unknownMetadata: number;
  /** Blocks waived because the context was unknown and the decision depended on it. */
  waived: number;
  /**
   * Decisions made after the helper's deadline (the request's `deadlineNs`): the fail mode had
   * answered, so the verdict sent is the fail mode's and a block is not reported as denied.
   */
  late: number;
  /** onDenied threw (the verdict was still sent). */
  callbackErrors: number;
  decodeErrors: number;
  /** Counts per LATENCY_BUCKETS_US bucket. */
  latencyUs: number[];
  /** The helper's own counters (fast-path answers, timeouts per fail mode, overflow). */
  helper: HelperCounters;
}

export interface Enforcer {
  /** Resolves once the helper runs; rejects with a D4cError (D4C-ENF-*) when it cannot start. */
  readonly ready: Promise<void>;
  /** What this kernel enforces (for the agent's start message). */
  readonly report: EnforcementReport;
  /** Marks every file-system mount of this (container) process's mount namespace; resolves to the count. */
  watchPid(pid: number): Promise<number>;
  /** Marks the mount holding a host path (tests, hosts without containers). */
  watchMount(path: string): Promise<number>;
  setPolicy(policy: CompiledPolicy): void;
  setMonitoring(on: boolean): void;
  readonly monitoring: boolean;
  /** The helper's process id (it runs as long as the enforcer). */
  readonly helperPid: number | undefined;
  stats(): Promise<EnforcerStats>;
  /** Stops the helper; pending events are released by the kernel. */
  /** False once the helper has exited (exit code or signal): its marks no longer block anything. */
  readonly running: boolean;
  /** How the helper ended (`exit code 3`, `signal SIGKILL`); undefined while it runs. */
  readonly exitReason: string | undefined;
  stop(): Promise<void>;
}

export function startEnforcer(opts: EnforcerOptions): Enforcer {
  const helper = opts.helper ?? DEFAULT_HELPER;
  if (!existsSync(helper)) {
    throw new D4cError(
      ENFORCE_CODES.helperMissing.code,
      `enforcer helper ${helper} is missing: run scripts/build-bpf.sh`,
    );
  }
  return new FanotifyEnforcer(helper, opts);
}

function wantsOf(p: CompiledPolicy): string {
  const write = p.wants('file', 'modifyFile') || p.wants('file', 'modifyExecutable');
  const exec = p.wants('process', 'exec');
  return write && exec ? 'both' : write ? 'write' : exec ? 'exec' : 'none';
}

class FanotifyEnforcer implements Enforcer {
  readonly ready: Promise<void>;
  readonly report = enforcementReport();
  monitoring: boolean;
  private child: ChildProcess;
  private blocking: CompiledPolicy;
  private reader = new FrameReader();
  private token = 0;
  private marks = new Map<number, { ok: (n: number) => void; fail: (e: Error) => void }>();
  private statsWaiters: { resolve: (c: HelperCounters) => void; reject: (e: Error) => void }[] = [];
  private gone = false;
  exitReason: string | undefined;
  private answers = '';
  private exited: Promise<void>;
  private st = {
    requests: 0,
    allowed: 0,
    denied: 0,
    monitored: 0,
    unknownMetadata: 0,
    waived: 0,
    late: 0,
    callbackErrors: 0,
  };
  private latency = new Array<number>(LATENCY_BUCKETS_US.length).fill(0);
  // Reused per request: the hot path builds one PolicyEvent and one answer line.
  private readonly unknownDeny: boolean;
  private readonly failClosed: boolean;
  // Sections whose blocks could change once the container's metadata is known.
  private dependence: { file: boolean; process: boolean };

  constructor(
    helper: string,
    private readonly opts: EnforcerOptions,
  ) {
    this.blocking = opts.policy.blockingOnly();
    this.dependence = metadataDependence(this.blocking.policy);
    this.monitoring = opts.monitoring ?? false;
    this.unknownDeny = opts.unknownMetadata === 'deny';
    this.failClosed = opts.failMode === 'fail-closed';
    const args = [
      '--map',
      join(opts.pinDir, 'enter_state'),
      '--deadline-ms',
      String(Math.max(1, Math.round(opts.deadlineMs ?? 50))),
      '--want',
      wantsOf(this.blocking),
    ];
    if (opts.failMode === 'fail-closed') args.push('--fail-closed');
    if (opts.autoOverlay) args.push('--auto-overlay');
    this.child = spawn(helper, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    this.child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    this.child.stdin?.on('error', () => {}); // EPIPE after the helper exited: reported by 'exit'
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    this.ready = new Promise<void>((resolve, reject) => {
      this.readyResolve = resolve;
      this.child.once('error', (e) =>
        reject(new D4cError(ENFORCE_CODES.helperFailed.code, `cannot run the enforcer: ${e.message}`)),
      );
      this.child.once('exit', (code, signal) => {
        this.exitReason = signal !== null ? `signal ${signal}` : `exit code ${code}`;
        const { code: c, hint } = ENFORCER_EXITS[code ?? -1] ?? ENFORCER_EXIT_OTHER;
        const last = stderr.trim().split('\n').pop();
        const err = new D4cError(c, last ? `enforcer: ${last}` : `enforcer: ${hint}`);
        this.gone = true;
        reject(err);
        for (const w of this.statsWaiters.splice(0))
          w.reject(new D4cError(ENFORCE_CODES.notRunning.code, 'enforcer: the helper is not running'));
        for (const m of this.marks.values()) m.fail(err);
        this.marks.clear();
      });
    });
    this.ready.catch(() => {});
    // Answers to the requests of one chunk go out in one write.
    this.child.stdout?.on('data', (chunk: Buffer) => {
      this.reader.push(chunk, this.onFrame);
      if (this.answers) {
        this.child.stdin?.write(this.answers);
        this.answers = '';
      }
    });
  }

  private readyResolve: () => void = () => {};

  get helperPid(): number | undefined {
    return this.child.pid;
  }

  private onFrame = (f: Frame): void => {
    switch (f.type) {
      case 'request':
        this.decideRequest(f.req);
        break;
      case 'ready':
        this.readyResolve();
        break;
      case 'marked': {
        const m = this.marks.get(f.token);
        this.marks.delete(f.token);
        if (!m) break;
        if (f.errno && !f.count)
          m.fail(new D4cError(ENFORCE_CODES.markFailed.code, `enforcer: marking failed (errno ${f.errno})`));
        else m.ok(f.count);
        break;
      }
      case 'stats':
        for (const w of this.statsWaiters.splice(0)) w.resolve(f.counters);
        break;
      default:
        break;
    }
  };

  private decideRequest(req: Request): void {
    const t0 = performance.now();
    this.st.requests++;
    const exec = req.kind === KIND_EXEC;
    const ctx = this.opts.contextFor(req.pid, req.cgroupPath);
    let event: PolicyEvent;
    if (exec) {
      const slash = req.path.lastIndexOf('/');
      // The process after the exec: its executable is the file being executed.
      event = {
        ...ctx,
        section: 'process',
        operation: 'exec',
        processExecutable: req.path,
        processName: req.path.slice(slash + 1),
      };
    } else {
      const executable = (req.mode & 0o170000) === 0o100000 && (req.mode & 0o111) !== 0;
      event = {
        ...ctx,
        section: 'file',
        operation: executable ? 'modifyExecutable' : 'modifyFile',
        filePath: req.path,
      };
    }
    const decision = this.blocking.decide(event);
    let deny = decision.actions.includes('block');
    const unknown = ctx === undefined;
    let waived = false;
    if (unknown) {
      this.st.unknownMetadata++;
      // Waived only when the missing metadata could change the answer (issue 22, #6).
      waived = deny && !this.unknownDeny && this.dependence[exec ? 'process' : 'file'];
      if (waived) {
        deny = false;
        this.st.waived++;
      }
    }
    // Past the deadline the helper has answered (or is about to) by its fail mode: the verdict
    // sent is the fail mode's, so what is reported is what happened whichever comes first.
    const late = process.hrtime.bigint() >= req.deadlineNs;
    if (late) this.st.late++;
    const enforced = late ? this.failClosed && deny && !this.monitoring : deny && !this.monitoring;
    this.answers += `${(late ? this.failClosed : enforced) ? 'd' : 'a'} ${req.id}\n`;
    if (enforced) this.st.denied++;
    else this.st.allowed++;
    if (deny && this.monitoring) this.st.monitored++;
    const us = (performance.now() - t0) * 1000;
    let b = 0;
    while (us > LATENCY_BUCKETS_US[b]!) b++;
    this.latency[b]!++;
    if (late && deny && !this.failClosed && !this.monitoring) {
      if (this.opts.onLate) this.report_(this.opts.onLate, req, exec, event, decision, false, unknown);
    } else if (deny && this.opts.onDenied)
      this.report_(this.opts.onDenied, req, exec, event, decision, enforced, unknown);
    else if (waived && this.opts.onWaived)
      this.report_(this.opts.onWaived, req, exec, event, decision, false, true);
  }

  /** onDenied/onWaived, guarded: a throwing callback must not keep the answers of this chunk from going out. */
  private report_(
    fn: (info: DeniedInfo) => void,
    req: Request,
    exec: boolean,
    event: PolicyEvent,
    decision: Decision,
    enforced: boolean,
    unknown: boolean,
  ): void {
    try {
      fn({
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
        unknownMetadata: unknown,
        time: new Date(),
      });
    } catch {
      this.st.callbackErrors++;
    }
  }

  private mark(line: string, token: number): Promise<number> {
    return new Promise((ok, fail) => {
      this.marks.set(token, { ok, fail });
      this.child.stdin?.write(line);
    });
  }

  watchPid(pid: number): Promise<number> {
    const token = ++this.token;
    return this.mark(`mark-pid ${pid >>> 0} ${token}\n`, token);
  }

  watchMount(path: string): Promise<number> {
    if (path.includes('\n'))
      return Promise.reject(
        new D4cError(ENFORCE_CODES.newlineInPath.code, 'enforcer: a path with a newline'),
      );
    const token = ++this.token;
    return this.mark(`mark-mount ${token} ${path}\n`, token);
  }

  setPolicy(policy: CompiledPolicy): void {
    this.blocking = policy.blockingOnly();
    this.dependence = metadataDependence(this.blocking.policy);
    this.child.stdin?.write(`want ${wantsOf(this.blocking)}\n`);
  }

  setMonitoring(on: boolean): void {
    this.monitoring = on;
  }

  get running(): boolean {
    return !this.gone;
  }

  async stats(): Promise<EnforcerStats> {
    const helper = await new Promise<HelperCounters>((resolve, reject) => {
      if (this.gone)
        return reject(new D4cError(ENFORCE_CODES.notRunning.code, 'enforcer: the helper is not running'));
      this.statsWaiters.push({ resolve, reject });
      this.child.stdin?.write('stats\n');
    });
    return { ...this.st, decodeErrors: this.reader.decodeErrors, latencyUs: [...this.latency], helper };
  }

  async stop(): Promise<void> {
    if (!this.gone) {
      this.child.stdin?.end('quit\n');
      const t = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await this.exited;
      clearTimeout(t);
    }
  }
}
