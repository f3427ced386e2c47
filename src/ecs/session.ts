// Elastic's session model: which processes are interactive, and which process a session was
// entered through (process.entry_leader and its entry_meta.type). The process table calls these
// once per fork/exec/setsid; the document builders only copy the results.

import type { EntryMetaType, TtyDevice } from './input.js';

/** Unix98 pseudo-terminal slaves (/dev/pts/N): majors 136..143. */
const PTS_MAJOR_FIRST = 136;
const PTS_MAJOR_LAST = 143;
/** Major 4: virtual consoles (minor 0..63, /dev/tty0..63) and serial ttys (64..255, /dev/ttyS*). */
const TTY_MAJOR = 4;

export type TtyKind = 'pts' | 'tty' | 'console';

/** Classifies a controlling terminal by Elastic's rule; undefined when it is none of those. */
export function ttyKind(tty: TtyDevice | undefined): TtyKind | undefined {
  if (!tty) return undefined;
  const { major, minor } = tty;
  if (major >= PTS_MAJOR_FIRST && major <= PTS_MAJOR_LAST) return 'pts';
  if (major === TTY_MAJOR) {
    if (minor >= 64 && minor <= 255) return 'tty';
    if (minor >= 0 && minor <= 63) return 'console';
  }
  return undefined;
}

/** process.interactive: the process has a controlling terminal that a person can sit at. */
export function isInteractive(tty: TtyDevice | undefined): boolean {
  return ttyKind(tty) !== undefined;
}

/**
 * Parents whose session-leader children enter a container: the shims and OCI runtimes.
 * `containerd-shim*`, `runc`, `conmon` are Elastic's; `crun` and `youki` are the other OCI
 * runtimes podman and CRI-O use; `runc:[2:INIT]` etc. are runc's re-exec'd init (its comm).
 */
export function isContainerRuntimeName(name: string | undefined): boolean {
  if (!name) return false;
  return (
    name.startsWith('containerd-shim') ||
    name === 'runc' ||
    name.startsWith('runc:[') ||
    name === 'conmon' ||
    name === 'crun' ||
    name === 'youki'
  );
}

export interface EntryCandidate {
  pid: number;
  sid?: number;
  /** Pid in its own namespace: 1 for a container's init. */
  vpid?: number;
  kthread?: boolean;
  tty?: TtyDevice;
}

export interface EntryParent {
  name?: string;
  executable?: string;
}

export type EntryDecision =
  /** pid 1 and kernel threads have no entry leader. */
  | { kind: 'none' }
  /** The process is the entry leader of its session, of this type. */
  | { kind: 'self'; type: EntryMetaType }
  /** The process shares its parent's entry leader (and type). */
  | { kind: 'inherit' };

const NONE: EntryDecision = Object.freeze({ kind: 'none' });
const INHERIT: EntryDecision = Object.freeze({ kind: 'inherit' });
const CONTAINER: EntryDecision = Object.freeze({ kind: 'self', type: 'container' });
const TERMINAL: EntryDecision = Object.freeze({ kind: 'self', type: 'terminal' });

/**
 * Elastic's entry leader rule: pid 1 and kernel threads have none; a session leader whose
 * parent is a container shim/runtime enters a container (checked before the terminal case so
 * that `podman exec -it sh` is a `container` entry, as Elastic's "interactive exec into
 * container" rule expects); any other session leader with a terminal is a `terminal` entry;
 * everything else inherits its parent's entry leader.
 *
 * Our addition: a container's init (vpid 1) started by a runtime is a container entry even if
 * the runtime did not make it a session leader.
 */
export function classifyEntry(p: EntryCandidate, parent: EntryParent | undefined): EntryDecision {
  if (p.pid === 1 || p.kthread) return NONE;
  const sessionLeader = p.sid !== undefined && p.sid === p.pid;
  if ((sessionLeader || p.vpid === 1) && parent && isRuntimeParent(parent)) return CONTAINER;
  if (sessionLeader && isInteractive(p.tty)) return TERMINAL;
  return INHERIT;
}

function isRuntimeParent(parent: EntryParent): boolean {
  if (isContainerRuntimeName(parent.name)) return true;
  const exe = parent.executable;
  if (!exe) return false;
  return isContainerRuntimeName(exe.slice(exe.lastIndexOf('/') + 1));
}
