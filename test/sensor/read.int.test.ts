// Read access on the live kernel: read-only opens under a watched prefix become `read` records
// however the caller spelt the path (relative, `..`, through a symlink, a dirfd), reads elsewhere
// and of directories make none, and the filter counts what it rejected.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  d4cOperations,
  type FileEvent,
  type Sensor,
  type SensorEvent,
  startSensor,
} from '../../src/sensor/index.js';

const CC = existsSync('/usr/bin/cc') ? 'cc' : 'clang';
const root = resolve(import.meta.dirname, '../..');
const canRun = process.getuid?.() === 0 && existsSync('/sys/kernel/btf/vmlinux');

let sensor: Sensor;
let work: string;
let fsops: string;
const events: SensorEvent[] = [];
const reads = (): FileEvent[] => events.filter((e): e is FileEvent => e.kind === 'file' && e.op === 'read');

function inContainer(args: string[], cwd = work): void {
  execFileSync('unshare', ['--fork', '--pid', '--mount-proc', fsops, ...args], { cwd, stdio: 'pipe' });
}

let markers = 0;
async function settle(): Promise<void> {
  const marker = join(work, `m${++markers}`);
  inContainer(['create', marker]);
  for (let i = 0; i < 200; i++) {
    if (events.some((e) => e.kind === 'file' && e.path === marker)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('sensor: marker record never arrived');
}

describe.skipIf(!canRun)('live read access', () => {
  let secrets: string;
  let other: string;
  beforeAll(async () => {
    execFileSync(join(root, 'scripts/build-bpf.sh'), { stdio: 'pipe' });
    work = realpathSync(mkdtempSync(join(tmpdir(), 'd4c-read-')));
    fsops = join(work, 'fsops');
    execFileSync(CC, ['-O1', '-pthread', '-o', fsops, join(root, 'test/sensor/fsops.c')]);
    secrets = join(work, 'run/secrets/sa');
    other = join(work, 'run/other');
    mkdirSync(secrets, { recursive: true });
    mkdirSync(other, { recursive: true });
    writeFileSync(join(secrets, 'token'), 'tok\n');
    writeFileSync(join(other, 'plain'), 'x\n');
    // A component of the same length as the watched one, to pass the first (length) stage.
    mkdirSync(join(work, 'run/secretz/sa'), { recursive: true });
    writeFileSync(join(work, 'run/secretz/sa/token'), 'x\n');
    symlinkSync(join(secrets, 'token'), join(work, 'link-to-token'));
    symlinkSync(join(work, 'run'), join(work, 'varrun')); // like /var/run -> /run
    sensor = startSensor({ readPrefixes: [join(work, 'run/secrets')] });
    sensor.on('event', (e) => events.push(e));
    await sensor.ready;
  });

  afterAll(async () => {
    await sensor?.stop();
    if (work) execFileSync('rm', ['-rf', work]);
  });

  it('reports reads under the prefix by the resolved path, whatever the spelling', async () => {
    events.length = 0;
    const before = await sensor.stats();
    inContainer(['read', join(secrets, 'token')]);
    inContainer(['read', 'secrets/sa/token'], join(work, 'run')); // relative
    inContainer(['read', 'run/other/../secrets/./sa/token']); // `..` and `.`
    inContainer(['read', 'link-to-token']); // symlink to the file
    inContainer(['read', 'varrun/secrets/sa/token']); // symlinked directory
    inContainer(['dirfd', join(work, 'run/secrets'), 'read', 'sa/token']); // dirfd
    inContainer(['read', join(other, 'plain'), 'read', join(work, 'run/secretz/sa/token')]);
    inContainer(['dirfd', secrets]); // a directory opened read-only
    await settle();
    const token = join(secrets, 'token');
    const got = reads();
    expect(got.map((e) => e.path)).toEqual([token, token, token, token, token, token]);
    for (const e of got) {
      expect(e).toMatchObject({ op: 'read', readPrefix: 0, modeSource: 'inode', created: false });
      expect(e.mode & 0o170000).toBe(0o100000);
      expect(e.openFlags & 3).toBe(0); // O_RDONLY
      expect(d4cOperations(e)).toEqual([{ operation: 'readFile', path: token }]);
    }
    const after = await sensor.stats();
    // plain, secretz/sa/token, the fsops binary and its libraries at least: all filtered.
    expect(after.kernel.readsFiltered - before.kernel.readsFiltered).toBeGreaterThanOrEqual(2);
    expect(after.kernel.readsOfDirectories - before.kernel.readsOfDirectories).toBeGreaterThanOrEqual(2);
  });

  it('takes new prefixes at run time and none at all after a clear', async () => {
    events.length = 0;
    await sensor.setReadPrefixes([join(work, 'nothing-here'), join(other)]);
    inContainer(['read', join(other, 'plain'), 'read', join(secrets, 'token')]);
    await settle();
    expect(reads().map((e) => [e.path, e.readPrefix])).toEqual([[join(other, 'plain'), 1]]);
    events.length = 0;
    await sensor.setReadPrefixes([]);
    inContainer(['read', join(other, 'plain')]);
    await settle();
    expect(reads()).toEqual([]);
  });

  it('refuses prefixes the kernel filter cannot hold, with a stable code', () => {
    expect(() => sensor.setReadPrefixes(['relative/x'])).toThrow(/D4C-SEN-020|absolute/);
    expect(() => startSensor({ readPrefixes: ['/a/../b'] })).toThrow(/\.\./);
    expect(() => sensor.setReadPrefixes(['/'])).toThrow(/at least one component/);
    expect(() => sensor.setReadPrefixes([`/${'x'.repeat(64)}`])).toThrow(/64 bytes/);
    expect(() => sensor.setReadPrefixes(['/1/2/3/4/5/6/7/8/9'])).toThrow(/more than 8/);
    expect(() => sensor.setReadPrefixes(Array.from({ length: 17 }, (_, i) => `/p${i}`))).toThrow(
      /at most 16/,
    );
  });
});
