// startEnforcer: runs the d4c-enforcer helper (fanotify permission events) and answers its
// requests from the blocking part of a compiled policy, on a thread of its own (thread.ts,
// decide.ts; issue 22, #1): the caller's thread only pushes the container facts it learns and
// receives the denied, waived and late attempts, so a busy caller never delays a verdict. The
// helper applies the deadline and the fail mode on its side, so a slow or dead decision thread
// never leaves a process blocked (the kernel releases pending events when the helper's fanotify
// fd closes).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import type { CompiledPolicy } from '../policy/index.js';
import { D4cError, startThread } from '../util/index.js';
import { type EnforcementReport, enforcementReport } from './caps.js';
import { ENFORCE_CODES } from './codes.js';
import { wantsOf } from './decide.js';
import { ENFORCER_EXIT_OTHER, ENFORCER_EXITS } from './exit-codes.js';
import type { ContainerFacts, DeniedInfo, EnforcerStats, FromThread, ThreadInit, ToThread } from './types.js';

export const DEFAULT_HELPER = fileURLToPath(new URL('../../bpf/.output/d4c-enforcer', import.meta.url));

export interface EnforcerOptions {
  /** The whole compiled policy; only its blocking responses are used. */
  policy: CompiledPolicy;
  /** The sensor's pin directory (`startSensor({ pinDir })`): the open flags come from there. */
  pinDir: string;
  /**
   * A cgroup's container facts, asked (on the caller's thread) when the decision thread meets a
   * cgroup it has none for; meanwhile it decides without them (`unknownMetadata`). `{}` for a
   * cgroup outside any container, undefined while not known (asked again a second later).
   * Facts that change later are pushed with `setContainer`.
   */
  containerOf: (cgroupPath: string) => ContainerFacts | undefined | Promise<ContainerFacts | undefined>;
  /** What to do when the container is not known and the policy would block: default `allow`. */
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
  /** Tests only: the decision thread spins this long before each decision (a slow decider). */
  testDelayMs?: number;
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
  /** A cgroup's container facts, new or changed (the decision thread keeps them). */
  setContainer(cgroupPath: string, facts: ContainerFacts): void;
  readonly monitoring: boolean;
  /** The helper's process id (it runs as long as the enforcer). */
  readonly helperPid: number | undefined;
  stats(): Promise<EnforcerStats>;
  /** False once the helper (or its decision thread) has ended: its marks no longer block anything. */
  readonly running: boolean;
  /** How the helper ended (`exit code 3`, `signal SIGKILL`); undefined while it runs. */
  readonly exitReason: string | undefined;
  /** Stops the helper and its thread; pending events are released by the kernel. */
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
  return new ThreadEnforcer(helper, opts);
}

/**
 * The first requests of a cgroup the decision thread has never seen wait this long at most for
 * its facts (the caller answers in microseconds when idle); then they are decided without.
 */
const FIRST_WAIT_MS = 10;

const notRunning = () => new D4cError(ENFORCE_CODES.notRunning.code, 'enforcer: the helper is not running');

class ThreadEnforcer implements Enforcer {
  readonly ready: Promise<void>;
  readonly report = enforcementReport();
  monitoring: boolean;
  helperPid: number | undefined;
  exitReason: string | undefined;
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  private token = 0;
  private readonly marks = new Map<number, { ok: (n: number) => void; fail: (e: Error) => void }>();
  private statsWaiters: { resolve: (s: EnforcerStats) => void; reject: (e: Error) => void }[] = [];
  private gone = false;
  private callbackErrors = 0;
  private settle = { resolve: () => {}, reject: (_e: Error) => {} };

  constructor(
    helper: string,
    private readonly opts: EnforcerOptions,
  ) {
    this.monitoring = opts.monitoring ?? false;
    const blocking = opts.policy.blockingOnly();
    const args = [
      '--map',
      join(opts.pinDir, 'enter_state'),
      '--deadline-ms',
      String(Math.max(1, Math.round(opts.deadlineMs ?? 50))),
      '--want',
      wantsOf(blocking),
    ];
    if (opts.failMode === 'fail-closed') args.push('--fail-closed');
    if (opts.autoOverlay) args.push('--auto-overlay');
    const init: ThreadInit = {
      helper,
      args,
      policy: blocking.policy,
      monitoring: this.monitoring,
      unknownDeny: opts.unknownMetadata === 'deny',
      failClosed: opts.failMode === 'fail-closed',
      delayMs: opts.testDelayMs ?? 0,
      // Well within the deadline: whatever the wait, the helper's answer is the thread's.
      firstWaitMs: Math.min(FIRST_WAIT_MS, (opts.deadlineMs ?? 50) / 5),
    };
    this.ready = new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    this.ready.catch(() => {});
    this.worker = startThread(import.meta.url, './thread.js', { workerData: init });
    this.worker.on('message', (m: FromThread) => this.onMessage(m));
    let failure: Error | undefined;
    this.worker.on('error', (e) => {
      failure = e;
    });
    this.exited = new Promise((resolve) =>
      this.worker.once('exit', () => {
        // The thread died first (it reports the helper's exit before it ends): the helper sees
        // its input close and exits too.
        if (!this.gone)
          this.ended(
            `decision thread: ${failure?.message ?? 'ended'}`,
            new D4cError(
              ENFORCE_CODES.helperFailed.code,
              `enforcer: the decision thread ended (${failure?.message})`,
            ),
          );
        resolve();
      }),
    );
  }

