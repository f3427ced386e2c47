import { describe, expect, it } from 'vitest';
import { classifyEntry, isContainerRuntimeName, isInteractive, ttyKind } from './session.js';

describe('interactive rule (Elastic: pts 136-143, tty major 4 minor 64-255, console major 4 minor <= 63)', () => {
  const cases: [number, number, string | undefined][] = [
    [136, 0, 'pts'],
    [136, 5, 'pts'],
    [143, 1048575, 'pts'],
    [135, 0, undefined],
    [144, 0, undefined],
    [4, 0, 'console'],
    [4, 63, 'console'],
    [4, 64, 'tty'],
    [4, 255, 'tty'],
    [4, 256, undefined],
    [5, 1, undefined], // /dev/console (major 5) is not in Elastic's rule
    [5, 0, undefined], // /dev/tty
    [0, 0, undefined],
  ];
  it.each(cases)('major %i minor %i → %s', (major, minor, kind) => {
    expect(ttyKind({ major, minor })).toBe(kind);
    expect(isInteractive({ major, minor })).toBe(kind !== undefined);
  });
  it('no tty is not interactive', () => {
    expect(isInteractive(undefined)).toBe(false);
  });
});

describe('entry leader classification', () => {
  const pts = { major: 136, minor: 3 };
  it('pid 1 and kernel threads have none', () => {
    expect(classifyEntry({ pid: 1, sid: 1 }, undefined)).toEqual({ kind: 'none' });
    expect(classifyEntry({ pid: 2, sid: 0, kthread: true }, { name: 'kthreadd' })).toEqual({ kind: 'none' });
  });
  it('session leader under a container shim or runtime is a container entry', () => {
    for (const name of [
      'containerd-shim',
      'containerd-shim-runc-v2',
      'runc',
      'conmon',
      'crun',
      'runc:[2:INIT]',
    ]) {
      expect(classifyEntry({ pid: 10, sid: 10 }, { name }), name).toEqual({
        kind: 'self',
        type: 'container',
      });
    }
    // With a terminal too (podman exec -it): still a container entry.
    expect(classifyEntry({ pid: 10, sid: 10, tty: pts }, { name: 'runc' })).toEqual({
      kind: 'self',
      type: 'container',
    });
    // By executable when the name is unknown.
    expect(classifyEntry({ pid: 10, sid: 10 }, { executable: '/usr/bin/conmon' })).toEqual({
      kind: 'self',
      type: 'container',
    });
  });
  it("a container's init (vpid 1) under a runtime is a container entry even without setsid", () => {
    expect(classifyEntry({ pid: 10, sid: 9, vpid: 1 }, { name: 'runc' })).toEqual({
      kind: 'self',
      type: 'container',
    });
  });
  it('session leader with a terminal is a terminal entry', () => {
    expect(classifyEntry({ pid: 10, sid: 10, tty: pts }, { name: 'sshd' })).toEqual({
      kind: 'self',
      type: 'terminal',
    });
    expect(classifyEntry({ pid: 10, sid: 10, tty: { major: 4, minor: 1 } }, { name: 'login' })).toEqual({
      kind: 'self',
      type: 'terminal',
    });
  });
  it('everything else inherits', () => {
    expect(classifyEntry({ pid: 10, sid: 10 }, { name: 'systemd' })).toEqual({ kind: 'inherit' });
    expect(classifyEntry({ pid: 11, sid: 10, tty: pts }, { name: 'runc' })).toEqual({ kind: 'inherit' });
    expect(classifyEntry({ pid: 11 }, undefined)).toEqual({ kind: 'inherit' });
    expect(classifyEntry({ pid: 10, sid: 10 }, undefined)).toEqual({ kind: 'inherit' });
  });
  it('recognises runtime names', () => {
    expect(isContainerRuntimeName('runcx')).toBe(false);
    expect(isContainerRuntimeName('shim')).toBe(false);
    expect(isContainerRuntimeName(undefined)).toBe(false);
  });
});
