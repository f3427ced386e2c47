// One process as the table keeps it. A class with every field set in the constructor keeps one
// hidden class for all entries (compact, monomorphic access); strings are interned by the table
// and args arrays shared between a parent and its forked children until one of them execs.
import type { ContainerEntry, EntryType, PreviousImage } from './types.js';

export enum Flag {
  /** Read from /proc at bootstrap. */
  FromProc = 1,
  /** Filled lazily from /proc for an unknown pid. */
  Lazy = 2,
  /** Created from an event whose pid the table did not know. */
  FromEvent = 4,
  KThread = 8,
  /** /proc showed the executable as "(deleted)". */
  ExeDeleted = 16,
  /** The executable/args are known (from /proc, an exec, or copied from a known parent). */
  ImageKnown = 32,
  /** No longer in the table's map (evicted or replaced by a reused pid). */
  Detached = 64,
  /** An exec event was applied. */
  ExecSeen = 128,
}

export enum ListId {
  None = 0,
  Live = 1,
  Exited = 2,
}

export class ProcessEntry {
  pid: number;
  ppid = 0;
  pgid = 0;
  sid = 0;
  vpid = 0;
  /** ns since boot. A double: exact to the ns for 104 days of uptime, then to a few ns. */
  readonly startNs: number;
  /** ns since boot; -1 while alive. */
  endNs = -1;
  exitCode = 0;
  comm = '';
  name = '';
  executable = '';
  args: readonly string[] = EMPTY_ARGS;
  /** The true argument count when it differs from `args.length` (argv cut), else 0. */
  argc = 0;
  /** argv was cut at the sensor's bound. */
  argsTruncated = false;
  cwd = '';
  ruid = -1;
  euid = -1;
  suid = -1;
  rgid = -1;
  egid = -1;
  sgid = -1;
  capEff = 0n;
  capPrm = 0n;
  ttyMajor = 0;
  ttyMinor = 0;
  cgroupId = 0;
  cgroupPath = '';
  pidNsInum = 0;
  mntNsInum = 0;
  flags = 0;
  previous: readonly PreviousImage[] | null = null;
  /** The entry leader, held by reference so a reused pid cannot redirect it. */
  entryLeader: ProcessEntry | null = null;
  /** Set when this process is itself an entry leader. */
  entryType: EntryType | null = null;
  /** How its session came into the container (src/process/origin.ts); null on the host. */
  containerEntry: ContainerEntry | null = null;
  /** The pid namespace `containerEntry` was decided in. */
  containerEntryNs = 0;
  /** Computed once, on first use. */
  entityId: string | null = null;
  startIso: string | null = null;
  // Intrusive doubly linked list: live entries in LRU order, exited ones in exit order.
  list: ListId = ListId.None;
  prev: ProcessEntry | null = null;
  next: ProcessEntry | null = null;

  constructor(pid: number, startNs: number) {
    this.pid = pid;
    this.startNs = startNs;
  }

  get ended(): boolean {
    return this.endNs >= 0;
  }

  /** /proc showed the executable as deleted (replaced or removed after the exec). */
  get exeDeleted(): boolean {
    return (this.flags & Flag.ExeDeleted) !== 0;
  }

  get kernelThread(): boolean {
    return (this.flags & Flag.KThread) !== 0;
  }

  /** No longer in the table (evicted, or its pid taken by a newer process). */
  get detached(): boolean {
    return (this.flags & Flag.Detached) !== 0;
  }
}

export const EMPTY_ARGS: readonly string[] = Object.freeze([]);

/** A doubly linked list threaded through the entries themselves: O(1) push, remove, shift. */
export class EntryList {
  head: ProcessEntry | null = null;
  tail: ProcessEntry | null = null;
  length = 0;

  constructor(readonly id: ListId) {}

  push(e: ProcessEntry): void {
    e.list = this.id;
    e.prev = this.tail;
    e.next = null;
    if (this.tail) this.tail.next = e;
    else this.head = e;
    this.tail = e;
    this.length++;
  }

  remove(e: ProcessEntry): void {
    if (e.prev) e.prev.next = e.next;
    else this.head = e.next;
    if (e.next) e.next.prev = e.prev;
    else this.tail = e.prev;
    e.prev = null;
    e.next = null;
    e.list = ListId.None;
    this.length--;
  }

  /** Moves an entry to the tail (most recently used). */
  touch(e: ProcessEntry): void {
    if (this.tail === e) return;
    this.remove(e);
    this.push(e);
  }
}
