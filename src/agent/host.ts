// What the agent knows about its node, read once at start: host.*, agent.id, the kernel's
// capability count. Every read is best effort; a missing file leaves its field out.
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import os from 'node:os';
import type { AgentContext, HostContext } from '../ecs/index.js';

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Wall-clock time of boot in ns: `btime` of /proc/stat (the clock the process table uses too). */
export function bootTimeNs(): bigint {
  const m = /^btime (\d+)$/m.exec(read('/proc/stat') ?? '');
  if (m) return BigInt(m[1]!) * 1_000_000_000n;
  return BigInt(Date.now() - Math.round(performance.now())) * 1_000_000n;
}

export function hostContext(): HostContext {
  const ip: string[] = [];
  const mac: string[] = [];
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.internal) continue;
      ip.push(a.address);
      if (a.mac !== '00:00:00:00:00:00' && !mac.includes(a.mac)) mac.push(a.mac);
    }
  }
  const pidNs = (() => {
    try {
      return Number(/\[(\d+)\]/.exec(readlinkSync('/proc/1/ns/pid'))?.[1]);
    } catch {
      return undefined;
    }
  })();
  const osRelease = read('/etc/os-release') ?? '';
  const field = (k: string) => new RegExp(`^${k}="?([^"\\n]*)"?$`, 'm').exec(osRelease)?.[1];
  const name = os.hostname();
  return {
    id: read('/etc/machine-id'),
    name,
    hostname: name,
    architecture: os.machine(),
    bootId: read('/proc/sys/kernel/random/boot_id'),
    pidNsIno: pidNs !== undefined && Number.isFinite(pidNs) ? pidNs : undefined,
    ip,
    mac,
    os: {
      name: field('NAME'),
      version: field('VERSION_ID'),
      codename: field('VERSION_CODENAME'),
      platform: field('ID'),
      family: field('ID_LIKE') ?? field('ID'),
      kernel: os.release(),
      full: field('PRETTY_NAME'),
    },
    bootTimeNs: bootTimeNs(),
  };
}

/**
 * agent.id: stable per node (entity ids embed it, so it must survive restarts): derived from
 * /etc/machine-id as a UUID; a random one when the machine has no id.
 */
export function agentContext(version: string): AgentContext {
  const mid = read('/etc/machine-id');
  let id: string;
  if (mid) {
    const h = createHash('sha256').update(`d4c-agent:${mid}`).digest('hex');
    id = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  } else id = randomUUID();
  return { id, version, name: os.hostname() };
}

export function capLastCap(): number {
  const n = Number(read('/proc/sys/kernel/cap_last_cap'));
  return Number.isInteger(n) && n > 0 ? n : 40;
}
