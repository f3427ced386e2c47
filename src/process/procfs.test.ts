import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeDev, type FakeProc, statLine, writeFakeProc, writeFakeProcess } from './fakeproc.fixture.js';
import {
  decodeDev,
  findCgroup2Mount,
  newReadCounters,
  nodeProcFs,
  type ProcFs,
  parseCgroup,
  parseCmdline,
  parseExeLink,
  parseNsLink,
  parseStat,
  parseStatus,
  readBootTimeSeconds,
  readProcess,
} from './procfs.js';

const REAL_STAT =
  '15465 (sleep) S 15455 15465 15465 0 -1 4194560 1068 0 1 0 1 1 0 0 20 0 1 0 36730 2322432 316 ' +
  '18446744073709551615 4198400 5785993 140732306667120 0 0 0 0 4 0 1 0 0 17 1 0 0 0 0 0 6141704 6178576 ' +
  '414167040 140732306669425 140732306669435 140732306669435 140732306669545 0\n';

describe('parseStat', () => {
  const base: Omit<FakeProc, 'comm'> = { pid: 42, ppid: 7, pgid: 40, sid: 30, start: 123456, tty: [136, 3] };
  it.each([
    ['plain', 'bash'],
    ['spaces', 'tmux: server'],
    ['parens', 'a) (b'],
    ['fake field tail', ') S 1 2 3'],
    ['newline', 'evil\nname'],
    ['empty', ''],
    ['only parens', '(()))'],
  ])('comm with %s', (_label, comm) => {
    const s = parseStat(statLine({ ...base, comm }));
    expect(s).toEqual({
      pid: 42,
      comm,
      state: 'S',
      ppid: 7,
      pgid: 40,
      sid: 30,
      ttyNr: encodeDev(136, 3),
      flags: 0x00400100,
      startTicks: 123456,
    });
  });

  it('reads a line from a real kernel', () => {
    expect(parseStat(REAL_STAT)).toMatchObject({
      pid: 15465,
      comm: 'sleep',
      ppid: 15455,
      pgid: 15465,
      sid: 15465,
      ttyNr: 0,
      startTicks: 36730,
    });
  });

  it.each([
    ['empty', ''],
    ['no parens', '42 bash S 1 2 3'],
    ['truncated', '42 (bash) S 1 2 3 0 -1 0'],
    ['non-numeric ppid', statLine({ ...base, comm: 'x' }).replace(' 7 40 ', ' x 40 ')],
    ['bad pid', statLine({ ...base, comm: 'x' }).replace(/^42/, 'abc')],
  ])('rejects %s', (_label, text) => {
    expect(parseStat(text)).toBeUndefined();
  });
});

describe('decodeDev', () => {
  it.each([
    [136, 0],
    [136, 3],
    [143, 255],
    [136, 300], // pts numbers above 255 use the high minor bits
    [4, 1],
    [4, 64],
    [5, 1],
    [0, 0],
  ])('round-trips %i:%i', (major, minor) => {
    expect(decodeDev(encodeDev(major, minor))).toEqual({ major, minor });
  });

  it('decodes the kernel value of /dev/pts/0', () => {
    expect(decodeDev(34816)).toEqual({ major: 136, minor: 0 });
  });
});

describe('parseStatus', () => {
  it('reads ids, capabilities and the innermost pid', () => {
    const text =
      'Name:\tweird\\nname\nUid:\t1000\t1001\t1002\t1001\nGid:\t100\t101\t102\t101\n' +
      'NSpid:\t15465\t77\t1\nCapPrm:\t00000000800405fb\nCapEff:\t000001ffffffffff\n';
    expect(parseStatus(text)).toEqual({
      uid: [1000, 1001, 1002],
      gid: [100, 101, 102],
      vpid: 1,
      capPrm: 0x800405fbn,
      capEff: 0x1ffffffffffn,
    });
  });

  it('leaves missing or malformed lines unknown', () => {
    expect(parseStatus('Name:\tx\nUid:\tone\ttwo\nCapEff:\tzz\n')).toEqual({});
  });
});

