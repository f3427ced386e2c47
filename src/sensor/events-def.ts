// The kernel -> user record layouts, mirrored from bpf/events.h. Offsets are computed here with C's
// natural-alignment rules; layout.test.ts compiles offsetof/sizeof of every field below against
// the C header and fails on any drift, so the decoder never reads a stale offset.

export type Scalar = 'u16' | 'u32' | 's32' | 'u64';
/** `in6`: 16 bytes of an IP address (`__u8[16]`). */
export type FieldType = Scalar | 'vstr' | 'path' | 'comm' | 'in6' | 'hdr';

export interface StructDef {
  /** C struct name in bpf/events.h. */
  readonly cName: string;
  readonly fields: readonly (readonly [name: string, type: FieldType])[];
}

export const VSTR: StructDef = {
  cName: 'd4c_vstr',
  fields: [
    ['off', 'u16'],
    ['len', 'u16'],
  ],
};

export const PATH: StructDef = {
  cName: 'd4c_path',
  fields: [
    ['dir', 'vstr'],
    ['name', 'vstr'],
    ['flags', 'u32'],
  ],
};

export const HDR: StructDef = {
  cName: 'd4c_hdr',
  fields: [
    ['type', 'u16'],
    ['size', 'u16'],
    ['flags', 'u32'],
    ['ts', 'u64'],
    ['start_time', 'u64'],
    ['parent_start_time', 'u64'],
    ['cgroup_id', 'u64'],
    ['cap_effective', 'u64'],
    ['cap_permitted', 'u64'],
    ['tgid', 'u32'],
    ['tid', 'u32'],
    ['ppid', 'u32'],
    ['pgid', 'u32'],
    ['sid', 'u32'],
    ['vpid', 'u32'],
    ['uid', 'u32'],
    ['euid', 'u32'],
    ['suid', 'u32'],
    ['gid', 'u32'],
    ['egid', 'u32'],
    ['sgid', 'u32'],
    ['pidns', 'u32'],
    ['mntns', 'u32'],
    ['tty_major', 'u16'],
    ['tty_minor', 'u16'],
    ['cgroup', 'vstr'],
    ['comm', 'comm'],
  ],
};

export const FORK: StructDef = { cName: 'd4c_fork', fields: [['h', 'hdr']] };
export const SETSID: StructDef = { cName: 'd4c_setsid', fields: [['h', 'hdr']] };

export const EXEC: StructDef = {
  cName: 'd4c_exec',
  fields: [
    ['h', 'hdr'],
    ['exe_ino', 'u64'],
    ['exe_dev', 'u32'],
    ['exe_mode', 'u32'],
    ['argc', 'u32'],
    ['args_truncated', 'u32'],
    ['filename', 'vstr'],
    ['args', 'vstr'],
    ['exe', 'path'],
    ['cwd', 'path'],
  ],
};

export const EXIT: StructDef = {
  cName: 'd4c_exit',
  fields: [
    ['h', 'hdr'],
    ['exit_code', 'u32'],
    ['pad', 'u32'],
  ],
};

export const FILE: StructDef = {
  cName: 'd4c_file',
  fields: [
    ['h', 'hdr'],
    ['ino', 'u64'],
    ['dev', 'u32'],
    ['mode', 'u32'],
    ['op', 'u32'],
    ['open_flags', 'u32'],
    ['fflags', 'u32'],
    ['ret', 's32'],
    ['path', 'path'],
    ['orig', 'path'],
  ],
};

/** D4C_EV_NET: connect, accept, bind, listen (issue 8). */
export const NET: StructDef = {
  cName: 'd4c_net',
  fields: [
    ['h', 'hdr'],
    ['op', 'u32'],
    ['ret', 's32'],
    ['family', 'u16'],
    ['sock_type', 'u16'],
    ['protocol', 'u16'],
    ['nflags', 'u16'],
    ['lport', 'u16'],
    ['rport', 'u16'],
    ['laddr', 'in6'],
    ['raddr', 'in6'],
    ['lpath', 'vstr'],
    ['rpath', 'vstr'],
    ['netns', 'u32'],
  ],
};

