// Decodes one kernel record (a frame's payload) into a typed event. Reads straight from the
// frame's Buffer at offsets computed once from events-def.ts; allocates only the result object
// and its strings.
import { SENSOR_CODES } from './codes.js';
import { CONST, DNS, EXEC, EXIT, FILE, HDR, layoutOf, NET, off, TTY } from './events-def.js';
import { errnoName, inetTransport, ipv4, ipv6, isV4Mapped, unixPath } from './net.js';
import { bytesToString, componentsToPath, joinPath, splitNul } from './paths.js';
import type {
  DnsMessageEvent,
  ExecEvent,
  ExitEvent,
  FileEvent,
  KernelCounters,
  NetEndpoint,
  NetworkEvent,
  ProcessInfo,
  SensorEvent,
  TtyEvent,
} from './types.js';
import {
  emptyKernelCounters,
  FILE_OPS,
  KERNEL_COUNTER_NAMES,
  KERNEL_COUNTERS,
  LOADER_COUNTERS,
  NET_OPS,
  RECORD_KINDS,
  recordSlot,
} from './wire.js';

export class DecodeError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'DecodeError';
  }
}

const H = {
  type: off(HDR, 'type'),
  size: off(HDR, 'size'),
  flags: off(HDR, 'flags'),
  ts: off(HDR, 'ts'),
  start: off(HDR, 'start_time'),
  pstart: off(HDR, 'parent_start_time'),
  cgid: off(HDR, 'cgroup_id'),
  capE: off(HDR, 'cap_effective'),
  capP: off(HDR, 'cap_permitted'),
  tgid: off(HDR, 'tgid'),
  tid: off(HDR, 'tid'),
  ppid: off(HDR, 'ppid'),
  pgid: off(HDR, 'pgid'),
  sid: off(HDR, 'sid'),
  vpid: off(HDR, 'vpid'),
  uid: off(HDR, 'uid'),
  euid: off(HDR, 'euid'),
  suid: off(HDR, 'suid'),
  gid: off(HDR, 'gid'),
  egid: off(HDR, 'egid'),
  sgid: off(HDR, 'sgid'),
  pidns: off(HDR, 'pidns'),
  mntns: off(HDR, 'mntns'),
  ttyMaj: off(HDR, 'tty_major'),
  ttyMin: off(HDR, 'tty_minor'),
  cgroup: off(HDR, 'cgroup'),
  comm: off(HDR, 'comm'),
};
const HDR_SIZE = layoutOf(HDR).size;
const MIN_SIZE: Record<number, number> = {
  [CONST.D4C_EV_FORK]: HDR_SIZE,
  [CONST.D4C_EV_SETSID]: HDR_SIZE,
  [CONST.D4C_EV_EXEC]: layoutOf(EXEC).size,
  [CONST.D4C_EV_EXIT]: layoutOf(EXIT).size,
  [CONST.D4C_EV_FILE]: layoutOf(FILE).size,
  [CONST.D4C_EV_NET]: layoutOf(NET).size,
  [CONST.D4C_EV_DNS]: layoutOf(DNS).size,
  [CONST.D4C_EV_TTY]: layoutOf(TTY).size,
};

/** A vstr {off,len} relative to the record at `base`; bounds-checked against the record. */
function vstr(buf: Buffer, base: number, at: number, end: number): [number, number] {
  const o = base + buf.readUInt16LE(at);
  const len = buf.readUInt16LE(at + 2);
  if (o + len > end)
    throw new DecodeError(SENSOR_CODES.badString.code, `string at ${o - base}+${len} beyond record end`);
  return [o, o + len];
}

function u64(buf: Buffer, at: number): number {
  return buf.readUInt32LE(at) + buf.readUInt32LE(at + 4) * 0x1_0000_0000;
}

