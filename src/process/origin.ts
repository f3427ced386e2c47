// Exec-into-container marking (issue 17): was a container process's session started by the
// container's own init tree, or entered from outside (runc/crun exec as `kubectl exec`,
// `crictl exec`, `podman exec`, `docker exec` do; nsenter from the host)? Decided from the pid
// namespace boundary, whatever the terminal: the container's init is pid 1 of its namespace, its
// descendants share the namespace with their parent, and a process entered from outside is the
// first of its namespace whose parent lives in another one (or is already gone: CRI's short
// `runc init`).
import type { ProcessEntry } from './entry.js';
import type { ContainerEntry } from './types.js';

/** What the rule reads of a process' parent. */
export interface OriginParent {
  parentOf(e: ProcessEntry): ProcessEntry | undefined;
}

// nsenter and friends: a process forked by one of these from the host pid namespace joined the
// container by setns(2) directly; anything else on the host side is the runtime's exec.
const NSENTER = ['nsenter', 'ip-netns', 'machinectl'];

/** True for a process in a child pid namespace (a container's), false on the host. */
export function inChildPidNs(e: Pick<ProcessEntry, 'pid' | 'vpid'>): boolean {
  return e.vpid > 0 && e.vpid !== e.pid;
}

/**
 * Sets `e.containerEntry`. Sticky once decided in the same pid namespace: an exec'd shell's
 * orphans are reparented to the container's pid 1 when the shell exits, which does not make
 * their session the init's. `knownParent` saves a lookup when the caller resolved it (null: none).
 */
export function evaluateContainerEntry(
  e: ProcessEntry,
  rel: OriginParent,
  knownParent?: ProcessEntry | null,
  depth = 0,
): void {
  if (!inChildPidNs(e)) {
    e.containerEntry = null;
    e.containerEntryNs = 0;
    return;
  }
  if (e.containerEntry !== null && e.containerEntryNs === e.pidNsInum) return;
  const parent = knownParent === undefined ? rel.parentOf(e) : (knownParent ?? undefined);
  e.containerEntry = decide(e, parent, rel, depth);
  e.containerEntryNs = e.pidNsInum;
}

// Deeper than this (a chain of undecided ancestors, which the table's bounded lazy fill never
// builds) the process is taken as entered: a false exec-into is seen, a missed one is not.
const MAX_DEPTH = 64;

function decide(
  e: ProcessEntry,
  parent: ProcessEntry | undefined,
  rel: OriginParent,
  depth: number,
): ContainerEntry {
  if (e.vpid === 1) return 'init';
  if (parent === undefined) return 'exec';
  const sameNs = parent.pidNsInum !== 0 && parent.pidNsInum === e.pidNsInum;
  if (!sameNs) return NSENTER.includes(parent.name) || NSENTER.includes(parent.comm) ? 'nsenter' : 'exec';
  // A parent never decided (read lazily, created from a late event) is decided first.
  if (parent.containerEntry === null && depth < MAX_DEPTH)
    evaluateContainerEntry(parent, rel, undefined, depth + 1);
  return parent.containerEntry ?? 'exec';
}
