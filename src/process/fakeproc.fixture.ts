// Builds procfs-shaped trees in a directory, for tests: the same files the kernel shows, written
// in the kernel's formats, so bootstrap runs its real reader over them.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface FakeProc {
  pid: number;
  comm: string;
  ppid: number;
  pgid?: number;
  sid?: number;
  state?: string;
  /** Start in clock ticks since boot. */
  start: number;
  tty?: [major: number, minor: number];
  kthread?: boolean;
  /** Symlink target of exe; null: no exe link (kernel thread, zombie). */
  exe?: string | null;
  args?: string[];
  /** Raw cmdline bytes, overriding args. */
  cmdline?: Buffer;
  cwd?: string | null;
  uid?: [number, number, number];
  gid?: [number, number, number];
  capEff?: string;
  capPrm?: string;
  nspid?: number[];
  cgroup?: string;
  pidNs?: number;
  mntNs?: number;
}

export function encodeDev(major: number, minor: number): number {
  return (minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12);
}

export function statLine(p: FakeProc): string {
  const flags = p.kthread ? 0x00208040 : 0x00400100;
  const tty = p.tty ? encodeDev(p.tty[0], p.tty[1]) : 0;
  const head = `${p.pid} (${p.comm}) ${p.state ?? 'S'} ${p.ppid} ${p.pgid ?? p.pid} ${p.sid ?? p.pid} ${tty} -1 ${flags}`;
  // fields 10..21, then 22 starttime, then 23..52
  return `${head} 1 0 0 0 3 2 0 0 20 0 1 0 ${p.start} ${' 0'.repeat(30).slice(1)}\n`;
}

export function statusText(p: FakeProc): string {
  const uid = p.uid ?? [0, 0, 0];
  const gid = p.gid ?? [0, 0, 0];
  const nspid = p.nspid ?? [p.pid];
  return [
    `Name:\t${p.comm.replace(/\n/g, '\\n')}`,
    'Umask:\t0022',
    `State:\t${p.state ?? 'S'} (sleeping)`,
    `Tgid:\t${p.pid}`,
    `Pid:\t${p.pid}`,
    `PPid:\t${p.ppid}`,
    `Uid:\t${uid.join('\t')}\t${uid[1]}`,
    `Gid:\t${gid.join('\t')}\t${gid[1]}`,
    `NStgid:\t${nspid.join('\t')}`,
    `NSpid:\t${nspid.join('\t')}`,
    'CapInh:\t0000000000000000',
    `CapPrm:\t${p.capPrm ?? '000001ffffffffff'}`,
    `CapEff:\t${p.capEff ?? '000001ffffffffff'}`,
    'CapBnd:\t000001ffffffffff',
    '',
  ].join('\n');
}

/** Writes ROOT/stat (btime) and one directory per process. */
export function writeFakeProc(root: string, procs: readonly FakeProc[], btime = 1_700_000_000): void {
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'stat'), `cpu  1 2 3 4\nbtime ${btime}\nprocesses 100\n`);
  for (const p of procs) writeFakeProcess(root, p);
}

export function writeFakeProcess(root: string, p: FakeProc): void {
  const dir = join(root, String(p.pid));
  mkdirSync(join(dir, 'ns'), { recursive: true });
  writeFileSync(join(dir, 'stat'), statLine(p));
  writeFileSync(join(dir, 'status'), statusText(p));
  const args = p.kthread ? [] : (p.args ?? [p.comm]);
  writeFileSync(join(dir, 'cmdline'), p.cmdline ?? Buffer.from(args.map((a) => `${a}\0`).join('')));
  writeFileSync(join(dir, 'cgroup'), p.cgroup ?? '0::/\n');
  const exe = p.exe === undefined ? (p.kthread ? null : `/usr/bin/${p.comm}`) : p.exe;
  if (exe !== null) symlinkSync(exe, join(dir, 'exe'));
  const cwd = p.cwd === undefined ? (p.kthread ? null : '/') : p.cwd;
  if (cwd !== null) symlinkSync(cwd, join(dir, 'cwd'));
  symlinkSync(`pid:[${p.pidNs ?? 4026531836}]`, join(dir, 'ns', 'pid'));
  symlinkSync(`mnt:[${p.mntNs ?? 4026531841}]`, join(dir, 'ns', 'mnt'));
}
