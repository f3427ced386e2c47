// process.entity_id: an opaque id, unique per process across a fleet and stable over the
// process' life (Session View and the rules join on it; nothing parses it). The one
// implementation: the process table (view.ts entityIdOf) and src/ecs/entity-id.ts delegate here.
//
// base64 of `<agent.id>-<pid>-<start unix seconds>-<start clock ticks since boot>`. The first
// three parts are Elastic's D4C form; seconds alone collide when a pid is reused within the
// same second (pid_max is 32768 on many hosts), so the start in clock ticks (10 ms, the
// resolution /proc offers) is appended: a pid cannot cycle through the whole pid space in one
// tick. Both start parts come from the start truncated to clock ticks, so a process found in
// /proc at bootstrap and the same process seen by the sensor in ns get the same id, and an
// agent restart gives the same ids.

/** Clock ticks per second of /proc/PID/stat (USER_HZ: 100 on every Linux architecture we run on). */
export const CLOCK_TICKS_PER_SECOND = 100;
export const DEFAULT_TICK_NS = 1e9 / CLOCK_TICKS_PER_SECOND;

const LATIN1 = /^[\x00-\xff]*$/;

/**
 * The id of `pid` started `ticks` clock ticks after boot, the host having booted at
 * `bootTimeMs` (unix ms), on the host running `agentId`.
 */
export function entityIdFromTicks(
  agentId: string,
  pid: number,
  ticks: number,
  bootTimeMs: number,
  tickNs: number = DEFAULT_TICK_NS,
): string {
  const startSec = Math.floor((bootTimeMs + (ticks * tickNs) / 1e6) / 1000);
  const text = `${agentId}-${pid}-${startSec}-${ticks}`;
  // btoa is the faster path but only takes Latin-1; an agent id is normally a UUID.
  return LATIN1.test(text) ? btoa(text) : Buffer.from(text).toString('base64');
}

export interface DecodedEntityId {
  agentId: string;
  pid: number;
  /** Start, unix seconds. */
  startSec: number;
  /** Start, clock ticks since boot. */
  ticks: number;
}

/** Reverses the id (for diagnostics and tests); undefined when it is not one of ours. */
export function decodeEntityId(id: string): DecodedEntityId | undefined {
  const text = Buffer.from(id, 'base64').toString('utf8');
  // agent ids contain dashes (UUIDs): parse from the right.
  const m = /^(.+)-(\d+)-(\d+)-(\d+)$/.exec(text);
  if (!m) return undefined;
  return { agentId: m[1]!, pid: Number(m[2]), startSec: Number(m[3]), ticks: Number(m[4]) };
}
