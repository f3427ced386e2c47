// process.entity_id for the ECS builders: the process table's form, from the one
// implementation in src/process/entity-id.ts (base64 of
// `<agent.id>-<pid>-<start unix seconds>-<start clock ticks since boot>`).

import { entityIdFromTicks as fromTicks } from '../process/index.js';

export { type DecodedEntityId, decodeEntityId } from '../process/index.js';

/** Clock ticks per second of /proc/PID/stat (USER_HZ: 100 on every Linux architecture we run on). */
export const USER_HZ = 100n;
const NS_PER_TICK = 1_000_000_000n / USER_HZ;

export function startTicks(startNs: bigint): bigint {
  return startNs / NS_PER_TICK;
}

/** process.entity_id of `pid` started `startNs` after a boot at `bootTimeMs` (unix ms), on the host running `agentId`. */
export function entityId(agentId: string, bootTimeMs: number, pid: number, startNs: bigint): string {
  return entityIdFromTicks(agentId, bootTimeMs, pid, startTicks(startNs));
}

/** The same id from /proc/PID/stat's starttime (field 22, clock ticks since boot). */
export function entityIdFromTicks(agentId: string, bootTimeMs: number, pid: number, ticks: bigint): string {
  return fromTicks(agentId, pid, Number(ticks), bootTimeMs);
}
