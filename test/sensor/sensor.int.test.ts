// The live sensor on the real kernel: container-like processes (new pid + mount namespaces via
// unshare) do file and process work; the decoded events must say exactly what happened.
// Needs root, BTF and the build toolchain (scripts/build-bpf.sh); skipped elsewhere.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  d4cOperations,
  type ExecEvent,
  type FileEvent,
  type Sensor,
  type SensorEvent,
  startSensor,
  type TtyEvent,
} from '../../src/sensor/index.js';

/** Any C compiler: cc where installed, else the clang that builds the BPF side. */
const CC = existsSync('/usr/bin/cc') ? 'cc' : 'clang';

const root = resolve(import.meta.dirname, '../..');
const canRun = process.getuid?.() === 0 && existsSync('/sys/kernel/btf/vmlinux');
const CAP_SYS_ADMIN = 1n << 21n;

let sensor: Sensor;
let work: string;
let fsops: string;
let markerDir: string;
const pinDir = `/sys/fs/bpf/d4c-test-${process.pid}`;
const events: SensorEvent[] = [];

function fileEvents(): FileEvent[] {
  return events.filter((e): e is FileEvent => e.kind === 'file');
}

function hostPidns(): number {
  return Number(execFileSync('stat', ['-L', '-c', '%i', '/proc/self/ns/pid'], { encoding: 'utf8' }).trim());
}

/** Runs fsops in a fresh pid + mount namespace (a container without a runtime). */
function inContainer(args: string[], prefix: string[] = [], mayFail = false): void {
  try {
    execFileSync('unshare', ['--fork', '--pid', '--mount-proc', ...prefix, fsops, ...args], {
      cwd: work,
      stdio: 'pipe',
    });
  } catch (e) {
    if (!mayFail) throw e;
  }
}

/** fsops arguments from lines of `op arg...` (names contain no spaces). */
function steps(...lines: string[]): string[] {
  return lines.flatMap((l) => l.split(' '));
}

/**
 * Waits until everything done so far has been delivered: a marker file created by a later
 * container process must arrive (records are ordered by the ring buffer). The marker lives outside
 * `work`, and is unique, so other tests' containers running at the same time cannot fake it.
 */
