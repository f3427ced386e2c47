// process.entity_id: an opaque id, unique per process across a fleet and stable over the
// process' life (Session View and the rules join on it; nothing parses it).
//
// Elastic's D4C form is base64(`<agent.id>-<pid>-<start unix seconds>`). We keep its shape
// (base64 of dash-separated agent, pid, start) but change the start part, because the Elastic
// form has two weaknesses:
//  - pid reuse within one second gives two processes the same id (a fork-heavy container on a
//    host with pid_max 32768 wraps pids in about a second at the 20k forks/s we must sustain);
//  - "unix seconds" is derived from a boot-time estimate that shifts by milliseconds between
//    agent restarts, so a process started near a second boundary could change id.
// Ours: base64(`<agent.id>-<pid>-<boot id prefix>-<start in clock ticks since boot>`).
//  - Ticks (USER_HZ = 100, 10 ms) are what /proc/PID/stat gives, so a process found at
//    bootstrap and the same process seen by the sensor in ns get the same id; a pid cannot be
//    reused within 10 ms (that needs pid_max forks in 10 ms).
//  - The boot id prefix separates boots (ticks since boot repeat across reboots: pid 1 always
//    starts near tick 0) and never drifts.

/** Clock ticks per second of /proc/PID/stat (USER_HZ: 100 on every Linux architecture we run on). */
export const USER_HZ = 100n;
const NS_PER_TICK = 1_000_000_000n / USER_HZ;
/** Hex characters of the boot id kept: 48 bits tell the boots of one host apart. */
const BOOT_ID_HEX = 12;

export function startTicks(startNs: bigint): bigint {
  return startNs / NS_PER_TICK;
}

/** process.entity_id of `pid` started `startNs` after boot, on the host running `agentId`. */
export function entityId(agentId: string, bootId: string, pid: number, startNs: bigint): string {
  return entityIdFromTicks(agentId, bootId, pid, startTicks(startNs));
}

/** The same id from /proc/PID/stat's starttime (field 22, clock ticks since boot). */
export function entityIdFromTicks(agentId: string, bootId: string, pid: number, ticks: bigint): string {
  const boot = bootId.replaceAll('-', '').slice(0, BOOT_ID_HEX).toLowerCase();
  return Buffer.from(`${agentId}-${pid}-${boot}-${ticks}`, 'utf8').toString('base64');
}

export interface DecodedEntityId {
  agentId: string;
  pid: number;
  boot: string;
  ticks: bigint;
}

/** Reverses `entityId` (for diagnostics and tests); undefined when it is not one of ours. */
export function decodeEntityId(id: string): DecodedEntityId | undefined {
  const text = Buffer.from(id, 'base64').toString('utf8');
  // agent ids contain dashes (UUIDs): parse from the right.
  const m = /^(.+)-(\d+)-([0-9a-f]*)-(\d+)$/.exec(text);
  if (!m) return undefined;
  return { agentId: m[1]!, pid: Number(m[2]), boot: m[3]!, ticks: BigInt(m[4]!) };
}
