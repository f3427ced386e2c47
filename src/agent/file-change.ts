// A file record's D4C operation as the ECS `file` of its document: the action (ECS
// event.action), the path as the policy spelt it, and what the record knows of the file.
import type { FileActionKind, FileChange } from '../ecs/index.js';
import type { D4cFileChange, FileEvent } from '../sensor/index.js';
import { type ReadWatch, respell } from './read-access.js';

/** The `file` of one D4C operation of record `e` (a rename gives two: source and target). */
export function fileChange(e: FileEvent, change: D4cFileChange, reads: ReadWatch): FileChange {
  const renameSource = e.op === 'rename' && change.path !== e.path;
  const file: FileChange = {
    // A read matched through an alias slot (/run for /var/run) is reported as the policy spelt it.
    path: e.op === 'read' ? respell(reads, e.readPrefix, change.path) : change.path,
    operation: change.operation,
    action: fileAction(e),
  };
  if (e.op === 'rename' && !renameSource && e.origPath !== undefined) file.originalPath = e.origPath;
  if (e.mode !== 0 && e.op !== 'unlink' && e.op !== 'rmdir' && !renameSource) {
    // chmod by path gives permission bits only: ECS file.mode is the permission bits anyway.
    file.mode = e.mode;
  }
  if (e.ino !== 0n && !renameSource) file.inode = e.ino;
  return file;
}

export function fileAction(e: FileEvent): FileActionKind {
  switch (e.op) {
    case 'open':
    case 'creat':
      return e.created ? 'creation' : 'open';
    case 'mknod':
    case 'symlink':
      return 'creation';
    case 'link':
      return 'link';
    case 'rename':
      return 'rename';
    case 'truncate':
    case 'ftruncate':
      return 'truncate';
    case 'chmod':
    case 'fchmod':
      return 'chmod';
    case 'unlink':
    case 'rmdir':
      return 'deletion';
    case 'read':
      return 'read';
  }
}