describe('parseCmdline', () => {
  it.each([
    ['args', 'a\0b c\0', ['a', 'b c']],
    ['empty arg inside', 'a\0\0b\0', ['a', '', 'b']],
    ['newline in arg', 'sh\0-c\0echo a\nb\0', ['sh', '-c', 'echo a\nb']],
    ['rewritten without NULs', 'nginx: worker process', ['nginx: worker process']],
    ['title padded with NULs', 'node (vitest 1)\0\0\0\0\0', ['node (vitest 1)']],
    ['only NULs', '\0\0', []],
    ['empty (kernel thread)', '', []],
    ['utf-8', 'é\0日本\0', ['é', '日本']],
  ])('%s', (_label, raw, args) => {
    expect(parseCmdline(Buffer.from(raw))).toEqual(args);
  });
});

describe('parseCgroup', () => {
  it('prefers the v2 path of a hybrid hierarchy', () => {
    const text =
      '9:name=systemd:/libpod_parent/libpod-abc\n1:cpu:/libpod_parent/libpod-abc\n0::/libpod_parent/x\n';
    expect(parseCgroup(text)).toBe('/libpod_parent/x');
  });
  it('takes the first v1 path without v2', () => {
    expect(parseCgroup('4:memory:/docker/abc\n3:cpu:/other\n')).toBe('/docker/abc');
  });
  it('keeps colons inside the path', () => {
    expect(parseCgroup('0::/kubepods/pod:1/cri-containerd:abc\n')).toBe('/kubepods/pod:1/cri-containerd:abc');
  });
  it('empty file', () => {
    expect(parseCgroup('')).toBe('');
  });
});

describe('links', () => {
  it('namespaces', () => {
    expect(parseNsLink('pid:[4026531836]')).toBe(4026531836);
    expect(parseNsLink('mnt:[4026532249]')).toBe(4026532249);
    expect(parseNsLink('garbage')).toBeNaN();
  });
  it('exe', () => {
    expect(parseExeLink('/usr/bin/x')).toEqual({ path: '/usr/bin/x', deleted: false });
    expect(parseExeLink('/tmp/payload (deleted)')).toEqual({ path: '/tmp/payload', deleted: true });
  });
  it('cgroup2 mount', () => {
    const mounts =
      'cgroup /sys/fs/cgroup/cpu cgroup rw 0 0\ncgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0\n';
    expect(findCgroup2Mount(mounts)).toBe('/sys/fs/cgroup/unified');
    expect(findCgroup2Mount('proc /proc proc rw 0 0\n')).toBeUndefined();
  });
});

