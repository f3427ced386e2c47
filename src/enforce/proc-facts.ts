// What the decision thread reads about the process asking, from /proc, at the moment it asks:
// whether its session has a terminal (`sessionLeaderInteractive`, the one process condition a
// request does not carry: an exec names its executable, file selectors have none). One small
// read of /proc/PID/stat, which takes no lock the process could hold (unlike cmdline), so
// nothing it does can make the decision wait; and current, where the agent's process table
// may lag behind what the sensor has not reported yet.
import { closeSync, openSync, readSync } from 'node:fs';
import { isInteractive } from '../process/index.js';

const STAT_MAX = 1024;
const statBuf = Buffer.alloc(STAT_MAX);

/** /proc/PID/stat's session and tty_nr (fields 6 and 7), or undefined. */
function sessionTty(procRoot: string, pid: number): { sid: number; tty: number } | undefined {
  let fd: number;
  try {
    fd = openSync(`${procRoot}/${pid}/stat`, 'r');
  } catch {
    return undefined;
  }
  try {
    const n = readSync(fd, statBuf, 0, STAT_MAX, 0);
    const text = statBuf.toString('latin1', 0, n);
    // comm (field 2) is in parentheses and may hold anything: fields count from the last ')'.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const sid = Number(rest[3]);
    const tty = Number(rest[4]);
    return Number.isInteger(sid) && Number.isInteger(tty) ? { sid, tty } : undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * `sessionLeaderInteractive` of a process: its session's controlling terminal (the one
 * tty_nr shows) is a terminal a person can sit at; undefined when it is gone or has no session.
 */
export function sessionInteractive(pid: number, procRoot = '/proc'): boolean | undefined {
  const s = sessionTty(procRoot, pid);
  if (!s || s.sid <= 0) return undefined;
  // new_encode_dev: major in bits 8–19, minor in bits 0–7 and 20–31.
  const major = (s.tty >> 8) & 0xfff;
  const minor = (s.tty & 0xff) | ((s.tty >>> 12) & 0xfff00);
  return isInteractive(major, minor);
}
