// Restarts the agent's helpers when they die (issue 22, finding 4): after a backoff that grows
// while a helper keeps dying soon after each restart (1 s, 2 s, 4 s, … 30 s), and resets once
// it has run for a minute. Each restart is counted and reported (a log line and an alert
// document, by the agent); a failed attempt is reported and retried. Timers never hold the
// process open; stop() cancels them and waits for an attempt under way.

export interface SupervisorOptions {
  /** Starts a new instance of the helper (and whatever depends on it); rejects when it cannot. */
  restart: (name: string) => Promise<void>;
  onRestarted: (name: string, reason: string, restarts: number, downMs: number) => void;
  onFailed: (name: string, error: unknown, retryMs: number) => void;
  baseMs?: number;
  maxMs?: number;
  /** A helper that ran this long since its last restart starts the backoff over. */
  stableMs?: number;
}

interface State {
  level: number;
  lastRestart: number;
  timer?: NodeJS.Timeout;
}

export class Supervisor {
  /** Restarts done, by helper. */
  readonly restarts: Record<string, number> = {};
  /** Restart attempts that failed, by helper. */
  readonly failures: Record<string, number> = {};
  private readonly state = new Map<string, State>();
  private inflight: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly stableMs: number;

  constructor(private readonly o: SupervisorOptions) {
    this.baseMs = o.baseMs ?? 1000;
    this.maxMs = o.maxMs ?? 30_000;
    this.stableMs = o.stableMs ?? 60_000;
  }

  /** A helper went down (`reason`: how): its restart is scheduled. */
  down(name: string, reason: string): void {
    if (this.stopped) return;
    let s = this.state.get(name);
    if (!s) {
      s = { level: 0, lastRestart: 0 };
      this.state.set(name, s);
    }
    if (s.timer) return;
    const now = Date.now();
    if (s.lastRestart && now - s.lastRestart > this.stableMs) s.level = 0;
    this.schedule(name, reason, now, s);
  }

  private delay(s: State): number {
    return Math.min(this.maxMs, this.baseMs * 2 ** s.level);
  }

  private schedule(name: string, reason: string, since: number, s: State): void {
    s.timer = setTimeout(() => {
      s.timer = undefined;
      this.inflight = this.inflight.then(() => this.attempt(name, reason, since, s));
    }, this.delay(s));
    s.timer.unref();
  }

  private async attempt(name: string, reason: string, since: number, s: State): Promise<void> {
    if (this.stopped) return;
    s.level = Math.min(s.level + 1, 16);
    try {
      await this.o.restart(name);
    } catch (e) {
      this.failures[name] = (this.failures[name] ?? 0) + 1;
      if (this.stopped) return;
      this.o.onFailed(name, e, this.delay(s));
      this.schedule(name, reason, since, s);
      return;
    }
    s.lastRestart = Date.now();
    const n = (this.restarts[name] ?? 0) + 1;
    this.restarts[name] = n;
    if (!this.stopped) this.o.onRestarted(name, reason, n, s.lastRestart - since);
  }

  /** No more restarts; resolves once an attempt under way has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const s of this.state.values()) if (s.timer) clearTimeout(s.timer);
    await this.inflight;
  }
}