describe('readProcess on a fake procfs', () => {
  const root = mkdtempSync(join(tmpdir(), 'd4c-procfs-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  writeFakeProc(
    root,
    [
      { pid: 2, comm: 'kthreadd', ppid: 0, sid: 0, pgid: 0, start: 0, kthread: true },
      { pid: 9, comm: 'kworker/0:1-events', ppid: 2, sid: 0, pgid: 0, start: 5, kthread: true },
      {
        pid: 100,
        comm: 'pay load) x',
        ppid: 1,
        start: 900,
        exe: '/tmp/pay load (deleted)',
        args: ['./pay load', '--x=a b'],
        cwd: '/tmp',
        uid: [1000, 0, 0],
        gid: [1000, 1000, 1000],
        capEff: '0000000000000000',
        capPrm: '00000000a80425fb',
        nspid: [100, 7],
        cgroup: '1:cpu:/x\n0::/libpod_parent/libpod-1\n',
        pidNs: 4026532252,
        tty: [136, 2],
      },
      { pid: 200, comm: 'zombie', ppid: 1, start: 950, state: 'Z', exe: null, cwd: null, args: [] },
      { pid: 300, comm: 'secretive', ppid: 1, start: 990 },
      { pid: 400, comm: 'strange', ppid: 1, start: 991 },
    ],
    1_700_000_123,
  );
  // /proc/400/status made a directory: reading it fails with EISDIR.
  rmSync(join(root, '400', 'status'));
  mkdirSync(join(root, '400', 'status'));

  it('reads a process with a deleted exe, odd comm and args', () => {
    const c = newReadCounters();
    expect(readProcess(root, 100, c)).toEqual({
      pid: 100,
      ppid: 1,
      pgid: 100,
      sid: 100,
      vpid: 7,
      startTicks: 900,
      comm: 'pay load) x',
      state: 'S',
      kthread: false,
      ttyMajor: 136,
      ttyMinor: 2,
      executable: '/tmp/pay load',
      exeDeleted: true,
      args: ['./pay load', '--x=a b'],
      cwd: '/tmp',
      ruid: 1000,
      euid: 0,
      suid: 0,
      rgid: 1000,
      egid: 1000,
      sgid: 1000,
      capEff: 0n,
      capPrm: 0xa80425fbn,
      cgroupPath: '/libpod_parent/libpod-1',
      pidNsInum: 4026532252,
      mntNsInum: 4026531841,
    });
    expect(c).toEqual(newReadCounters());
  });

  it('kernel threads: no exe, cwd or args, and that is not a failure', () => {
    const c = newReadCounters();
    const k = readProcess(root, 9, c);
    expect(k).toMatchObject({
      kthread: true,
      executable: '',
      args: [],
      cwd: '',
      ppid: 2,
      comm: 'kworker/0:1-events',
    });
    expect(c).toEqual(newReadCounters());
  });

  it('zombies are read without their links', () => {
    const c = newReadCounters();
    expect(readProcess(root, 200, c)).toMatchObject({ state: 'Z', executable: '' });
    expect(c).toEqual(newReadCounters());
  });

  it('a missing process counts as vanished', () => {
    const c = newReadCounters();
    expect(readProcess(root, 12345, c)).toBeUndefined();
    expect(c.vanished).toBe(1);
  });

  it('an unreadable file leaves fields unknown and counts', () => {
    const c = newReadCounters();
    const p = readProcess(root, 400, c);
    expect(p).toMatchObject({ pid: 400, ruid: -1, euid: -1, executable: '/usr/bin/strange' });
    expect(c).toMatchObject({ errors: 1, partial: 1, vanished: 0 });
  });

  it('permission errors are counted, not thrown', () => {
    const denied = (path: string) => path.endsWith('/300/cwd') || path.endsWith('/300/cmdline');
    const fs: ProcFs = {
      ...nodeProcFs,
      readBytes: (p) => {
        if (denied(p)) throw Object.assign(new Error('EACCES'), { code: 'EACCES' });
        return nodeProcFs.readBytes(p);
      },
      readLink: (p) => {
        if (denied(p)) throw Object.assign(new Error('EACCES'), { code: 'EACCES' });
        return nodeProcFs.readLink(p);
      },
    };
    const c = newReadCounters();
    const p = readProcess(root, 300, c, fs);
    expect(p).toMatchObject({ pid: 300, cwd: '', args: [], executable: '/usr/bin/secretive', euid: 0 });
    expect(c).toEqual({ vanished: 0, permissionDenied: 2, errors: 0, partial: 1 });
  });

  it('a process that exits during the read is dropped as vanished', () => {
    const dir = join(root, '500');
    writeFakeProcess(root, { pid: 500, comm: 'brief', ppid: 1, start: 1000 });
    const fs: ProcFs = {
      ...nodeProcFs,
      readText: (p) => {
        const text = nodeProcFs.readText(p);
        if (p === join(dir, 'stat')) rmSync(dir, { recursive: true, force: true }); // exits right after
        return text;
      },
    };
    const c = newReadCounters();
    expect(readProcess(root, 500, c, fs)).toBeUndefined();
    expect(c).toMatchObject({ vanished: 1, partial: 0 });
  });

  it('a pid reused during the read is dropped as vanished', () => {
    writeFakeProcess(root, { pid: 600, comm: 'old', ppid: 1, start: 1000, exe: null });
    let statReads = 0;
    const fs: ProcFs = {
      ...nodeProcFs,
      readText: (p) => {
        if (p.endsWith('/600/stat') && ++statReads === 2)
          return statLine({ pid: 600, comm: 'new', ppid: 1, start: 2000 });
        return nodeProcFs.readText(p);
      },
    };
    const c = newReadCounters();
    expect(readProcess(root, 600, c, fs)).toBeUndefined();
    expect(c.vanished).toBe(1);
  });

  it('boot time from stat', () => {
    expect(readBootTimeSeconds(root)).toBe(1_700_000_123);
    const empty = mkdtempSync(join(tmpdir(), 'd4c-procfs-empty-'));
    writeFileSync(join(empty, 'stat'), 'cpu 1 2\n');
    expect(readBootTimeSeconds(empty)).toBeUndefined();
    rmSync(empty, { recursive: true });
  });
});