  private post(m: ToThread): void {
    if (!this.gone) this.worker.postMessage(m);
  }

  private onMessage(m: FromThread): void {
    switch (m.t) {
      case 'spawned':
        this.helperPid = m.pid;
        break;
      case 'ready':
        this.settle.resolve();
        break;
      case 'spawnError':
        this.ended(
          'not started',
          new D4cError(ENFORCE_CODES.helperFailed.code, `cannot run the enforcer: ${m.message}`),
        );
        break;
      case 'exit': {
        const { code: c, hint } = ENFORCER_EXITS[m.code ?? -1] ?? ENFORCER_EXIT_OTHER;
        const last = m.stderr.trim().split('\n').pop();
        this.ended(
          m.signal !== null ? `signal ${m.signal}` : `exit code ${m.code}`,
          new D4cError(c, last ? `enforcer: ${last}` : `enforcer: ${hint}`),
        );
        break;
      }
      case 'marked': {
        const w = this.marks.get(m.token);
        this.marks.delete(m.token);
        if (!w) break;
        if (m.errno && !m.count)
          w.fail(new D4cError(ENFORCE_CODES.markFailed.code, `enforcer: marking failed (errno ${m.errno})`));
        else w.ok(m.count);
        break;
      }
      case 'stats':
        for (const w of this.statsWaiters.splice(0))
          w.resolve({ ...m.stats, callbackErrors: this.callbackErrors });
        break;
      case 'report': {
        const o = this.opts;
        const fn = m.report === 'denied' ? o.onDenied : m.report === 'waived' ? o.onWaived : o.onLate;
        try {
          fn?.(m.info);
        } catch {
          this.callbackErrors++;
        }
        break;
      }
      case 'ask':
        this.ask(m.cgroupPath);
        break;
    }
  }

  /** The helper (or the thread) is gone: everything waiting on it fails. */
  private ended(reason: string, err: Error): void {
    if (this.gone) return;
    this.gone = true;
    this.exitReason = reason;
    this.settle.reject(err);
    for (const w of this.statsWaiters.splice(0)) w.reject(notRunning());
    for (const m of this.marks.values()) m.fail(err);
    this.marks.clear();
  }

  private ask(cgroupPath: string): void {
    let r: ReturnType<EnforcerOptions['containerOf']>;
    try {
      r = this.opts.containerOf(cgroupPath);
    } catch {
      this.callbackErrors++;
      return;
    }
    if (r instanceof Promise)
      r.then(
        (f) => f && this.setContainer(cgroupPath, f),
        () => this.callbackErrors++,
      );
    else if (r) this.setContainer(cgroupPath, r);
  }

  setContainer(cgroupPath: string, facts: ContainerFacts): void {
    this.post({ t: 'container', cgroupPath, facts });
  }

  private mark(line: string, token: number): Promise<number> {
    if (this.gone) return Promise.reject(notRunning());
    return new Promise((ok, fail) => {
      this.marks.set(token, { ok, fail });
      this.post({ t: 'line', line });
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
    this.post({ t: 'policy', policy: policy.blockingOnly().policy });
  }

  setMonitoring(on: boolean): void {
    this.monitoring = on;
    this.post({ t: 'monitoring', on });
  }

  get running(): boolean {
    return !this.gone;
  }

  stats(): Promise<EnforcerStats> {
    return new Promise<EnforcerStats>((resolve, reject) => {
      if (this.gone) return reject(notRunning());
      this.statsWaiters.push({ resolve, reject });
      this.post({ t: 'stats' });
    });
  }

  async stop(): Promise<void> {
    this.post({ t: 'stop' });
    // The thread ends once the helper has (it kills it after 5 s); this bounds a stuck thread.
    const t = setTimeout(() => void this.worker.terminate(), 7000);
    await this.exited;
    clearTimeout(t);
  }
}
