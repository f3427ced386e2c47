// Files the agent writes at a path a user names (--ndjson, --ready-file). In a directory other
// users can write to (/tmp), one of them could have planted a symlink, a hard link or a FIFO
// there to make root write (or truncate) a file of their choosing, or hang: such a path is
// opened without following symlinks and without blocking, and must turn out to be a regular
// file of ours with one link (issue 22, finding 9). Elsewhere the path is opened as given.
import { closeSync, constants, fstatSync, ftruncateSync, openSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { D4cError } from './diagnostics.js';
import { FILE_CODES } from './file-codes.js';

/** True when users other than the owner may create entries in `dir` (mode o+w, or g+w). */
function shared(dir: string): boolean {
  try {
    return (statSync(dir).mode & 0o022) !== 0;
  } catch {
    return false; // the open reports a missing directory
  }
}

/**
 * Opens `path` for writing (created 0600), appending or truncated. Throws D4cError
 * FILE_CODES.unsafe when the path in a shared directory is a symlink, not a regular file, not
 * ours, or has other links; the open's own errors (ENOENT, EACCES) are thrown as they are.
 */
export function openOutputFile(path: string, how: 'append' | 'truncate'): number {
  const { O_WRONLY, O_CREAT, O_APPEND, O_TRUNC, O_NOFOLLOW, O_NONBLOCK } = constants;
  const guarded = shared(dirname(resolve(path)));
  // libuv adds O_CLOEXEC itself.
  let flags = O_WRONLY | O_CREAT | (how === 'append' ? O_APPEND : 0);
  // Truncation waits for the checks below when guarded (a hard link must not be emptied).
  if (guarded) flags |= O_NOFOLLOW | O_NONBLOCK;
  else if (how === 'truncate') flags |= O_TRUNC;
  let fd: number;
  try {
    fd = openSync(path, flags, 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOOP')
      throw new D4cError(
        FILE_CODES.unsafe.code,
        'is a symlink in a directory other users can write to: refused',
        path,
      );
    throw e;
  }
  if (!guarded) return fd;
  const st = fstatSync(fd);
  const uid = process.geteuid?.() ?? st.uid;
  const why = !st.isFile()
    ? 'is not a regular file'
    : st.uid !== uid
      ? `belongs to another user (uid ${st.uid})`
      : st.nlink !== 1
        ? `has ${st.nlink} links`
        : undefined;
  if (why !== undefined) {
    closeSync(fd);
    throw new D4cError(
      FILE_CODES.unsafe.code,
      `${why}, in a directory other users can write to: refused`,
      path,
    );
  }
  if (how === 'truncate') ftruncateSync(fd, 0);
  return fd;
}