/** D4C_EV_DNS: one DNS message sent to port 53 or read back on such a socket (issue 18). */
export const DNS: StructDef = {
  cName: 'd4c_dns',
  fields: [
    ['h', 'hdr'],
    ['netns', 'u32'],
    ['fd', 's32'],
    ['dir', 'u16'],
    ['sys', 'u16'],
    ['dflags', 'u16'],
    ['family', 'u16'],
    ['protocol', 'u16'],
    ['lport', 'u16'],
    ['rport', 'u16'],
    ['msg_index', 'u16'],
    ['len', 'u32'],
    ['laddr', 'in6'],
    ['raddr', 'in6'],
    ['payload', 'vstr'],
  ],
};

/** D4C_EV_TTY: a write(2) to a terminal by a container process with a controlling terminal (issue 17). */
export const TTY: StructDef = {
  cName: 'd4c_tty',
  fields: [
    ['h', 'hdr'],
    ['fd', 'u32'],
    ['total', 'u32'],
    ['major', 'u16'],
    ['minor', 'u16'],
    ['data', 'vstr'],
  ],
};

/** Per-thread enter state (map `enter_state`, pinned for the fanotify enforcement side). */
export const ENTER: StructDef = {
  cName: 'd4c_enter',
  fields: [
    ['open_flags', 'u32'],
    ['op', 'u32'],
    ['mode', 'u32'],
    ['dfd', 's32'],
    ['dfd2', 's32'],
    ['pad', 'u32'],
    ['p1', 'u64'],
    ['p2', 'u64'],
  ],
};

export const ALL_STRUCTS: readonly StructDef[] = [
  VSTR,
  PATH,
  HDR,
  FORK,
  EXEC,
  EXIT,
  SETSID,
  FILE,
  NET,
  DNS,
  TTY,
  ENTER,
];

/** Constants of bpf/events.h that the decoder relies on (checked by layout.test.ts too). */
export const CONST = {
  D4C_EV_FORK: 1,
  D4C_EV_EXEC: 2,
  D4C_EV_EXIT: 3,
  D4C_EV_SETSID: 4,
  D4C_EV_FILE: 5,
  D4C_EV_NET: 6,
  D4C_EV_DNS: 7,
  D4C_DNS_QUERY: 1,
  D4C_DNS_RESPONSE: 2,
  D4C_DSYS_SENDTO: 1,
  D4C_DSYS_SENDMSG: 2,
  D4C_DSYS_SENDMMSG: 3,
  D4C_DSYS_WRITE: 4,
  D4C_DSYS_RECVFROM: 5,
  D4C_DSYS_RECVMSG: 6,
  D4C_DSYS_READ: 7,
  D4C_DF_TRUNC: 0x1,
  D4C_DF_LOCAL4: 0x4,
  D4C_DF_REMOTE4: 0x8,
  D4C_DF_REMOTE: 0x10,
  D4C_DNS_PAYLOAD_MAX: 2047,
  D4C_DNS_PORT: 53,
  D4C_C_DNS_TRUNC: 27,
  D4C_C_DNS_STATE_FULL: 28,
  D4C_EV_TTY: 8,
  D4C_TTY_MAX: 12288,
  D4C_C_TTY_CUT: 32,
  D4C_FRAME_STATS: 0x100,
  D4C_FRAME_READY: 0x101,
  D4C_FOP_OPEN: 1,
  D4C_FOP_CREAT: 2,
  D4C_FOP_TRUNCATE: 3,
  D4C_FOP_FTRUNCATE: 4,
  D4C_FOP_CHMOD: 5,
  D4C_FOP_FCHMOD: 6,
  D4C_FOP_RENAME: 7,
  D4C_FOP_LINK: 8,
  D4C_FOP_SYMLINK: 9,
  D4C_FOP_MKNOD: 10,
  D4C_FOP_UNLINK: 11,
  D4C_FOP_RMDIR: 12,
  D4C_NOP_CONNECT: 1,
  D4C_NOP_ACCEPT: 2,
  D4C_NOP_BIND: 3,
  D4C_NOP_LISTEN: 4,
  D4C_NF_LOCAL: 0x1,
  D4C_NF_REMOTE: 0x2,
  D4C_NF_LOCAL4: 0x4,
  D4C_NF_REMOTE4: 0x8,
  D4C_NF_SENDTO: 0x10,
  D4C_NF_SENDMSG: 0x20,
  D4C_NF_SENDMMSG: 0x40,
  D4C_FOP_READ: 13,
  D4C_HF_TRUNCATED: 0x1,
  D4C_PF_TRUNCATED: 0x1,
  D4C_PF_DEPTH: 0x2,
  D4C_PF_DELETED: 0x4,
  D4C_PF_OUTSIDE_ROOT: 0x8,
  D4C_PF_NAME_TRUNC: 0x10,
  D4C_PF_HAS_DIR: 0x20,
  D4C_PF_BAD_FD: 0x40,
  D4C_FF_CREATED: 0x1,
  D4C_FF_MODE_INODE: 0x2,
  D4C_FF_MODE_ARG: 0x4,
  D4C_FF_PREFIX_SHIFT: 8,
  D4C_FF_PREFIX_MASK: 0xff00,
  D4C_NCOUNTERS: 40,
  D4C_C_RB_FAIL: 0,
  D4C_C_EMITTED: 8,
  D4C_C_TRUNC_STR: 16,
  D4C_C_TRUNC_PATH: 17,
  D4C_C_TRUNC_ARGV: 18,
  D4C_C_PATH_DEPTH: 19,
  D4C_C_MISSING_ENTER: 20,
  D4C_C_ENTER_FULL: 21,
  D4C_C_READ_FAIL: 22,
  D4C_C_CGROUP_TRUNC: 23,
  D4C_C_NET_NOT_SOCKET: 29,
  D4C_C_NET_OTHER: 30,
  D4C_C_NET_STATE_FULL: 31,
  D4C_C_READ_FILTERED: 24,
  D4C_C_READ_UNWALKED: 25,
  D4C_C_READ_DIR: 26,
  D4C_READ_PREFIXES: 16,
  D4C_READ_COMPS: 8,
  D4C_READ_COMP_LEN: 64,
} as const;

