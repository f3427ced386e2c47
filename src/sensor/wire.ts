// The wire table: the names user space gives to the kernel's numbers, each written once. File and
// network operation names are the D4C_FOP_* / D4C_NOP_* constants of bpf/events.h (via CONST),
// lower-cased; record kinds and kernel counters are tables keyed by their C constant. wire.test.ts
// checks that every such #define of the header has its entry here, layout.test.ts their values.
import { CONST } from './events-def.js';
import type { KernelCounters } from './types.js';

type ConstName = keyof typeof CONST;
type Suffix<P extends string, K> = K extends `${P}${infer S}` ? Lowercase<S> : never;

/** File operations, one per D4C_FOP_* constant: D4C_FOP_FTRUNCATE is `ftruncate`. */
export type FileOp = Suffix<'D4C_FOP_', ConstName>;
/** Network operations, one per D4C_NOP_* constant. */
export type NetOp = Suffix<'D4C_NOP_', ConstName>;

/** Number -> name for the constants with this prefix (undefined for numbers without one). */
function byNumber<T extends string>(prefix: string): readonly (T | undefined)[] {
  const out: (T | undefined)[] = [];
  for (const [k, v] of Object.entries(CONST)) {
    if (k.startsWith(prefix)) out[v] = k.slice(prefix.length).toLowerCase() as T;
  }
  return Array.from(out);
}

/** d4c_file.op -> operation name. */
export const FILE_OPS: readonly (FileOp | undefined)[] = byNumber<FileOp>('D4C_FOP_');
/** d4c_net.op -> operation name. */
export const NET_OPS: readonly (NetOp | undefined)[] = byNumber<NetOp>('D4C_NOP_');

/** Record kinds (SensorEvent.kind) by their d4c_hdr.type constant. */
export const RECORD_TYPES = {
  fork: 'D4C_EV_FORK',
  exec: 'D4C_EV_EXEC',
  exit: 'D4C_EV_EXIT',
  setsid: 'D4C_EV_SETSID',
  file: 'D4C_EV_FILE',
  network: 'D4C_EV_NET',
  dns: 'D4C_EV_DNS',
  tty: 'D4C_EV_TTY',
} as const satisfies Record<string, ConstName>;

export type RecordKind = keyof typeof RECORD_TYPES;
export const RECORD_KINDS = Object.keys(RECORD_TYPES) as readonly RecordKind[];

/** The kernel counts each record type in slot `type & 7` of its 8-slot ranges (TTY, 8, takes 0's). */
export function recordSlot(kind: RecordKind): number {
  return CONST[RECORD_TYPES[kind]] & 7;
}

export interface CounterSpec {
  /** Index constant in bpf/events.h. */
  readonly c: ConstName;
  /** `reason` label of d4c_kernel_drops_total; absent: not exported as a drop. */
  readonly drop?: string;
}

/**
 * The kernel's single counters (the per-kind ranges D4C_C_RB_FAIL and D4C_C_EMITTED aside), by
 * their KernelCounters name, in the order of the stats objects and of the metrics' labels.
 */
export const KERNEL_COUNTERS = {
  truncatedStrings: { c: 'D4C_C_TRUNC_STR', drop: 'truncated_strings' },
  truncatedPaths: { c: 'D4C_C_TRUNC_PATH', drop: 'truncated_paths' },
  truncatedArgv: { c: 'D4C_C_TRUNC_ARGV', drop: 'truncated_argv' },
  pathDepthExceeded: { c: 'D4C_C_PATH_DEPTH', drop: 'path_depth_exceeded' },
  missingEnterState: { c: 'D4C_C_MISSING_ENTER', drop: 'missing_enter_state' },
  enterStateFull: { c: 'D4C_C_ENTER_FULL', drop: 'enter_state_full' },
  readFailures: { c: 'D4C_C_READ_FAIL', drop: 'read_failures' },
  truncatedCgroupPaths: { c: 'D4C_C_CGROUP_TRUNC', drop: 'truncated_cgroup_paths' },
  netNotSocket: { c: 'D4C_C_NET_NOT_SOCKET', drop: 'net_not_socket' },
  netOtherFamily: { c: 'D4C_C_NET_OTHER' },
  netStateFull: { c: 'D4C_C_NET_STATE_FULL', drop: 'net_state_full' },
  dnsTruncated: { c: 'D4C_C_DNS_TRUNC' },
  dnsStateFull: { c: 'D4C_C_DNS_STATE_FULL' },
  readsFiltered: { c: 'D4C_C_READ_FILTERED' },
  readsUnwalked: { c: 'D4C_C_READ_UNWALKED' },
  readsOfDirectories: { c: 'D4C_C_READ_DIR' },
  ttyWritesCut: { c: 'D4C_C_TTY_CUT' },
} as const satisfies Record<string, CounterSpec>;

export type KernelCounterName = keyof typeof KERNEL_COUNTERS;
export const KERNEL_COUNTER_NAMES = Object.keys(KERNEL_COUNTERS) as readonly KernelCounterName[];
/** Counter -> `reason` label of d4c_kernel_drops_total, for the counters exported as drops. */
export const KERNEL_DROP_LABELS: Readonly<Partial<Record<KernelCounterName, string>>> = Object.fromEntries(
  Object.entries(KERNEL_COUNTERS as Record<string, CounterSpec>).flatMap(([n, s]) =>
    s.drop ? [[n, s.drop]] : [],
  ),
);

/** Counters the loader appends after the kernel's D4C_NCOUNTERS, in this order. */
export const LOADER_COUNTERS = ['loaderRecords', 'loaderBytes'] as const;
export type LoaderCounterName = (typeof LOADER_COUNTERS)[number];

/** Every counter at 0 (the answer when the loader is gone), keys in the order of a stats frame's. */
export function emptyKernelCounters(): KernelCounters {
  const byKind = () => Object.fromEntries(RECORD_KINDS.map((k) => [k, 0])) as Record<RecordKind, number>;
  const out = { ringFull: byKind(), emitted: byKind() } as KernelCounters;
  for (const name of [...KERNEL_COUNTER_NAMES, ...LOADER_COUNTERS]) out[name] = 0;
  return out;
}
