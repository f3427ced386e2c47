// Capability bitmasks <-> CAP_* names, as ECS process.thread.capabilities.{effective,permitted}.
// Elastic's convention: the single value `CAP_ALL` when every capability the kernel knows is
// set. Masks repeat endlessly (a container's processes share one or two sets), so renderings
// are memoised per value in a small bounded table: the hot path does one Map lookup.

/** Names by bit number (include/uapi/linux/capability.h, Linux 5.9 .. 6.x). */
export const CAP_NAMES: readonly string[] = Object.freeze([
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
]);

/** CAP_LAST_CAP of the kernels we target (6.x: CAP_CHECKPOINT_RESTORE). */
export const DEFAULT_LAST_CAP = 40;
export const CAP_ALL = 'CAP_ALL';

const NAME_TO_BIT = new Map<string, number>(CAP_NAMES.map((n, i) => [n, i]));
const UNKNOWN_PREFIX = 'CAP_UNKNOWN_';
const MEMO_LIMIT = 1024;

/** Mask with every bit 0..lastCap set. */
export function allCapsMask(lastCap: number = DEFAULT_LAST_CAP): bigint {
  return (1n << BigInt(lastCap + 1)) - 1n;
}

/**
 * Renders capability masks. `lastCap` is the running kernel's /proc/sys/kernel/cap_last_cap
 * (read once by the agent): CAP_ALL means "all the caps this kernel has", not "all we name".
 */
export class CapabilityNames {
  private readonly all: bigint;
  private readonly memo = new Map<bigint, readonly string[]>();
  static readonly EMPTY: readonly string[] = Object.freeze([]);
  static readonly ALL: readonly string[] = Object.freeze([CAP_ALL]);

  constructor(readonly lastCap: number = DEFAULT_LAST_CAP) {
    if (!Number.isInteger(lastCap) || lastCap < 0 || lastCap > 63) {
      throw new RangeError(`cap_last_cap must be an integer in 0..63, got ${lastCap}`);
    }
    this.all = allCapsMask(lastCap);
  }

  /** Names of the set bits, `[CAP_ALL]` when every known bit is set. Frozen, shared: do not mutate. */
  names(mask: bigint): readonly string[] {
    const hit = this.memo.get(mask);
    if (hit !== undefined) return hit;
    const out = this.render(mask);
    // Bounded: odd masks from a misbehaving sensor must not grow memory without limit.
    if (this.memo.size >= MEMO_LIMIT) this.memo.clear();
    this.memo.set(mask, out);
    return out;
  }

  private render(mask: bigint): readonly string[] {
    if (mask === 0n) return CapabilityNames.EMPTY;
    if ((mask & this.all) === this.all) return CapabilityNames.ALL;
    return Object.freeze(capNames(mask));
  }
}

/** Every set bit as its name, in bit order; bits we have no name for as `CAP_UNKNOWN_<bit>`. */
export function capNames(mask: bigint): string[] {
  const out: string[] = [];
  let m = BigInt.asUintN(64, mask);
  for (let bit = 0; m !== 0n; bit++, m >>= 1n) {
    if ((m & 1n) === 0n) continue;
    out.push(CAP_NAMES[bit] ?? `${UNKNOWN_PREFIX}${bit}`);
  }
  return out;
}

/**
 * Names back to a mask (for tests, and for reading documents back). `CAP_ALL` expands to every
 * bit 0..lastCap. Unknown names are returned in `unknown` rather than thrown.
 */
export function capMask(
  names: readonly string[],
  lastCap: number = DEFAULT_LAST_CAP,
): { mask: bigint; unknown: string[] } {
  let mask = 0n;
  const unknown: string[] = [];
  for (const raw of names) {
    const name = raw.toUpperCase();
    if (name === CAP_ALL) {
      mask |= allCapsMask(lastCap);
      continue;
    }
    const bit = NAME_TO_BIT.get(name) ?? unknownBit(name);
    if (bit === undefined) unknown.push(raw);
    else mask |= 1n << BigInt(bit);
  }
  return { mask, unknown };
}

function unknownBit(name: string): number | undefined {
  if (!name.startsWith(UNKNOWN_PREFIX)) return undefined;
  const n = Number(name.slice(UNKNOWN_PREFIX.length));
  return Number.isInteger(n) && n >= 0 && n < 64 ? n : undefined;
}
