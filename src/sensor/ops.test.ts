import { describe, expect, it } from 'vitest';
import { FILE_HOOK_POINTS, fileHookPoint } from './ops.js';
import { FILE_OPS, type FileOp } from './wire.js';

// Elastic's cloud_defend package documents these as the hook points of file events.
const ELASTIC_FILE_HOOKS = [
  'lsm__path_chmod',
  'lsm__path_mknod',
  'lsm__file_open',
  'lsm__path_truncate',
  'lsm__path_rename',
  'lsm__path_link',
  'lsm__path_unlink',
];

describe('file hook points', () => {
  const ops = FILE_OPS.filter((op): op is FileOp => op !== undefined);

  it('names every file operation of the wire table', () => {
    expect(ops.length).toBeGreaterThanOrEqual(13);
    for (const op of ops) expect(FILE_HOOK_POINTS[op], op).toMatch(/^lsm__(path|file)_[a-z]+$/);
  });

  it("uses Elastic's names for the operations Elastic reports, the kernel's LSM hook for the rest", () => {
    const elastic = new Set(ELASTIC_FILE_HOOKS);
    const own = ops.map((op) => FILE_HOOK_POINTS[op]).filter((h) => !elastic.has(h));
    expect(new Set(own)).toEqual(new Set(['lsm__path_symlink', 'lsm__path_rmdir']));
    for (const h of ELASTIC_FILE_HOOKS) expect(Object.values(FILE_HOOK_POINTS)).toContain(h);
  });

  it('reports an open that created its file as mknod, as the kernel calls security_path_mknod', () => {
    expect(fileHookPoint({ op: 'open', created: true })).toBe('lsm__path_mknod');
    expect(fileHookPoint({ op: 'open', created: false })).toBe('lsm__file_open');
    expect(fileHookPoint({ op: 'creat', created: false })).toBe('lsm__file_open');
    expect(fileHookPoint({ op: 'creat', created: true })).toBe('lsm__path_mknod');
    expect(fileHookPoint({ op: 'ftruncate', created: false })).toBe('lsm__path_truncate');
    expect(fileHookPoint({ op: 'read', created: false })).toBe('lsm__file_open');
  });
});
