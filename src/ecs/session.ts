// Elastic's session model for the document builders: which processes are interactive, and
// which process a session was entered through (process.entry_leader and its entry_meta.type).
// The rules themselves live once, in src/process/leaders.ts (Elastic's sessionmd logic, used
// by the process table); this module adapts them to the ECS input types.

import type { EntryType } from '../process/index.js';
import {
  basename,
  entryTypeUnderParent,
  hasNoEntryLeader,
  isContainerRuntime,
  ownEntryType,
  TtyType,
  isInteractive as ttyIsInteractive,
  ttyType,
} from '../process/index.js';
import type { TtyDevice } from './input.js';

export type TtyKind = 'pts' | 'tty' | 'console';

const KIND: Record<TtyType, TtyKind | undefined> = {
  [TtyType.None]: undefined,
  [TtyType.Pts]: 'pts',
  [TtyType.Tty]: 'tty',
  [TtyType.Console]: 'console',
};

/** Classifies a controlling terminal by Elastic's rule; undefined when it is none of those. */
export function ttyKind(tty: TtyDevice | undefined): TtyKind | undefined {
  return tty ? KIND[ttyType(tty.major, tty.minor)] : undefined;
}

/** process.interactive: the process has a controlling terminal that a person can sit at. */
export function isInteractive(tty: TtyDevice | undefined): boolean {
  return tty !== undefined && ttyIsInteractive(tty.major, tty.minor);
}

/** Parents whose session-leader children enter a container (Elastic's prefixes). */
export function isContainerRuntimeName(name: string | undefined): boolean {
  return name !== undefined && name !== '' && isContainerRuntime(name);
}

export interface EntryCandidate {
  pid: number;
  sid?: number;
  /** Parent pid: a session leader whose parent is init is an `init` entry. */
  ppid?: number;
  /** Process name (comm): `login` on a console, runtime internals that never lead. */
  name?: string;
  /** Pid in its own namespace (informational: Elastic's rules do not use it). */
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
  | { kind: 'self'; type: EntryType }
  /**
   * The process shares its parent's entry leader (and type); the caller makes a session
   * leader that inherits none the entry leader of its session with type `unknown`.
   */
  | { kind: 'inherit' };

const NONE: EntryDecision = Object.freeze({ kind: 'none' });
const INHERIT: EntryDecision = Object.freeze({ kind: 'inherit' });
const SELF = new Map<EntryType, EntryDecision>();

function self(type: EntryType): EntryDecision {
  let d = SELF.get(type);
  if (d === undefined) {
    d = Object.freeze({ kind: 'self', type });
    SELF.set(type, d);
  }
  return d;
}

/**
 * Elastic's entry leader rule, the process table's (src/process/leaders.ts): init, kernel
 * threads and kthreadd's children have none; a session leader leads its own entry when it has a
 * serial tty (`terminal`), is `login` on a console (`console`), is a child of init (`init`), or,
 * unless it is a runtime internal, its parent is `ssm-session-worker` on a pts (`ssm`), `sshd`
 * (`sshd`) or a container runtime (`container`: `podman exec -it sh` on a pts is a container
 * entry, not a terminal one); everything else inherits.
 */
export function classifyEntry(p: EntryCandidate, parent: EntryParent | undefined): EntryDecision {
  const ppid = p.ppid ?? -1;
  if (hasNoEntryLeader(p.pid, ppid, p.kthread === true)) return NONE;
  if (p.sid !== p.pid) return INHERIT;
  const facts = { name: p.name ?? '', ppid };
  const tty = p.tty ? ttyType(p.tty.major, p.tty.minor) : TtyType.None;
  const own = ownEntryType(facts, tty);
  if (own !== null) return self(own);
  const parentName = parent && (parent.name || basename(parent.executable ?? ''));
  if (!parentName) return INHERIT;
  const type = entryTypeUnderParent(facts, tty, parentName);
  return type === null ? INHERIT : self(type);
}
