// Reading one process from procfs. Parsers are pure (tested with tables); the reader tolerates the
// races of a live /proc (a process exits between two reads) and permission errors, counting them.
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';

/** What bootstrap learns about one process from procfs. */
export interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  vpid: number;
  /** Start time in clock ticks since boot (stat field 22). */
  startTicks: number;
  comm: string;
  state: string;
  kthread: boolean;
  ttyMajor: number;
  ttyMinor: number;
  /** '' when unknown (kernel thread, zombie, unreadable). */
  executable: string;
  /** The executable was deleted or replaced after the exec. */
  exeDeleted: boolean;
  args: string[];
  cwd: string;
  /** -1 when unknown. */
  ruid: number;
  euid: number;
  suid: number;
  rgid: number;
  egid: number;
  sgid: number;
  capEff: bigint;
  capPrm: bigint;
  cgroupPath: string;
  pidNsInum: number;
  mntNsInum: number;
}

export interface ProcReadCounters {
  vanished: number;
  permissionDenied: number;
  errors: number;
  partial: number;
}

export function newReadCounters(): ProcReadCounters {
  return { vanished: 0, permissionDenied: 0, errors: 0, partial: 0 };
}

/** The file operations the reader needs; tests wrap them to inject faults. */
export interface ProcFs {
  readText(path: string): string;
  readBytes(path: string): Buffer;
  readLink(path: string): string;
  list(path: string): string[];
  /** Inode number of a path (a cgroup v2 directory's inode is the cgroup id). */
  inode(path: string): number;
}

export const nodeProcFs: ProcFs = {
  readText: (p) => readFileSync(p, 'utf8'),
  readBytes: (p) => readFileSync(p),
  readLink: (p) => readlinkSync(p),
  list: (p) => readdirSync(p),
  inode: (p) => statSync(p).ino,
};

/** Kernel thread flag in stat field 9 (include/linux/sched.h). */
const PF_KTHREAD = 0x00200000;

export interface StatFields {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  pgid: number;
  sid: number;
  ttyNr: number;
  flags: number;
  startTicks: number;
}

/**
 * Parses /proc/PID/stat. The comm sits between the first '(' and the LAST ')': it may itself
 * contain spaces, parentheses and newlines, but nothing after it contains ')'.
 */
export function parseStat(text: string): StatFields | undefined {
  const open = text.indexOf(' (');
  const close = text.lastIndexOf(')');
  if (open <= 0 || close < open) return undefined;
  const pid = toInt(text.slice(0, open));
  const comm = text.slice(open + 2, close);
  const rest = text
    .slice(close + 2)
    .trimEnd()
    .split(' ');
  // rest[0] is field 3 (state); field N is rest[N - 3].
  if (rest.length < 20) return undefined;
  const state = rest[0]!;
  const ppid = toInt(rest[1]!);
  const pgid = toInt(rest[2]!);
  const sid = toInt(rest[3]!);
  const ttyNr = toInt(rest[4]!);
  const flags = toInt(rest[6]!);
  const startTicks = toInt(rest[19]!);
  if (
    Number.isNaN(pid) ||
    Number.isNaN(ppid) ||
    Number.isNaN(pgid) ||
    Number.isNaN(sid) ||
    Number.isNaN(ttyNr) ||
    Number.isNaN(flags) ||
    Number.isNaN(startTicks) ||
    state.length !== 1
  ) {
    return undefined;
  }
  return { pid, comm, state, ppid, pgid, sid, ttyNr, flags, startTicks };
}

/** Decodes a device number as the kernel's new_decode_dev (stat field 7 `tty_nr`). */
export function decodeDev(dev: number): { major: number; minor: number } {
  return { major: (dev >>> 8) & 0xfff, minor: (dev & 0xff) | ((dev >>> 12) & 0xfff00) };
}

export interface StatusFields {
  uid?: [number, number, number];
  gid?: [number, number, number];
  capEff?: bigint;
  capPrm?: bigint;
  /** Last NSpid value: the pid in the innermost pid namespace. */
  vpid?: number;
}

/** Parses the lines of /proc/PID/status we need. The kernel escapes newlines in `Name:`. */
export function parseStatus(text: string): StatusFields {
  const out: StatusFields = {};
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon);
    const value = line.slice(colon + 1).trim();
    switch (key) {
      case 'Uid':
      case 'Gid': {
        const ids = value.split(/\s+/).map(toInt);
        if (ids.length >= 3 && !ids.slice(0, 3).some(Number.isNaN)) {
          out[key === 'Uid' ? 'uid' : 'gid'] = [ids[0]!, ids[1]!, ids[2]!];
        }
        break;
      }
      case 'CapEff':
      case 'CapPrm':
        if (/^[0-9a-fA-F]{1,16}$/.test(value))
          out[key === 'CapEff' ? 'capEff' : 'capPrm'] = BigInt('0x' + value);
        break;
      case 'NSpid': {
        const ids = value.split(/\s+/);
        const last = toInt(ids[ids.length - 1] ?? '');
        if (!Number.isNaN(last)) out.vpid = last;
        break;
      }
    }
  }
  return out;
}