function header(buf: Buffer, b: number, end: number): ProcessInfo {
  const [cs, ce] = vstr(buf, b, b + H.cgroup, end);
  let commEnd = b + H.comm;
  while (commEnd < b + H.comm + 16 && buf[commEnd] !== 0) commEnd++;
  return {
    ts: u64(buf, b + H.ts),
    startTime: u64(buf, b + H.start),
    parentStartTime: u64(buf, b + H.pstart),
    tgid: buf.readUInt32LE(b + H.tgid),
    tid: buf.readUInt32LE(b + H.tid),
    ppid: buf.readUInt32LE(b + H.ppid),
    pgid: buf.readUInt32LE(b + H.pgid),
    sid: buf.readUInt32LE(b + H.sid),
    vpid: buf.readUInt32LE(b + H.vpid),
    uid: buf.readUInt32LE(b + H.uid),
    euid: buf.readUInt32LE(b + H.euid),
    suid: buf.readUInt32LE(b + H.suid),
    gid: buf.readUInt32LE(b + H.gid),
    egid: buf.readUInt32LE(b + H.egid),
    sgid: buf.readUInt32LE(b + H.sgid),
    capEffective: buf.readBigUInt64LE(b + H.capE),
    capPermitted: buf.readBigUInt64LE(b + H.capP),
    ttyMajor: buf.readUInt16LE(b + H.ttyMaj),
    ttyMinor: buf.readUInt16LE(b + H.ttyMin),
    cgroupId: u64(buf, b + H.cgid),
    cgroupPath: componentsToPath(buf, cs, ce),
    pidns: buf.readUInt32LE(b + H.pidns),
    mntns: buf.readUInt32LE(b + H.mntns),
    comm: bytesToString(buf, b + H.comm, commEnd),
    truncated: (buf.readUInt32LE(b + H.flags) & CONST.D4C_HF_TRUNCATED) !== 0,
  };
}

/**
 * What a path whose leading components the kernel walk did not reach begins with (PF_TRUNCATED,
 * PF_DEPTH): `.../c/d` is the tail of a longer path, never an absolute path that looks whole.
 */
export const TRUNCATED_PATH_MARK = '...';

/** A d4c_path at `at` -> the absolute path string (or a marked tail) and its flags. */
function path(buf: Buffer, b: number, at: number, end: number): [string, number] {
  const flags = buf.readUInt32LE(at + 8);
  const [ds, de] = vstr(buf, b, at, end);
  const [ns, ne] = vstr(buf, b, at + 4, end);
  const name = bytesToString(buf, ns, ne);
  const dir = flags & CONST.D4C_PF_HAS_DIR ? componentsToPath(buf, ds, de) : undefined;
  const p = joinPath(dir, name);
  // An absolute caller string is the path itself; a walked directory cut short is not.
  const cut =
    dir !== undefined &&
    !name.startsWith('/') &&
    (flags & (CONST.D4C_PF_TRUNCATED | CONST.D4C_PF_DEPTH)) !== 0 &&
    p.startsWith('/');
  return [cut ? TRUNCATED_PATH_MARK + p : p, flags];
}

const X = {
  ino: off(EXEC, 'exe_ino'),
  dev: off(EXEC, 'exe_dev'),
  mode: off(EXEC, 'exe_mode'),
  argc: off(EXEC, 'argc'),
  trunc: off(EXEC, 'args_truncated'),
  filename: off(EXEC, 'filename'),
  args: off(EXEC, 'args'),
  exe: off(EXEC, 'exe'),
  cwd: off(EXEC, 'cwd'),
};
const F = {
  ino: off(FILE, 'ino'),
  dev: off(FILE, 'dev'),
  mode: off(FILE, 'mode'),
  op: off(FILE, 'op'),
  oflags: off(FILE, 'open_flags'),
  fflags: off(FILE, 'fflags'),
  path: off(FILE, 'path'),
  orig: off(FILE, 'orig'),
  origName: off(FILE, 'orig.name'),
};
const EXIT_CODE = off(EXIT, 'exit_code');
const N = {
  op: off(NET, 'op'),
  ret: off(NET, 'ret'),
  family: off(NET, 'family'),
  type: off(NET, 'sock_type'),
  proto: off(NET, 'protocol'),
  flags: off(NET, 'nflags'),
  lport: off(NET, 'lport'),
  rport: off(NET, 'rport'),
  laddr: off(NET, 'laddr'),
  raddr: off(NET, 'raddr'),
  lpath: off(NET, 'lpath'),
  rpath: off(NET, 'rpath'),
  netns: off(NET, 'netns'),
};
const T = {
  fd: off(TTY, 'fd'),
  total: off(TTY, 'total'),
  major: off(TTY, 'major'),
  minor: off(TTY, 'minor'),
  data: off(TTY, 'data'),
};
const AF_UNIX = 1;
const AF_INET = 2;
const AF_INET6 = 10;
const EINPROGRESS = -115;

