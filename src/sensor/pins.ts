// Pinned maps left by a loader that could not clean up (SIGKILL of d4c-sensor or of the agent):
// each agent pins its open-flags map under /sys/fs/bpf/d4c-agent-PID, and a pinned map lives
// until it is unlinked. The next agent removes those whose agent is gone (issue 22, finding 4).
import { existsSync, readdirSync, rmdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

export const AGENT_PIN_PREFIX = 'd4c-agent-';

/**
 * True while `pid` runs. Any process counts (an agent may be embedded in another program): a
 * pid reused since only delays the removal to a later start.
 */
function alive(pid: number): boolean {
  return existsSync(`/proc/${pid}`);
}

/**
 * Removes `ROOT/d4c-agent-PID` directories (and the maps pinned in them) whose agent is not
 * running; returns the directories removed. Never throws: what it cannot remove stays.
 */
export function removeStalePins(root = '/sys/fs/bpf', self = process.pid): string[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(AGENT_PIN_PREFIX)) continue;
    const pid = Number(name.slice(AGENT_PIN_PREFIX.length));
    if (!Number.isInteger(pid) || pid <= 0 || pid === self || alive(pid)) continue;
    const dir = join(root, name);
    try {
      for (const f of readdirSync(dir)) unlinkSync(join(dir, f));
      rmdirSync(dir);
      removed.push(dir);
    } catch {
      // not ours to remove after all (permissions, a race with its owner): left as it is
    }
  }
  return removed;
}
