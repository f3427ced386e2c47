// The progress reporter: silent unless its stream is a terminal; on one, a spinner line with the
// step, n/m and elapsed time, erased at the end. The terminal is a stand-in object recording
// what is written (the one place a fake is right: it is the terminal).
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { progress, stdoutIsPipe } from './progress.js';

function terminal(isTTY: boolean, columns = 80) {
  const writes: string[] = [];
  return { isTTY, columns, writes, write: (s: string) => writes.push(s) };
}

const CLEAR = '\r\x1b[2K';

describe('progress', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes nothing when not a terminal (log lines still pass through)', () => {
    const t = terminal(false);
    const p = progress('lab up', { stream: t, total: 3 });
    expect(p.enabled).toBe(false);
    p.step('building');
    p.detail('12 results');
    vi.advanceTimersByTime(5000);
    p.log('lab: containerd 1 on /x.sock');
    let ran = false;
    p.interrupt(() => {
      ran = true;
    });
    p.done();
    expect(ran).toBe(true);
    expect(t.writes).toEqual(['lab: containerd 1 on /x.sock\n']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('writes nothing on a terminal either when disabled (stdout piped to a reader there)', () => {
    const t = terminal(true);
    const p = progress('query', { stream: t, enabled: false });
    p.step('scanning');
    vi.advanceTimersByTime(5000);
    p.done();
    expect(t.writes).toEqual([]);
  });

  it('on a terminal: the step with n/m and elapsed time, redrawn in place, erased at the end', () => {
    const t = terminal(true);
    const p = progress('lab up', { stream: t, total: 3, env: { LANG: 'C.UTF-8' } });
    p.step('building the local images');
    expect(t.writes.at(-1)).toMatch(/^\r\x1b\[2K⠙ lab up: building the local images \[1\/3\] 0\.0s$/);
    vi.advanceTimersByTime(2500);
    expect(t.writes.at(-1)).toMatch(/^\r\x1b\[2K. lab up: building the local images \[1\/3\] 2\.5s$/);
    p.step('starting containerd');
    expect(t.writes.at(-1)).toContain('starting containerd [2/3]');
    p.log('lab: containerd 42 on /run/x.sock');
    // The line is erased, the log line written, the spinner drawn again under it.
    expect(t.writes.slice(-3)).toEqual([
      CLEAR,
      'lab: containerd 42 on /run/x.sock\n',
      expect.stringContaining('starting containerd [2/3]'),
    ]);
    p.done();
    expect(t.writes.at(-1)).toBe(CLEAR);
    const n = t.writes.length;
    vi.advanceTimersByTime(1000);
    p.done();
    expect(t.writes.length).toBe(n);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('waits delayMs before drawing: a quick command shows nothing and erases nothing', () => {
    const t = terminal(true);
    const quick = progress('query', { stream: t, delayMs: 1000 });
    quick.detail('3 results');
    vi.advanceTimersByTime(500);
    quick.done();
    expect(t.writes).toEqual([]);

    const slow = progress('query', { stream: t, delayMs: 1000, env: {} });
    slow.detail('3 results');
    vi.advanceTimersByTime(1200);
    expect(t.writes.at(-1)).toMatch(/^\r\x1b\[2K[|/\\-] query 3 results 1\.\ds$/);
    let out = '';
    slow.interrupt(() => {
      out = 'row';
    });
    expect(out).toBe('row');
    expect(t.writes.at(-1)).toBe(CLEAR);
    slow.done();
    // Already erased by the interrupt: nothing more to erase.
    expect(t.writes.at(-1)).toBe(CLEAR);
  });

  it('never wider than the terminal (a wrapped line could not be erased)', () => {
    const t = terminal(true, 30);
    const p = progress('lab up', { stream: t, env: {} });
    p.step('importing images into containerd, which is a long label');
    expect(t.writes.at(-1)!.slice(CLEAR.length).length).toBeLessThanOrEqual(29);
    expect(t.writes.at(-1)).toMatch(/…$/);
    p.done();
  });
});

describe('stdoutIsPipe', () => {
  it('true for a FIFO, false for a regular file or a closed descriptor', () => {
    const dir = mkdtempSync(join(tmpdir(), 'd4c-progress-'));
    try {
      const fifo = join(dir, 'fifo');
      execFileSync('mkfifo', [fifo]);
      // O_RDWR: opening a FIFO so does not wait for the other end (Linux).
      const p = openSync(fifo, 'r+');
      const file = join(dir, 'file');
      writeFileSync(file, '');
      const f = openSync(file, 'r');
      expect(stdoutIsPipe(p)).toBe(true);
      expect(stdoutIsPipe(f)).toBe(false);
      closeSync(p);
      closeSync(f);
      expect(stdoutIsPipe(f)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
