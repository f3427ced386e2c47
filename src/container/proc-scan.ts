// Containers already running when the agent starts: every /proc/PID/cgroup read once, grouped
// by container id. Processes that vanish mid-scan are skipped (counted).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type CgroupIdentity, identityFromProcCgroup } from './cgroup.js';

export interface RunningContainer {
  identity: CgroupIdentity & { cgroupPath: string };
  pids: number[];
}

export interface ProcScanResult {
  containers: Map<string, RunningContainer>;
  processes: number;
  vanished: number;
}

export async function scanRunningContainers(procRoot = '/proc'): Promise<ProcScanResult> {
  const out: ProcScanResult = { containers: new Map(), processes: 0, vanished: 0 };
  let names: string[];
  try {
    names = await readdir(procRoot);
  } catch {
    return out;
  }
  const pids = names.filter((n) => /^\d+$/.test(n)).map(Number);
  // Bounded parallelism: enough to be quick, few open files.
  let next = 0;
  const worker = async () => {
    while (next < pids.length) {
      const pid = pids[next++]!;
      let text: string;
      try {
        text = await readFile(join(procRoot, String(pid), 'cgroup'), 'utf8');
      } catch {
        out.vanished++;
        continue;
      }
      out.processes++;
      const id = identityFromProcCgroup(text);
      if (!id) continue;
      const c = out.containers.get(id.id);
      if (c) c.pids.push(pid);
      else out.containers.set(id.id, { identity: id, pids: [pid] });
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  for (const c of out.containers.values()) c.pids.sort((a, b) => a - b);
  return out;
}