export interface Layout {
  readonly size: number;
  readonly align: number;
  /** Absolute offsets of every field, nested ones as `h.tgid`, `path.dir.off`. */
  readonly offsets: Readonly<Record<string, number>>;
}

const PRIMS: Record<Scalar | 'comm' | 'in6', { size: number; align: number }> = {
  u16: { size: 2, align: 2 },
  u32: { size: 4, align: 4 },
  s32: { size: 4, align: 4 },
  u64: { size: 8, align: 8 },
  comm: { size: 16, align: 1 },
  in6: { size: 16, align: 1 },
};

const NESTED: Record<'vstr' | 'path' | 'hdr', StructDef> = { vstr: VSTR, path: PATH, hdr: HDR };

const cache = new Map<StructDef, Layout>();

/** The C layout of a struct: natural alignment, padding to the largest member's alignment. */
export function layoutOf(def: StructDef): Layout {
  const hit = cache.get(def);
  if (hit) return hit;
  const offsets: Record<string, number> = {};
  let off = 0;
  let maxAlign = 1;
  for (const [name, type] of def.fields) {
    let size: number;
    let align: number;
    let inner: Layout | undefined;
    if (type === 'vstr' || type === 'path' || type === 'hdr') {
      inner = layoutOf(NESTED[type]);
      size = inner.size;
      align = inner.align;
    } else {
      ({ size, align } = PRIMS[type]);
    }
    off = Math.ceil(off / align) * align;
    offsets[name] = off;
    if (inner) for (const [k, v] of Object.entries(inner.offsets)) offsets[`${name}.${k}`] = off + v;
    off += size;
    maxAlign = Math.max(maxAlign, align);
  }
  const layout = { size: Math.ceil(off / maxAlign) * maxAlign, align: maxAlign, offsets };
  cache.set(def, layout);
  return layout;
}

/** Offset of a (possibly nested) field; throws at module load if a name is misspelt. */
export function off(def: StructDef, field: string): number {
  const v = layoutOf(def).offsets[field];
  if (v === undefined) throw new Error(`events-def: ${def.cName} has no field ${field}`);
  return v;
}
