// Reading every process of a procfs tree, yielding to the event loop now and then so a large
// host does not stall the agent (the sensor's ring buffer holds events meanwhile).
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import {
  listPids,
  nodeProcFs,
  type ProcFs,
  type ProcInfo,
  type ProcReadCounters,
  readProcess,
} from './procfs.js';

const CHUNK = 128;

export async function readAllProcesses(
  root: string,
  counters: ProcReadCounters,
  fs: ProcFs = nodeProcFs,
): Promise<ProcInfo[]> {
  const pids = listPids(root, counters, fs);
  const out: ProcInfo[] = [];
  for (let i = 0; i < pids.length; i++) {
    const info = readProcess(root, pids[i]!, counters, fs);
    if (info) out.push(info);
    if (i % CHUNK === CHUNK - 1) await yieldToLoop();
  }
  return out;
}

/** Cgroup ids (the inode of the cgroup v2 directory) by path, one stat per distinct path. */
export function cgroupIdResolver(
  cgroup2Root: string | undefined,
  fs: ProcFs = nodeProcFs,
): (path: string) => number {
  const cache = new Map<string, number>();
  return (path) => {
    if (!cgroup2Root || path === '' || !path.startsWith('/')) return 0;
    let id = cache.get(path);
    if (id === undefined) {
      try {
        id = fs.inode(cgroup2Root + (path === '/' ? '' : path));
      } catch {
        id = 0;
      }
      cache.set(path, id);
    }
    return id;
  };
}
