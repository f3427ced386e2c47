// Maps sensor file events to D4C file operations (the policy language's `operation` values).
import type { FileEvent, FileOp } from './types.js';

export type D4cFileOperation =
  | 'createFile'
  | 'createExecutable'
  | 'modifyFile'
  | 'modifyExecutable'
  | 'deleteFile'
  | 'readFile';

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;

/**
 * Executable: any x bit on a regular file. A mode whose type bits are unknown (0, e.g. chmod by
 * path, where only the requested permission bits are known) counts as a regular file.
 */
export function isExecutableMode(mode: number): boolean {
  const type = mode & S_IFMT;
  return (type === S_IFREG || type === 0) && (mode & 0o111) !== 0;
}

export interface D4cFileChange {
  operation: D4cFileOperation;
  path: string;
}

/**
 * The D4C operations one file event stands for, by issue 3's rules: create = open that created
 * the file, creat, mknod, link/symlink targets, rename targets; modify = open for write of an
 * existing file, truncate, chmod, rename sources; delete = unlink, rmdir; readFile = a read-only
 * open under a watched read prefix. A rename yields two:
 * modify of the source, create of the target. The mode after the change picks *Executable.
 */
export function d4cOperations(e: FileEvent): D4cFileChange[] {
  const exec = isExecutableMode(e.mode);
  const create: D4cFileOperation = exec ? 'createExecutable' : 'createFile';
  const modify: D4cFileOperation = exec ? 'modifyExecutable' : 'modifyFile';
  switch (e.op) {
    case 'open':
    case 'creat':
      return [{ operation: e.created ? create : modify, path: e.path }];
    case 'mknod':
    case 'link':
    case 'symlink':
      return [{ operation: create, path: e.path }];
    case 'rename':
      return [
        { operation: modify, path: e.origPath ?? e.path },
        { operation: create, path: e.path },
      ];
    case 'truncate':
    case 'ftruncate':
    case 'chmod':
    case 'fchmod':
      return [{ operation: modify, path: e.path }];
    case 'unlink':
    case 'rmdir':
      return [{ operation: 'deleteFile', path: e.path }];
    case 'read':
      return [{ operation: 'readFile', path: e.path }];
  }
}

/**
 * cloud_defend.hook_point of a file record, in Elastic D4C's names. Elastic names the LSM hook of
 * the kernel operation; d4c sees the same operation at its syscall's exit tracepoint, so it
 * reports the same name, and the kernel's own LSM hook name for the two operations Elastic does
 * not report (rmdir, symlink). docs/fields.md lists the mapping.
 */
export const FILE_HOOK_POINTS: Readonly<Record<FileOp | 'create', string>> = Object.freeze({
  open: 'lsm__file_open',
  read: 'lsm__file_open',
  creat: 'lsm__file_open',
  // An open or creat that created the file goes through security_path_mknod, as mknod does.
  create: 'lsm__path_mknod',
  mknod: 'lsm__path_mknod',
  truncate: 'lsm__path_truncate',
  ftruncate: 'lsm__path_truncate',
  chmod: 'lsm__path_chmod',
  fchmod: 'lsm__path_chmod',
  rename: 'lsm__path_rename',
  link: 'lsm__path_link',
  symlink: 'lsm__path_symlink',
  unlink: 'lsm__path_unlink',
  rmdir: 'lsm__path_rmdir',
});

export function fileHookPoint(e: Pick<FileEvent, 'op' | 'created'>): string {
  return FILE_HOOK_POINTS[e.created && (e.op === 'open' || e.op === 'creat') ? 'create' : e.op];
}