/**
 * Splits /proc/PID/cmdline: NUL-terminated args. A process that set its title (setproctitle,
 * Node's process.title) leaves one string padded with NULs, so all trailing NULs go — at the
 * price of a genuinely empty last argument, as in other procfs readers.
 */
export function parseCmdline(buf: Buffer): string[] {
  let end = buf.length;
  while (end > 0 && buf[end - 1] === 0) end--;
  if (end === 0) return [];
  return buf.toString('utf8', 0, end).split('\0');
}

/** The cgroup v2 path (`0::/path`) if present, else the first hierarchy's path. */
export function parseCgroup(text: string): string {
  let first = '';
  for (const line of text.split('\n')) {
    const a = line.indexOf(':');
    const b = a < 0 ? -1 : line.indexOf(':', a + 1);
    if (b < 0) continue;
    const path = line.slice(b + 1);
    if (line.startsWith('0::')) return path;
    if (first === '') first = path;
  }
  return first;
}

/** `pid:[4026531836]` → 4026531836; NaN if malformed. */
export function parseNsLink(link: string): number {
  const m = /^[a-z_]+:\[(\d+)\]$/.exec(link);
  return m ? Number(m[1]) : Number.NaN;
}

const DELETED = ' (deleted)';

export function parseExeLink(link: string): { path: string; deleted: boolean } {
  return link.endsWith(DELETED)
    ? { path: link.slice(0, -DELETED.length), deleted: true }
    : { path: link, deleted: false };
}

/** Numeric entries of the procfs root; [] (and an error counted) if it cannot be listed. */
export function listPids(root: string, counters: ProcReadCounters, fs: ProcFs = nodeProcFs): number[] {
  let names: string[];
  try {
    names = fs.list(root);
  } catch {
    counters.errors++;
    return [];
  }
  const pids: number[] = [];
  for (const n of names) if (/^[1-9]\d*$/.test(n)) pids.push(Number(n));
  return pids;
}

type Outcome = 'ok' | 'gone' | 'denied' | 'error';

function classify(err: unknown): Outcome {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ESRCH') return 'gone';
  if (code === 'EACCES' || code === 'EPERM') return 'denied';
  return 'error';
}

/**
 * Reads one process. Returns undefined when it vanished (or its stat is unreadable); files that
 * fail otherwise leave their fields unknown and count the process as partial. Never throws.
 */
export function readProcess(
  root: string,
  pid: number,
  counters: ProcReadCounters,
  fs: ProcFs = nodeProcFs,
): ProcInfo | undefined {
  const dir = `${root}/${pid}`;
  let statText: string;
  try {
    statText = fs.readText(`${dir}/stat`);
  } catch (e) {
    const o = classify(e);
    if (o === 'gone') counters.vanished++;
    else if (o === 'denied') counters.permissionDenied++;
    else counters.errors++;
    return undefined;
  }
  const stat = parseStat(statText);
  if (!stat) {
    counters.errors++;
    return undefined;
  }
  const kthread = (stat.flags & PF_KTHREAD) !== 0 || stat.pid === 2 || stat.ppid === 2;
  // Zombies and kernel threads have no exe, cwd or cmdline: their absence is not a failure.
  const expectEmpty = kthread || stat.state === 'Z' || stat.state === 'X';
  let gone = false;
  let partial = false;
  const attempt = <T>(fn: () => T, optional: boolean): T | undefined => {
    try {
      return fn();
    } catch (e) {
      const o = classify(e);
      if (o === 'gone') {
        if (!optional) gone = true;
      } else {
        partial = true;
        if (o === 'denied') counters.permissionDenied++;
        else counters.errors++;
      }
      return undefined;
    }
  };

  const statusText = attempt(() => fs.readText(`${dir}/status`), false);
  const status = statusText === undefined ? {} : parseStatus(statusText);
  const cmdline = attempt(() => fs.readBytes(`${dir}/cmdline`), false);
  const cgroupText = attempt(() => fs.readText(`${dir}/cgroup`), false);
  const exeLink = attempt(() => fs.readLink(`${dir}/exe`), expectEmpty);
  const cwd = attempt(() => fs.readLink(`${dir}/cwd`), expectEmpty);
  const pidNs = attempt(() => fs.readLink(`${dir}/ns/pid`), expectEmpty);
  const mntNs = attempt(() => fs.readLink(`${dir}/ns/mnt`), expectEmpty);

  if (gone) {
    // Something was missing: tell a process that exited (or whose pid was reused) during the
    // reads from one that is merely partly unreadable by reading its stat again.
    let again: StatFields | undefined;
    try {
      again = parseStat(fs.readText(`${dir}/stat`));
    } catch {
      again = undefined;
    }
    if (!again || again.startTicks !== stat.startTicks) {
      counters.vanished++;
      return undefined;
    }
    partial = true;
  }
  if (partial || status.uid === undefined) counters.partial++;

  const exe = exeLink === undefined ? { path: '', deleted: false } : parseExeLink(exeLink);
  const tty = decodeDev(stat.ttyNr);
  return {
    pid: stat.pid,
    ppid: stat.ppid,
    pgid: stat.pgid,
    sid: stat.sid,
    vpid: status.vpid ?? stat.pid,
    startTicks: stat.startTicks,
    comm: stat.comm,
    state: stat.state,
    kthread,
    ttyMajor: tty.major,
    ttyMinor: tty.minor,
    executable: exe.path,
    exeDeleted: exe.deleted,
    args: cmdline === undefined ? [] : parseCmdline(cmdline),
    cwd: cwd ?? '',
    ruid: status.uid?.[0] ?? -1,
    euid: status.uid?.[1] ?? -1,
    suid: status.uid?.[2] ?? -1,
    rgid: status.gid?.[0] ?? -1,
    egid: status.gid?.[1] ?? -1,
    sgid: status.gid?.[2] ?? -1,
    capEff: status.capEff ?? 0n,
    capPrm: status.capPrm ?? 0n,
    cgroupPath: cgroupText === undefined ? '' : parseCgroup(cgroupText),
    pidNsInum: pidNs === undefined ? 0 : nanToZero(parseNsLink(pidNs)),
    mntNsInum: mntNs === undefined ? 0 : nanToZero(parseNsLink(mntNs)),
  };
}