/** One end of an inet socket: v4 (flag) or 16 bytes; port 0 means none chosen yet. */
function inetEnd(buf: Buffer, at: number, port: number, v4: boolean): NetEndpoint {
  const ep: NetEndpoint = { ip: v4 ? ipv4(buf, at) : ipv6(buf, at) };
  if (port !== 0) ep.port = port;
  return ep;
}

function network(buf: Buffer, b: number, end: number, h: ProcessInfo): NetworkEvent {
  const opNum = buf.readUInt32LE(b + N.op);
  const op = NET_OPS[opNum];
  if (!op) throw new DecodeError(SENSOR_CODES.unknownValue.code, `unknown network operation ${opNum}`);
  const family = buf.readUInt16LE(b + N.family);
  if (family !== AF_INET && family !== AF_INET6 && family !== AF_UNIX)
    throw new DecodeError(SENSOR_CODES.unknownValue.code, `unknown socket family ${family}`);
  const flags = buf.readUInt16LE(b + N.flags);
  const sockType = buf.readUInt16LE(b + N.type);
  const protocol = buf.readUInt16LE(b + N.proto);
  const result = buf.readInt32LE(b + N.ret);
  let local: NetEndpoint | undefined;
  let remote: NetEndpoint | undefined;
  let netType: NetworkEvent['netType'];
  let transport: string | undefined;
  if (family === AF_UNIX) {
    netType = 'unix';
    transport = 'unix';
    if (flags & CONST.D4C_NF_LOCAL) {
      const [s, e] = vstr(buf, b, b + N.lpath, end);
      local = { path: unixPath(buf, s, e) };
    }
    if (flags & CONST.D4C_NF_REMOTE) {
      const [s, e] = vstr(buf, b, b + N.rpath, end);
      remote = { path: unixPath(buf, s, e) };
    }
  } else {
    const l4 = (flags & CONST.D4C_NF_LOCAL4) !== 0;
    const r4 = (flags & CONST.D4C_NF_REMOTE4) !== 0;
    if (flags & CONST.D4C_NF_LOCAL) local = inetEnd(buf, b + N.laddr, buf.readUInt16LE(b + N.lport), l4);
    if (flags & CONST.D4C_NF_REMOTE) remote = inetEnd(buf, b + N.raddr, buf.readUInt16LE(b + N.rport), r4);
    // The address the event is about (the peer, or the bound one) decides v4 vs v6.
    const main = remote !== undefined ? [b + N.raddr, r4] : [b + N.laddr, l4];
    const v4 = family === AF_INET || main[1] === true || isV4Mapped(buf, main[0] as number);
    netType = v4 ? 'ipv4' : 'ipv6';
    transport = inetTransport(sockType, protocol);
  }
  const e: NetworkEvent = Object.assign(h, {
    kind: 'network' as const,
    op,
    netns: buf.readUInt32LE(b + N.netns),
    netType,
    family,
    sockType,
    protocol,
    result,
    outcome: (result >= 0
      ? 'success'
      : op === 'connect' && result === EINPROGRESS
        ? 'unknown'
        : 'failure') as NetworkEvent['outcome'],
  });
  if (transport !== undefined) e.transport = transport;
  if (flags & CONST.D4C_NF_SENDTO) e.send = 'sendto';
  else if (flags & CONST.D4C_NF_SENDMSG) e.send = 'sendmsg';
  else if (flags & CONST.D4C_NF_SENDMMSG) e.send = 'sendmmsg';
  if (local !== undefined) e.local = local;
  if (remote !== undefined) e.remote = remote;
  const err = errnoName(result);
  if (err !== undefined && result !== EINPROGRESS) e.error = err;
  return e;
}

const D = {
  netns: off(DNS, 'netns'),
  fd: off(DNS, 'fd'),
  dir: off(DNS, 'dir'),
  sys: off(DNS, 'sys'),
  flags: off(DNS, 'dflags'),
  family: off(DNS, 'family'),
  proto: off(DNS, 'protocol'),
  lport: off(DNS, 'lport'),
  rport: off(DNS, 'rport'),
  index: off(DNS, 'msg_index'),
  len: off(DNS, 'len'),
  laddr: off(DNS, 'laddr'),
  raddr: off(DNS, 'raddr'),
  payload: off(DNS, 'payload'),
};
const DNS_SYS: readonly (DnsMessageEvent['syscall'] | undefined)[] = [
  undefined,
  'sendto',
  'sendmsg',
  'sendmmsg',
  'write',
  'recvfrom',
  'recvmsg',
  'read',
];

