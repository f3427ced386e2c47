import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { D4cError } from './diagnostics.js';
import { openOutputFile } from './safe-open.js';

function refused(fn: () => unknown): D4cError {
  try {
    fn();
  } catch (e) {
    if (e instanceof D4cError) return e;
    throw e;
  }
  throw new Error('not refused');
}

describe('openOutputFile (issue 22, finding 9)', () => {
  const base = mkdtempSync(join(tmpdir(), 'd4c-safe-open-'));
  // A directory like /tmp: anyone may create entries (sticky, as /tmp).
  const shared = join(base, 'shared');
  mkdirSync(shared);
  chmodSync(shared, 0o1777);
  const victim = join(base, 'victim');
  writeFileSync(victim, 'precious\n');

  it('refuses a symlink planted in a world-writable directory, and leaves its target alone', () => {
    const link = join(shared, 'events.ndjson');
    symlinkSync(victim, link);
    const e = refused(() => openOutputFile(link, 'append'));
    expect(e.code).toBe('D4C-FILE-001');
    expect(e.message).toMatch(/symlink/);
    expect(e.file).toBe(link);
    expect(refused(() => openOutputFile(link, 'truncate')).code).toBe('D4C-FILE-001');
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
  });

  it('refuses a hard link (without truncating it) and a FIFO (without hanging)', () => {
    const hard = join(shared, 'ready');
    linkSync(victim, hard);
    expect(refused(() => openOutputFile(hard, 'truncate')).message).toMatch(/has 2 links/);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    const fifo = join(shared, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(() => openOutputFile(fifo, 'append')).toThrow();
  });

  it.skipIf(process.getuid?.() !== 0)('refuses a file another user planted there', () => {
    const planted = join(shared, 'planted.ndjson');
    writeFileSync(planted, '');
    chmodSync(planted, 0o666);
    execFileSync('chown', ['65534:65534', planted]);
    expect(refused(() => openOutputFile(planted, 'append')).message).toMatch(
      /belongs to another user \(uid 65534\)/,
    );
  });

  it('creates a new file 0600 in a shared directory; elsewhere a symlink is followed as given', () => {
    const fresh = join(shared, 'new.ndjson');
    const fd = openOutputFile(fresh, 'truncate');
    writeSync(fd, '1\n');
    closeSync(fd);
    expect(statSync(fresh).mode & 0o777).toBe(0o600);
    const own = join(base, 'own-link');
    symlinkSync(victim, own);
    const fd2 = openOutputFile(own, 'append');
    writeSync(fd2, 'more\n');
    closeSync(fd2);
    expect(readFileSync(victim, 'utf8')).toBe('precious\nmore\n');
  });
});
