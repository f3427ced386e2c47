import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { overlayRootOf } from '../process/index.js';
import type { ExecEvent, FileEvent } from '../sensor/index.js';
import { DriftTracker, newDriftCounters } from './drift.js';

const tmp = mkdtempSync(join(tmpdir(), 'd4c-drift-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const upper = join(tmp, 'over lay/diff');
const MOUNTINFO = [
  `1040 900 0:94 / / rw,relatime - overlay overlay rw,lowerdir=/l1\\,x:/l2,upperdir=${upper.replace(/ /g, '\\040')},workdir=/w`,
  '1041 1040 0:97 / /proc rw,nosuid - proc proc rw',
  '1050 1040 8:1 /vol /data rw - ext4 /dev/sda1 rw',
  'garbage line',
  '',
].join('\n');

const exec = (path: string, dev = 94, ino = 7n): ExecEvent =>
  ({ kind: 'exec', tgid: 4242, mntns: 0, executable: path, exeDev: dev, exeIno: ino }) as ExecEvent;
const file = (op: FileEvent['op'], path: string, ino = 0n, dev = 94): FileEvent =>
  ({ kind: 'file', op, path, ino, dev, modeSource: ino ? 'inode' : 'unknown' }) as FileEvent;

function tracker(max = 4096) {
  const c = newDriftCounters();
  mkdirSync(join(tmp, 'proc/4242'), { recursive: true });
  writeFileSync(join(tmp, 'proc/4242/mountinfo'), MOUNTINFO);
  return { c, t: new DriftTracker(c, { procRoot: join(tmp, 'proc'), maxWritesPerContainer: max }) };
}

describe('overlay root from mountinfo', () => {
  it('finds the upperdir and device of the overlay at /, unescaping', () => {
    expect(overlayRootOf(MOUNTINFO)).toEqual({ upperdir: upper, dev: 94 });
    expect(overlayRootOf('1 0 8:1 / / rw - ext4 /dev/sda1 rw\n')).toBeNull();
    expect(overlayRootOf('')).toBeNull();
    expect(overlayRootOf('x - overlay')).toBeNull();
  });
});

describe('drift', () => {
  mkdirSync(join(upper, 'usr/local/bin'), { recursive: true });
  writeFileSync(join(upper, 'usr/local/bin/before'), '#!/bin/sh\n');

  it('marks executables the sensor saw written, by path or inode', () => {
    const { c, t } = tracker();
    t.onFile('c1', file('open', '/tmp/x', 11n));
    t.onFile('c1', file('chmod', '/opt/tool'));
    expect(t.onExec('c1', exec('/tmp/x', 94, 11n))).toBe(true);
    expect(t.onExec('c1', exec('/tmp/renamed', 94, 11n))).toBe(true); // same inode, moved
    expect(t.onExec('c1', exec('/opt/tool', 94, 99n))).toBe(true);
    expect(t.onExec('c2', exec('/tmp/x', 94, 11n))).toBe(false); // another container
    expect(c.driftByWrite).toBe(3);
  });

  it('marks files of the upper layer (written before the agent started), not image files', () => {
    const { c, t } = tracker();
    expect(t.onExec('c1', exec('/usr/local/bin/before'))).toBe(true);
    expect(t.onExec('c1', exec('/bin/busybox'))).toBe(false);
    expect(t.onExec('c1', exec('/usr/local/bin'))).toBe(false); // a directory
    expect(t.onExec('c1', exec('/data/tool', 8 << 20 /* 8:0, a volume */))).toBe(false);
    expect(t.onExec('c1', exec('weird\0path'))).toBe(false);
    expect(t.ofRunning('c1', 4242, 0, '/usr/local/bin/before')).toBe(true);
    expect(c.driftByUpperLayer).toBe(1);
  });

  it('ignores reads, deletions and symlinks; bounds and forgets', () => {
    const { c, t } = tracker(2);
    t.onFile('c1', file('read', '/a'));
    t.onFile('c1', file('unlink', '/b'));
    t.onFile('c1', file('symlink', '/c'));
    expect(c.driftWritesTracked).toBe(0);
    t.onFile('c1', file('open', '/d'));
    t.onFile('c1', file('open', '/e'));
    t.onFile('c1', file('open', '/f'));
    expect(c.driftWritesDropped).toBe(1);
    t.forget('c1');
    expect(t.size).toBe(0);
    expect(c.driftContainersDropped).toBe(1);
  });

  it('asks the upper layer once per image executable, again after a write or a new inode', () => {
    const { c, t } = tracker(1);
    t.onFile('c1', file('open', '/tmp/fills-the-table')); // the write table is full from here on
    expect(t.onExec('c1', exec('/usr/bin/cached', 94, 5n))).toBe(false);
    expect(t.onExec('c1', exec('/usr/bin/cached', 94, 5n))).toBe(false);
    expect(c.driftLowerCached).toBe(1);
    // Copied up by a write the full table cannot remember: the cache entry goes all the same.
    mkdirSync(join(upper, 'usr/bin'), { recursive: true });
    writeFileSync(join(upper, 'usr/bin/cached'), 'x');
    t.onFile('c1', file('open', '/usr/bin/cached', 5n));
    expect(c.driftWritesDropped).toBe(2); // its path and its inode
    expect(t.onExec('c1', exec('/usr/bin/cached', 94, 5n))).toBe(true);
    // Put in the upper layer from outside (no write seen): a new inode, so a new lookup.
    expect(t.onExec('c1', exec('/usr/bin/other', 94, 8n))).toBe(false);
    writeFileSync(join(upper, 'usr/bin/other'), 'x');
    expect(t.onExec('c1', exec('/usr/bin/other', 94, 9n))).toBe(true);
    expect(c.driftLowerCached).toBe(1);
  });

  it('counts an unreadable mountinfo and says unknown', () => {
    const c = newDriftCounters();
    const t = new DriftTracker(c, { procRoot: join(tmp, 'nope') });
    expect(t.onExec('c1', exec('/bin/sh'))).toBeUndefined();
    expect(t.onExec('c1', exec('/bin/ls'))).toBeUndefined(); // not cached: retried
    expect(c.driftMountinfoFailures).toBe(2);
  });
});

describe('mountinfo of a gone process', () => {
  it('falls back to the container init, only in the same mount namespace', () => {
    const c = newDriftCounters();
    const proc = join(tmp, 'proc2');
    mkdirSync(join(proc, '7/ns'), { recursive: true });
    writeFileSync(join(proc, '7/mountinfo'), MOUNTINFO);
    writeFileSync(join(proc, '7/ns/mnt'), '');
    const ino = Number(statSync(join(proc, '7/ns/mnt')).ino);
    const t = new DriftTracker(c, { procRoot: proc });
    t.noteInit('c1', 7);
    // pid 4242 is gone: init's mountinfo answers, in the exec's namespace only.
    expect(t.onExec('c2', { ...exec('/usr/local/bin/before'), mntns: ino })).toBeUndefined();
    expect(t.onExec('c1', { ...exec('/usr/local/bin/before'), mntns: ino + 1 })).toBeUndefined();
    expect(t.onExec('c1', { ...exec('/usr/local/bin/before'), mntns: ino })).toBe(true);
    expect(c.driftMountinfoFailures).toBe(2);
  });
});