function dnsMessage(buf: Buffer, b: number, end: number, h: ProcessInfo): DnsMessageEvent {
  const dir = buf.readUInt16LE(b + D.dir);
  if (dir !== CONST.D4C_DNS_QUERY && dir !== CONST.D4C_DNS_RESPONSE)
    throw new DecodeError(SENSOR_CODES.unknownValue.code, `unknown DNS direction ${dir}`);
  const sys = DNS_SYS[buf.readUInt16LE(b + D.sys)];
  if (!sys)
    throw new DecodeError(
      SENSOR_CODES.unknownValue.code,
      `unknown DNS syscall ${buf.readUInt16LE(b + D.sys)}`,
    );
  const family = buf.readUInt16LE(b + D.family);
  if (family !== AF_INET && family !== AF_INET6)
    throw new DecodeError(SENSOR_CODES.unknownValue.code, `DNS on family ${family}`);
  const flags = buf.readUInt16LE(b + D.flags);
  const r4 = (flags & CONST.D4C_DF_REMOTE4) !== 0;
  const [ps, pe] = vstr(buf, b, b + D.payload, end);
  const e: DnsMessageEvent = Object.assign(h, {
    kind: 'dns' as const,
    direction: dir === CONST.D4C_DNS_QUERY ? ('query' as const) : ('response' as const),
    syscall: sys,
    transport: buf.readUInt16LE(b + D.proto) === 6 ? ('tcp' as const) : ('udp' as const),
    netType: (family === AF_INET || (flags & CONST.D4C_DF_REMOTE && (r4 || isV4Mapped(buf, b + D.raddr)))
      ? 'ipv4'
      : 'ipv6') as DnsMessageEvent['netType'],
    netns: buf.readUInt32LE(b + D.netns),
    fd: buf.readInt32LE(b + D.fd),
    local: inetEnd(buf, b + D.laddr, buf.readUInt16LE(b + D.lport), (flags & CONST.D4C_DF_LOCAL4) !== 0),
    length: buf.readUInt32LE(b + D.len),
    truncated: (flags & CONST.D4C_DF_TRUNC) !== 0,
    msgIndex: buf.readUInt16LE(b + D.index),
    // A copy: the frame's buffer is reused once the chunk is decoded.
    payload: Buffer.from(buf.subarray(ps, pe)),
  });
  if (flags & CONST.D4C_DF_REMOTE) e.remote = inetEnd(buf, b + D.raddr, buf.readUInt16LE(b + D.rport), r4);
  return e;
}

/**
 * Decodes the record at buf[b, b+len). Throws DecodeError on a malformed record (the caller counts
 * it and goes on); returns undefined for loader frames (stats/ready), which the caller handles.
 */