let markers = 0;
async function settle(): Promise<void> {
  const marker = join(markerDir, `m${++markers}`);
  inContainer(['create', marker]);
  for (let i = 0; i < 200; i++) {
    if (events.some((e) => e.kind === 'file' && e.path === marker)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('sensor: marker record never arrived');
}

describe.skipIf(!canRun)('live eBPF sensor', () => {
  beforeAll(async () => {
    execFileSync(join(root, 'scripts/build-bpf.sh'), { stdio: 'pipe' });
    work = realpathSync(mkdtempSync(join(tmpdir(), 'd4c-sensor-')));
    fsops = join(work, 'fsops');
    markerDir = realpathSync(mkdtempSync(join(tmpdir(), 'd4c-marker-')));
    execFileSync(CC, ['-O1', '-pthread', '-o', fsops, join(root, 'test/sensor/fsops.c')]);
    sensor = startSensor({ pinDir });
    sensor.on('event', (e) => events.push(e));
    await sensor.ready;
  });

  afterAll(async () => {
    await sensor?.stop();
    // rm(1) copes with paths beyond PATH_MAX; fs.rmSync does not.
    if (work) execFileSync('rm', ['-rf', work]);
    if (markerDir) execFileSync('rm', ['-rf', markerDir]);
    // The loader unpins what it pinned when it exits.
    expect(existsSync(`${pinDir}/enter_state`)).toBe(false);
  });

  it('pins the per-thread open-flags map for the enforcer', () => {
    const out = execFileSync('bpftool', ['map', 'show', 'pinned', `${pinDir}/enter_state`], {
      encoding: 'utf8',
    });
    expect(out).toMatch(/lru_hash\s+name enter_state/);
  });

  it('reports the cgroup v2 path and id, the controlling tty, openat2 and exit signals', async () => {
    events.length = 0;
    const hex = '0123456789abcdef'.repeat(4);
    const parent = `/sys/fs/cgroup/unified/d4c-test-${process.pid}`;
    const cg = `${parent}/libpod-${hex}`;
    execFileSync('mkdir', ['-p', cg]);
    const cgId = Number(execFileSync('stat', ['-c', '%i', cg], { encoding: 'utf8' }).trim());
    try {
      const inner = `echo $$ > ${cg}/cgroup.procs && exec unshare --fork --pid --mount-proc ${fsops} create2 o2.txt spawnkill`;
      execFileSync('script', ['-qec', `sh -c '${inner}'`, '/dev/null'], { cwd: work, stdio: 'pipe' });
      await settle();
    } finally {
      execFileSync('rmdir', [cg, parent]);
    }
    const open = fileEvents().find((e) => e.path === `${work}/o2.txt`);
    expect(open).toMatchObject({ op: 'open', created: true, mode: 0o100600 });
    expect(open!.cgroupPath).toBe(`/d4c-test-${process.pid}/libpod-${hex}`);
    expect(open!.cgroupId).toBe(cgId);
    expect(open!.ttyMajor).toBeGreaterThanOrEqual(136); // a pts: interactive by Elastic's rule
    expect(open!.ttyMajor).toBeLessThanOrEqual(143);
    const killed = events.find((e) => e.kind === 'exit' && e.pidns === open!.pidns && e.vpid === 2);
    expect(killed).toMatchObject({ signal: 9, exitCode: 137, vpid: 2 });
  });

  it('reports terminal writes (write, writev) of a container process with a terminal, and no others', async () => {
    events.length = 0;
    // Under a pty (script), in a fresh pid namespace: a controlling terminal, fd 1 a pty slave.
    const inner = `unshare --fork --pid --mount-proc ${fsops} ttywrite tty-one ttywritev tty-a tty-b ttybig 20000`;
    execFileSync('script', ['-qec', inner, '/dev/null'], { cwd: work, stdio: 'pipe' });
    // The same writes to a pipe: no terminal, no record.
    inContainer(['ttywrite', 'pipe-one']);
    await settle();
    const ttys = events.filter((e): e is TtyEvent => e.kind === 'tty');
    const texts = ttys.map((e) => e.data.toString('latin1'));
    expect(texts).toContain('tty-one');
    expect(texts).toContain('tty-atty-b'); // writev: the buffers in order, one record
    expect(texts.join('')).not.toContain('pipe-one');
    const one = ttys[texts.indexOf('tty-one')]!;
    expect(one).toMatchObject({ fd: 1, total: 7 });
    expect(one.major).toBeGreaterThanOrEqual(136);
    expect(one.major).toBeLessThanOrEqual(143);
    expect(one.pidns).not.toBe(hostPidns());
    // A write longer than a record: 12 KiB copied, the whole length reported.
    const big = ttys.filter((e) => e.data.length > 0 && e.data.every((c) => c === 0x7a));
    expect(big.reduce((n, e) => n + e.total, 0)).toBe(20000);
    expect(big.some((e) => e.total > 12288)).toBe(true);
    for (const e of big) expect(e.data.length).toBe(Math.min(e.total, 12288));
  });

  it('reports process events with ids, args, caps and namespaces', async () => {
    events.length = 0;
    inContainer(['spawn', '/bin/echo', 'hello world']);
    await settle();
    const exec = events.find(
      (e): e is ExecEvent =>
        e.kind === 'exec' && e.executable.endsWith('/echo') && e.args[1] === 'hello world',
    );
    expect(exec).toBeDefined();
    expect(exec!.args).toEqual(['/bin/echo', 'hello world']);
    expect(exec!.argc).toBe(2);
    expect(exec!.cwd).toBe(work);
    expect(exec!.vpid).toBe(2); // fsops is pid 1 of the namespace, its child pid 2
    expect(exec!.tgid).not.toBe(exec!.vpid);
    expect(exec!.capEffective & CAP_SYS_ADMIN).toBe(CAP_SYS_ADMIN);
    expect(exec!.pidns).not.toBe(hostPidns());
    const fork = events.find((e) => e.kind === 'fork' && e.tgid === exec!.tgid);
    expect(fork).toBeDefined();
    expect(fork!.startTime).toBe(exec!.startTime);
    const parentExit = events.find((e) => e.kind === 'exit' && e.tgid === exec!.ppid);
    expect(parentExit).toMatchObject({ exitCode: 0, signal: 0 });
    expect(exec!.parentStartTime).toBe(parentExit!.startTime);
  });

  it('reports scripts, relative executables and cut argv', async () => {
    events.length = 0;
    writeFileSync(join(work, 'run.sh'), '#!/bin/sh\nexit 3\n', { mode: 0o755 });
    const big = 'A'.repeat(5000);
    inContainer(steps('spawn ./run.sh x', `spawn /bin/echo ${big}`));
    await settle();
    const script = events.find((e): e is ExecEvent => e.kind === 'exec' && e.filename === './run.sh')!;
    expect(script.filenamePath).toBe(`${work}/run.sh`);
    expect(script.executable).toMatch(/\/(dash|sh|bash)$/); // the interpreter is what runs
    expect(script.args).toEqual(['/bin/sh', './run.sh', 'x']);
    const exit = events.find((e) => e.kind === 'exit' && e.tgid === script.tgid);
    expect(exit).toMatchObject({ exitCode: 3 });
    const echo = events.find((e): e is ExecEvent => e.kind === 'exec' && e.executable.endsWith('/echo'))!;
    expect(echo.argsTruncated).toBe(true);
    expect(echo.truncated).toBe(true);
    expect(echo.argc).toBe(2);
    expect(echo.args[0]).toBe('/bin/echo');
    expect(echo.args[1]!.length).toBeLessThan(5000);
    expect((await sensor.stats()).kernel.truncatedArgv).toBeGreaterThan(0);
  });

  it('sees unprivileged users and their empty capability sets', async () => {
    events.length = 0;
    inContainer(
      ['create', 'nobody.txt'],
      ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'],
      true,
    );
    await settle();
    // The directory is root-owned: the create fails and no file event may appear.
    expect(fileEvents().filter((e) => e.path.endsWith('nobody.txt'))).toEqual([]);
    const exec = events.find((e): e is ExecEvent => e.kind === 'exec' && e.uid === 65534);
    expect(exec).toMatchObject({ uid: 65534, euid: 65534, gid: 65534, capEffective: 0n });
  });

  it('maps creates, modifies, chmod +x, renames, links and deletes to D4C operations', async () => {
    events.length = 0;
    inContainer(
      steps(
        'create a.txt',
        'append a.txt',
        'read a.txt',
        'chmod a.txt 755',
        'rename a.txt b.sh',
        'link b.sh c.sh',
        'symlink b.sh d.lnk',
        'ftrunc c.sh',
        'fchmod c.sh 644',
        'mknod fifo',
        'unlink c.sh',
        'unlink d.lnk',
        'unlink fifo',
        'mkdir dir',
        'rmdir dir',
      ),
    );
    await settle();
    const ops = fileEvents()
      .filter((e) => e.path.startsWith(work))
      .flatMap((e) => d4cOperations(e).map((o) => `${e.op} ${o.operation} ${o.path.slice(work.length)}`));
    expect(ops).toEqual([
      'open createFile /a.txt',
      'open modifyFile /a.txt',
      'chmod modifyExecutable /a.txt',
      'rename modifyFile /a.txt', // the mode of a renamed file is not known in the kernel
      'rename createFile /b.sh',
      'link createFile /c.sh',
      'symlink createFile /d.lnk',
      'open modifyExecutable /c.sh',
      'ftruncate modifyExecutable /c.sh',
      'fchmod modifyFile /c.sh',
      'mknod createFile /fifo',
      'unlink deleteFile /c.sh',
      'unlink deleteFile /d.lnk',
      'unlink deleteFile /fifo',
      'rmdir deleteFile /dir',
    ]);
    const created = fileEvents().find((e) => e.path === `${work}/a.txt`)!;
    expect(created).toMatchObject({ created: true, modeSource: 'inode', mode: 0o100644 });
    expect(created.ino).toBeGreaterThan(0n);
    const sym = fileEvents().find((e) => e.op === 'symlink')!;
    expect(sym.origPath).toBe('b.sh');
    const fchmod = fileEvents().find((e) => e.op === 'fchmod')!;
    expect(fchmod).toMatchObject({ mode: 0o100644, modeSource: 'inode' });
  });

  it.skipIf(process.arch !== 'x64')(
    'covers the legacy syscalls (open, creat, rename, link, ...)',
    async () => {
      events.length = 0;
      inContainer(steps('legacy lg'));
      await settle();
      const ops = fileEvents()
        .filter((e) => e.path.startsWith(`${work}/lg`))
        .map(
          (e) =>
            `${e.op} ${e.path.replace(work, '')}${e.origPath ? ` <- ${e.origPath.replace(work, '')}` : ''}`,
        );
      expect(ops).toEqual([
        'creat /lg.a',
        'open /lg.a',
        'truncate /lg.a',
        'chmod /lg.a',
        'rename /lg.b <- /lg.a',
        'link /lg.a <- /lg.b',
        'unlink /lg.a',
        'symlink /lg.a <- lg.b', // the link content, as given
        'unlink /lg.a',
        'mknod /lg.a',
        'unlink /lg.a',
        'unlink /lg.b',
        'rmdir /lg.a',
      ]);
    },
  );

  it('resolves relative paths, .., symlinked dirfds and odd names', async () => {
    events.length = 0;
    const long = 'L'.repeat(200);
    const mkcd = (n: number) => Array.from({ length: n }, () => `mkcd ${long}`);
    inContainer(
      steps(
        'mkdir p',
        'mkdir p/q',
        'symlink p/q sl',
        'chdir p/q',
        'create ../../up.txt', // opened: the kernel path of the file, exact
        'unlink ../../up.txt', // not opened: cwd walked in the kernel + normalised tail
        'dirfd ../../sl', // a dirfd opened through a symlink resolves to p/q
        'create via-sym.txt',
        'unlink via-sym.txt',
        'create bad\\xff\\xfename',
        'create new\\nline',
        'cwdfd',
        ...mkcd(18),
        'create deep.txt', // ~3.7 KB path: fits
        ...mkcd(3),
        'create deeper.txt', // > 4 KB: leading components dropped, flagged
      ),
    );
    await settle();
    const paths = fileEvents().map((e) => `${e.op} ${e.path}`);
    expect(paths).toContain(`open ${work}/up.txt`);
    expect(paths).toContain(`unlink ${work}/up.txt`);
    expect(paths).toContain(`open ${work}/p/q/via-sym.txt`);
    expect(paths).toContain(`unlink ${work}/p/q/via-sym.txt`);
    expect(paths).toContain(`open ${work}/p/q/bad\\xff\\xfename`);
    expect(paths).toContain(`open ${work}/p/q/new\nline`);
    const deep = fileEvents().find((e) => e.path.endsWith('/deep.txt'))!;
    expect(deep.path).toBe(`${work}/p/q/${`${long}/`.repeat(18)}deep.txt`);
    expect(deep.path.length).toBeGreaterThan(3600);
    expect(deep.pathFlags & 0x3).toBe(0);
    const deeper = fileEvents().find((e) => e.path.endsWith('/deeper.txt'))!;
    expect(deeper.pathFlags & 0x1).toBe(0x1); // D4C_PF_TRUNCATED
    // The leading components are missing: the path says so, it never looks like a whole one.
    expect(deeper.path.startsWith('.../')).toBe(true);
    expect(deeper.truncated).toBe(true);
    const st = await sensor.stats();
    expect(st.kernel.truncatedPaths).toBeGreaterThan(0);
  });

  it('reports thread activity under its process, with one fork and one exit per process', async () => {
    events.length = 0;
    inContainer(steps('thread from-thread.txt'));
    await settle();
    const open = fileEvents().find((e) => e.path === `${work}/from-thread.txt`)!;
    expect(open.tid).not.toBe(open.tgid);
    // The process appears once as a fork and once as an exit; its thread never does. (Other
    // processes may share the pid-namespace inode: the kernel reuses freed ns inode numbers.)
    const mine = events.filter((e) => e.pidns === open.pidns);
    const forks = mine.filter((e) => e.kind === 'fork');
    const exits = mine.filter((e) => e.kind === 'exit');
    expect(forks.filter((e) => e.tgid === open.tgid)).toHaveLength(1);
    expect(exits.filter((e) => e.tgid === open.tgid)).toHaveLength(1);
    expect([...forks, ...exits].filter((e) => e.tgid === open.tid || e.tid === open.tid)).toEqual([]);
  });

  it('flags a deleted working directory', async () => {
    events.length = 0;
    inContainer(['mkcd', 'gone', 'rmdir', '../gone', 'spawn', '/bin/true', 'x']);
    await settle();
    const exec = events.find((e): e is ExecEvent => e.kind === 'exec' && e.executable.endsWith('/true'))!;
    expect(exec.cwd).toBe(`${work}/gone`);
    expect(exec.cwdFlags & 0x4).toBe(0x4); // D4C_PF_DELETED
  });

  it('ignores host processes by default and sees them with include-host', async () => {
    events.length = 0;
    execFileSync(fsops, ['create', 'host1.txt'], { cwd: work });
    await settle();
    expect(fileEvents().filter((e) => e.path.includes('host1.txt'))).toEqual([]);
    expect(events.filter((e) => e.pidns === hostPidns())).toEqual([]);

    sensor.setIncludeHost(true);
    await sensor.stats(); // answered after the command before it: the loader has applied it
    execFileSync(fsops, ['create', 'host2.txt'], { cwd: work });
    await settle();
    sensor.setIncludeHost(false);
    const host = fileEvents().find((e) => e.path === `${work}/host2.txt`);
    expect(host).toMatchObject({ op: 'open', created: true, vpid: host?.tgid });
  });

  it('watches a host-pid-namespace process by its cgroup id once asked to', async () => {
    events.length = 0;
    const cg = `/sys/fs/cgroup/unified/d4c-watch-${process.pid}`;
    execFileSync('mkdir', ['-p', cg]);
    const id = Number(execFileSync('stat', ['-c', '%i', cg], { encoding: 'utf8' }).trim());
    const inCgroup = (name: string) =>
      execFileSync('sh', ['-c', `echo $$ > ${cg}/cgroup.procs && exec ${fsops} create ${name}`], {
        cwd: work,
      });
    try {
      inCgroup('unwatched.txt');
      sensor.watchCgroup(id);
      await sensor.stats(); // answered after the command before it: the loader has applied it
      inCgroup('watched.txt');
      await settle();
      sensor.watchCgroup(id, false);
    } finally {
      execFileSync('rmdir', [cg]);
    }
    const paths = fileEvents().map((e) => e.path);
    expect(paths).not.toContain(`${work}/unwatched.txt`);
    expect(paths).toContain(`${work}/watched.txt`);
    const e = fileEvents().find((x) => x.path === `${work}/watched.txt`)!;
    expect(e.pidns).toBe(hostPidns());
    expect(e.cgroupId).toBe(id);
  });

  it('counts every record it writes', async () => {
    const st = await sensor.stats();
    const k = st.kernel;
    expect(k.emitted.file + k.emitted.exec + k.emitted.fork + k.emitted.exit).toBeGreaterThan(0);
    expect(Object.values(k.ringFull).reduce((a, b) => a + b, 0)).toBe(0);
    expect(st.user.decodeErrors).toBe(0);
    expect(st.user.events).toBeGreaterThan(0);
  });
});
