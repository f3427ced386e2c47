// Typed sensor records, as decoded from the kernel's ring buffer.
import type { FileOp, KernelCounters, NetOp, RecordKind } from './wire.js';

export type { FileOp, KernelCounters, NetOp, RecordKind };

export interface ProcessInfo {
  /** Boot-time ns of the record (bpf_ktime_get_boot_ns). */
  ts: number;
  /** Thread-group leader start, ns since boot. */
  startTime: number;
  parentStartTime: number;
  tgid: number;
  tid: number;
  ppid: number;
  pgid: number;
  sid: number;
  /** The pid as seen in the process's own pid namespace. */
  vpid: number;
  uid: number;
  euid: number;
  suid: number;
  gid: number;
  egid: number;
  sgid: number;
  capEffective: bigint;
  capPermitted: bigint;
  ttyMajor: number;
  ttyMinor: number;
  cgroupId: number;
  /** cgroup v2 path, e.g. `/libpod_parent/libpod-<64 hex>`. */
  cgroupPath: string;
  pidns: number;
  mntns: number;
  comm: string;
  /** Something in the record was cut short (see the truncation counters). */
  truncated: boolean;
}

export interface PathInfo {
  path: string;
  /** D4C_PF_* bits: truncated, depth, deleted, outside root, bad fd. */
  flags: number;
}

export interface ForkEvent extends ProcessInfo {
  kind: 'fork';
}

export interface ExecEvent extends ProcessInfo {
  kind: 'exec';
  /** The executable, resolved in the kernel from the opened file. */
  executable: string;
  executableFlags: number;
  /** The filename as passed to execve. */
  filename: string;
  /**
   * `filename` made absolute against the cwd (lexically). For a script this is the script, while
   * `executable` is its interpreter (the file the kernel ended up mapping, like /proc/PID/exe).
   */
  filenamePath: string;
  args: string[];
  argc: number;
  argsTruncated: boolean;
  cwd: string;
  cwdFlags: number;
  exeIno: bigint;
  exeDev: number;
  exeMode: number;
}

export interface ExitEvent extends ProcessInfo {
  kind: 'exit';
  /** Raw wait status. */
  status: number;
  /** exit(2) code, or 128 + signal when killed (shell convention). */
  exitCode: number;
  /** Terminating signal, 0 when it exited normally. */
  signal: number;
}

export interface SetsidEvent extends ProcessInfo {
  kind: 'setsid';
}

export interface FileEvent extends ProcessInfo {
  kind: 'file';
  op: FileOp;
  /** The affected path: for rename the new name, for link/symlink the new link. */
  path: string;
  pathFlags: number;
  /** Rename: the old name; link: the existing file; symlink: the link content (raw). */
  origPath?: string;
  origFlags?: number;
  /** Mode after the change (type + permission bits); 0 when unknown. */
  mode: number;
  /** Where mode came from: the inode after the change, the syscall argument, or nowhere. */
  modeSource: 'inode' | 'arg' | 'unknown';
  ino: bigint;
  dev: number;
  /** open/creat: the call created the file. */
  created: boolean;
  openFlags: number;
  /** read: index of the read prefix that matched (in the order they were given to the sensor). */
  readPrefix?: number;
}

/** One end of a socket: ip + port for inet sockets, path for unix ones. */
export interface NetEndpoint {
  /** IPv4 dotted quad or RFC 5952 IPv6; an IPv4-mapped IPv6 address is given as IPv4. */
  ip?: string;
  port?: number;
  /** Unix socket path; `@name` for the abstract namespace. */
  path?: string;
}

export interface NetworkEvent extends ProcessInfo {
  kind: 'network';
  op: NetOp;
  /** `network.type`: ipv4 also for an IPv6 socket talking to an IPv4-mapped address. */
  netType: 'ipv4' | 'ipv6' | 'unix';
  /** `network.transport`: tcp, udp, unix, or another IANA name (icmp, sctp); absent when unknown. */
  transport?: string;
  /** Socket family, type and protocol as the kernel has them (AF_*, SOCK_*, IPPROTO_*). */
  family: number;
  sockType: number;
  protocol: number;
  /** This socket's end: bound address (bind, listen), source of a connect, the accepting side. */
  local?: NetEndpoint;
  /** The peer: connect's target, accept's client. Absent for bind and listen. */
  remote?: NetEndpoint;
  /** The syscall's return: 0 or the new fd on success, -errno on failure. */
  result: number;
  /** success; failure; unknown for a non-blocking connect still in progress (EINPROGRESS). */
  outcome: 'success' | 'failure' | 'unknown';
  /** errno name of a failure (`ECONNREFUSED`); absent on success. */
  error?: string;
  /**
   * A datagram sent to an address (sendto, sendmsg) that failed with EPERM (the connect filter
   * refused it): reported as a `connect` attempt to that address. Sends that went through make
   * no record.
   */
  send?: 'sendto' | 'sendmsg' | 'sendmmsg';
  /** Network namespace inode of the calling task. */
  netns: number;
}

/**
 * One DNS message (issue 18): sent by a watched task to port 53 (`query`) or read back on that
 * socket (`response`). The payload is the bytes the kernel copied (at most 2047; `truncated` when
 * the call moved more); over TCP it is a piece of the stream, length prefixes included.
 */
export interface DnsMessageEvent extends ProcessInfo {
  kind: 'dns';
  direction: 'query' | 'response';
  syscall: 'sendto' | 'sendmsg' | 'sendmmsg' | 'write' | 'recvfrom' | 'recvmsg' | 'read';
  transport: 'udp' | 'tcp';
  netType: 'ipv4' | 'ipv6';
  netns: number;
  fd: number;
  /** This socket's end. */
  local: NetEndpoint;
  /**
   * The resolver (for a query the destination, for a response the sender); absent if unknown, as
   * for a response on an unconnected UDP socket (its query's destination says who was asked).
   */
  remote?: NetEndpoint;
  /** Bytes the call moved for this message. */
  length: number;
  truncated: boolean;
  /** sendmmsg: the message's index in the vector. */
  msgIndex: number;
  payload: Buffer;
}

/**
 * A write(2) to a terminal (pty slave, tty, /dev/tty, console) by a container process with a
 * controlling terminal, taken at syscall exit (issue 17).
 */
export interface TtyEvent extends ProcessInfo {
  kind: 'tty';
  fd: number;
  /** Bytes the call wrote; `data` holds the first D4C_TTY_MAX of them at most. */
  total: number;
  /** The terminal written to. */
  major: number;
  minor: number;
  /** A view into the frame buffer: copy or decode before the next frame. */
  data: Buffer;
}

export type SensorEvent =
  | ForkEvent
  | ExecEvent
  | ExitEvent
  | SetsidEvent
  | FileEvent
  | NetworkEvent
  | DnsMessageEvent
  | TtyEvent;

export interface UserCounters {
  frames: number;
  bytes: number;
  events: number;
  decodeErrors: number;
}

export interface SensorStats {
  kernel: KernelCounters;
  user: UserCounters;
}