export function decodeRecord(buf: Buffer, b: number, len: number): SensorEvent {
  const end = b + len;
  if (len < HDR_SIZE)
    throw new DecodeError(SENSOR_CODES.shortRecord.code, `record of ${len} bytes is shorter than a header`);
  const type = buf.readUInt16LE(b + H.type);
  const min = MIN_SIZE[type];
  if (min === undefined) throw new DecodeError(SENSOR_CODES.unknownValue.code, `unknown record type ${type}`);
  if (len < min)
    throw new DecodeError(SENSOR_CODES.shortRecord.code, `record type ${type} of ${len} bytes, need ${min}`);
  const h = header(buf, b, end);
  switch (type) {
    case CONST.D4C_EV_FORK:
      return Object.assign(h, { kind: 'fork' as const });
    case CONST.D4C_EV_SETSID:
      return Object.assign(h, { kind: 'setsid' as const });
    case CONST.D4C_EV_EXIT: {
      const status = buf.readUInt32LE(b + EXIT_CODE);
      const signal = status & 0x7f;
      const e: ExitEvent = Object.assign(h, {
        kind: 'exit' as const,
        status,
        signal,
        exitCode: signal ? 128 + signal : (status >> 8) & 0xff,
      });
      return e;
    }
    case CONST.D4C_EV_EXEC: {
      const [fs, fe] = vstr(buf, b, b + X.filename, end);
      const [as, ae] = vstr(buf, b, b + X.args, end);
      const [executable, executableFlags] = path(buf, b, b + X.exe, end);
      const [cwd, cwdFlags] = path(buf, b, b + X.cwd, end);
      const filename = bytesToString(buf, fs, fe);
      const e: ExecEvent = Object.assign(h, {
        kind: 'exec' as const,
        executable,
        executableFlags,
        filename,
        filenamePath: joinPath(cwd, filename),
        args: splitNul(buf, as, ae),
        argc: buf.readUInt32LE(b + X.argc),
        argsTruncated: buf.readUInt32LE(b + X.trunc) !== 0,
        cwd,
        cwdFlags,
        exeIno: buf.readBigUInt64LE(b + X.ino),
        exeDev: buf.readUInt32LE(b + X.dev),
        exeMode: buf.readUInt32LE(b + X.mode),
      });
      return e;
    }
    case CONST.D4C_EV_NET:
      return network(buf, b, end, h);
    case CONST.D4C_EV_DNS:
      return dnsMessage(buf, b, end, h);
    case CONST.D4C_EV_TTY: {
      const [ds, de] = vstr(buf, b, b + T.data, end);
      const e: TtyEvent = Object.assign(h, {
        kind: 'tty' as const,
        fd: buf.readUInt32LE(b + T.fd),
        total: buf.readUInt32LE(b + T.total),
        major: buf.readUInt16LE(b + T.major),
        minor: buf.readUInt16LE(b + T.minor),
        data: buf.subarray(ds, de),
      });
      return e;
    }
    default: {
      const opNum = buf.readUInt32LE(b + F.op);
      const op = FILE_OPS[opNum];
      if (!op) throw new DecodeError(SENSOR_CODES.unknownValue.code, `unknown file operation ${opNum}`);
      const fflags = buf.readUInt32LE(b + F.fflags);
      const [p, pathFlags] = path(buf, b, b + F.path, end);
      const e: FileEvent = Object.assign(h, {
        kind: 'file' as const,
        op,
        path: p,
        pathFlags,
        mode: buf.readUInt32LE(b + F.mode),
        modeSource: (fflags & CONST.D4C_FF_MODE_INODE
          ? 'inode'
          : fflags & CONST.D4C_FF_MODE_ARG
            ? 'arg'
            : 'unknown') as FileEvent['modeSource'],
        ino: buf.readBigUInt64LE(b + F.ino),
        dev: buf.readUInt32LE(b + F.dev),
        created: (fflags & CONST.D4C_FF_CREATED) !== 0,
        openFlags: buf.readUInt32LE(b + F.oflags),
      });
      if (op === 'read') e.readPrefix = (fflags & CONST.D4C_FF_PREFIX_MASK) >> CONST.D4C_FF_PREFIX_SHIFT;
      if (op === 'rename' || op === 'link' || op === 'symlink') {
        const [o, origFlags] = path(buf, b, b + F.orig, end);
        e.origPath = o;
        e.origFlags = origFlags;
      }
      return e;
    }
  }
}

/** The loader's own frames: type at offset 0, u32 n at 4, then n u64 for stats. */
export function frameType(buf: Buffer, b: number): number {
  return buf.readUInt16LE(b);
}

export function decodeStats(buf: Buffer, b: number, len: number): KernelCounters {
  const n = buf.readUInt32LE(b + 4);
  if (len < 8 + n * 8 || n < CONST.D4C_NCOUNTERS + LOADER_COUNTERS.length)
    throw new DecodeError(SENSOR_CODES.shortRecord.code, `stats frame of ${len} bytes for ${n} counters`);
  const c = (i: number) => u64(buf, b + 8 + i * 8);
  const out = emptyKernelCounters();
  for (const k of RECORD_KINDS) {
    out.ringFull[k] = c(CONST.D4C_C_RB_FAIL + recordSlot(k));
    out.emitted[k] = c(CONST.D4C_C_EMITTED + recordSlot(k));
  }
  for (const name of KERNEL_COUNTER_NAMES) out[name] = c(CONST[KERNEL_COUNTERS[name].c]);
  LOADER_COUNTERS.forEach((name, i) => {
    out[name] = c(CONST.D4C_NCOUNTERS + i);
  });
  return out;
}