/** `btime` of PROCROOT/stat: boot time in seconds since the epoch. */
export function readBootTimeSeconds(root: string, fs: ProcFs = nodeProcFs): number | undefined {
  try {
    const m = /^btime (\d+)$/m.exec(fs.readText(`${root}/stat`));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** The cgroup2 mount point from a mounts file (PROCROOT/self/mounts), if any. */
export function findCgroup2Mount(mountsText: string): string | undefined {
  for (const line of mountsText.split('\n')) {
    const f = line.split(' ');
    if (f[2] === 'cgroup2' && f[1]) return f[1].replace(/\\040/g, ' ');
  }
  return undefined;
}

function toInt(s: string): number {
  return /^-?\d+$/.test(s) ? Number(s) : Number.NaN;
}

function nanToZero(n: number): number {
  return Number.isNaN(n) ? 0 : n;
}

/**
 * `/proc/PID/mountinfo` of a process whose mount namespace is `mntns` (0: any), or undefined
 * when it is unreadable or the pid now runs in another namespace (gone, or reused).
 */
export function readMountinfo(procRoot: string, pid: number, mntns: number): string | undefined {
  try {
    if (mntns !== 0 && statSync(`${procRoot}/${pid}/ns/mnt`).ino !== mntns) return undefined;
    return readFileSync(`${procRoot}/${pid}/mountinfo`, 'utf8');
  } catch {
    return undefined;
  }
}

/** The overlay root of a container: its upper directory and the device its files report. */
export interface OverlayRoot {
  upperdir: string;
  /** The kernel's dev_t of the overlay mount (major << 20 | minor), as exec records carry it. */
  dev: number;
}

/**
 * The overlay mounted at `/` (as the process sees it; the last one wins: mounts stack) in a
 * mountinfo text, or null. Fields: `id parent major:minor root mountpoint opts [tags] - fstype
 * source superopts`; octal escapes (`\040`) in paths; commas inside an option are `\,`.
 */
export function overlayRootOf(mountinfo: string): OverlayRoot | null {
  let found: OverlayRoot | null = null;
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const pre = line.slice(0, sep).split(' ');
    if (pre[4] !== '/') continue;
    const post = line.slice(sep + 3).split(' ');
    if (post[0] !== 'overlay') continue;
    const upper = option(post[2] ?? '', 'upperdir');
    const mm = /^(\d+):(\d+)$/.exec(pre[2] ?? '');
    if (upper === undefined || mm === null) continue;
    found = { upperdir: unescapeOctal(upper), dev: (Number(mm[1]) << 20) | Number(mm[2]) };
  }
  return found;
}

function option(opts: string, name: string): string | undefined {
  let i = 0;
  while (i <= opts.length) {
    let j = i;
    while (j < opts.length && !(opts[j] === ',' && opts[j - 1] !== '\\')) j++;
    const o = opts.slice(i, j);
    if (o.startsWith(`${name}=`)) return o.slice(name.length + 1).replace(/\\,/g, ',');
    i = j + 1;
  }
  return undefined;
}

function unescapeOctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}

/**
 * The executable of a process from /proc/PID/exe (the host's path, not the container's), else
 * its name from /proc/PID/comm; neither when it is gone.
 */
export function procExecutable(pid: number, procRoot = '/proc'): { executable?: string; name?: string } {
  try {
    const exe = readlinkSync(`${procRoot}/${pid}/exe`);
    return { executable: exe, name: exe.slice(exe.lastIndexOf('/') + 1) };
  } catch {
    try {
      return { name: readFileSync(`${procRoot}/${pid}/comm`, 'utf8').trim() };
    } catch {
      return {};
    }
  }
}
