// Watches the agent's helper processes (d4c-sensor, d4c-enforcer, …) for an unasked-for death:
// each death is counted, said once (a log line through `onDown`), and keeps /healthz failing
// and the heartbeat's block_action_enabled false until it is restarted (src/agent/supervise.ts).

export interface WatchedHelper {
  /** Process name, as in `ps` (d4c-sensor, d4c-enforcer). */
  readonly name: string;
  /** True while the helper does its job. */
  running(): boolean;
  /** How it ended (`signal SIGKILL`), once it has. */
  reason(): string | undefined;
  /** Its death disables `block` (the enforcer), not only telemetry. */
  readonly blocks: boolean;
}

export interface HelperHealth {
  ok: boolean;
  reason?: string;
}

export class HelperWatch {
  private readonly helpers: WatchedHelper[] = [];
  private readonly reported = new Set<string>();
  /** Deaths seen (one per helper per death). */
  downs = 0;

  constructor(private readonly onDown: (name: string, reason: string) => void) {}

  add(h: WatchedHelper): void {
    this.helpers.push(h);
  }

  /** Reports every helper that died since the last check; cheap, called on a timer and on events. */
  check(): void {
    for (const h of this.helpers) {
      if (h.running() || this.reported.has(h.name)) continue;
      this.reported.add(h.name);
      this.downs++;
      this.onDown(h.name, h.reason() ?? 'exited');
    }
  }

  /** A helper restarted (issue 22, finding 4): its next death is reported again. */
  revived(name: string): void {
    this.reported.delete(name);
  }

  /** Down helpers make the agent unhealthy: a dead sensor is blind, a dead enforcer fails open. */
  health(): HelperHealth {
    this.check();
    const down = this.helpers.filter((h) => !h.running());
    if (down.length === 0) return { ok: true };
    return { ok: false, reason: down.map((h) => `${h.name} is down (${h.reason() ?? 'exited'})`).join('; ') };
  }

  /** False once a helper that enforces `block` is down. */
  get blocking(): boolean {
    return this.helpers.every((h) => !h.blocks || h.running());
  }
}
