// Elastic's session model: TTY classes, `interactive`, and the entry leader of a process, as
// Elastic's sessionmd processor decides them. The one implementation: src/ecs/session.ts
// (isInteractive, ttyKind, classifyEntry) delegates to the rules here.
import { Flag, type ProcessEntry } from './entry.js';
import { evaluateContainerEntry } from './origin.js';
import type { EntryType } from './types.js';

export enum TtyType {
  None = 0,
  /** Pseudo-terminal: major 136–143. */
  Pts = 1,
  /** tty major 4, minor 64–255 (serial lines). */
  Tty = 2,
  /** tty major 4, minor 0–63 (virtual consoles). */
  Console = 3,
}

export function ttyType(major: number, minor: number): TtyType {
  if (major >= 136 && major <= 143) return TtyType.Pts;
  if (major === 4) {
    if (minor <= 63) return TtyType.Console;
    if (minor <= 255) return TtyType.Tty;
  }
  return TtyType.None;
}

/** `process.interactive`: the process has a controlling terminal Elastic recognises. */
export function isInteractive(major: number, minor: number): boolean {
  return ttyType(major, minor) !== TtyType.None;
}

/** Basename of a path; '' for ''. */
export function basename(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? path : path.slice(i + 1);
}

// Parents that make their session-leader child a container's entry (prefix match, as Elastic:
// containerd-shim-runc-v2 and friends).
const CONTAINER_RUNTIMES = ['containerd-shim', 'runc', 'conmon'];
// Runtime internals never become an entry leader themselves (runc init before its exec, ...).
const FILTERED = ['runc', 'containerd-shim', 'calico-node', 'check-status', 'conmon'];

function startsWithAny(s: string, prefixes: readonly string[]): boolean {
  for (const p of prefixes) if (s.startsWith(p)) return true;
  return false;
}

export function isContainerRuntime(name: string): boolean {
  return startsWithAny(name, CONTAINER_RUNTIMES);
}

/** How the entry leader is found: by relatives the table resolves (pid reuse checked). */
export interface Relatives {
  parentOf(e: ProcessEntry): ProcessEntry | undefined;
  leaderOf(e: ProcessEntry, pid: number): ProcessEntry | undefined;
}

/**
 * Decides the entry leader of `e` and sets `e.entryLeader` (and `e.entryType` when `e` leads).
 * Elastic's rules: pid 1 and kernel threads have none. A session leader is its own entry leader
 * when it has a serial TTY (`terminal`), is `login` on a console (`console`), is a child of
 * init (`init`), or — unless it is a runtime internal — its parent is `ssm-session-worker` on a pts
 * (`ssm`), `sshd` (`sshd`), or a container runtime (`container`). Otherwise it inherits from its
 * parent, then its session leader, then its group leader; a session leader that inherits nothing
 * leads with type `unknown`.
 */
export function evaluateEntryLeader(
  e: ProcessEntry,
  rel: Relatives,
  knownParent?: ProcessEntry | null,
): void {
  decideEntryLeader(e, rel, knownParent);
  // Decided wherever the entry leader is (fork without a parent, exec, bootstrap, lazy fill).
  evaluateContainerEntry(e, rel, knownParent);
}

function decideEntryLeader(e: ProcessEntry, rel: Relatives, knownParent?: ProcessEntry | null): void {
  e.entryLeader = null;
  if (hasNoEntryLeader(e.pid, e.ppid, (e.flags & Flag.KThread) !== 0)) return;
  const leads = e.pid === e.sid;
  const tty = ttyType(e.ttyMajor, e.ttyMinor);
  let self = leads ? ownEntryType(e, tty) : null;
  let parent: ProcessEntry | undefined;
  if (self === null) {
    // Resolved only when needed and once: a lookup may read /proc, and counts when it fails.
    parent = knownParent === undefined ? rel.parentOf(e) : (knownParent ?? undefined);
    if (leads && parent) self = entryTypeUnderParent(e, tty, parent.name);
    if (leads && self === null && enteredFromOutside(e, parent)) self = 'container';
  }
  if (self !== null) {
    e.entryType = self;
    e.entryLeader = e;
    return;
  }
  const inherited =
    inheritable(parent, e) ??
    inheritable(rel.leaderOf(e, e.sid), e) ??
    inheritable(rel.leaderOf(e, e.pgid), e);
  if (inherited) {
    e.entryLeader = inherited;
    return;
  }
  if (leads) {
    e.entryType = 'unknown';
    e.entryLeader = e;
  }
}

/**
 * A session leader in a child pid namespace whose parent is outside that namespace, or already
 * gone, entered the container from outside (`kubectl exec`, `podman exec`). Elastic recognises
 * this by the parent's name (containerd-shim, runc, conmon); under CRI exec the parent is a
 * short-lived `runc init` that has exited before anyone can read its name, so the namespace
 * boundary decides, whatever the runtime.
 */
function enteredFromOutside(e: ProcessEntry, parent: ProcessEntry | undefined): boolean {
  if (e.vpid <= 0 || e.vpid === e.pid || startsWithAny(e.name, FILTERED)) return false;
  if (parent === undefined) return true;
  return parent.pidNsInum !== 0 && e.pidNsInum !== 0 && parent.pidNsInum !== e.pidNsInum;
}

function inheritable(rel: ProcessEntry | undefined, e: ProcessEntry): ProcessEntry | null {
  if (!rel || rel === e) return null;
  const l = rel.entryLeader;
  return l === e ? null : l;
}

/** Init, kthreadd, its kernel threads and the idle task have no entry leader. */
export function hasNoEntryLeader(pid: number, ppid: number, kthread: boolean): boolean {
  return pid === 1 || kthread || pid === 2 || ppid === 2 || pid === 0;
}

/** What the entry rules read of a session leader. */
export interface EntrySelf {
  name: string;
  ppid: number;
}

/** Entry types a session leader has by itself (its TTY, its name, its parent being init). */
export function ownEntryType(e: EntrySelf, tty: TtyType): EntryType | null {
  if (tty === TtyType.Tty) return 'terminal';
  if (tty === TtyType.Console && e.name === 'login') return 'console';
  if (e.ppid === 1) return 'init';
  return null;
}

/** Entry types a session leader has by its parent's name (runtime internals never lead). */
export function entryTypeUnderParent(e: EntrySelf, tty: TtyType, parentName: string): EntryType | null {
  if (startsWithAny(e.name, FILTERED)) return null;
  if (tty === TtyType.Pts && parentName === 'ssm-session-worker') return 'ssm';
  if (parentName === 'sshd' && e.name !== 'sshd') return 'sshd';
  if (isContainerRuntime(parentName)) return 'container';
  return null;
}
