// Container drift (issue 8): an exec whose executable was created or modified inside the
// container after it started. Two sources, per container:
//  (a) the sensor's own record of writes (create/modify/chmod/rename/link targets), keyed by
//      inode (dev:ino) and by path, bounded, forgotten when the container's init exits;
//  (b) the overlay upper layer, for files written before the agent started: the container's
//      rootfs upperdir (from /proc/PID/mountinfo, cached per container) holds the path.
// An image file found not in the upper layer is remembered by path and inode, so an exec storm of
// one binary costs one lstat: copy-up needs a write (which (a) sees, and which clears the entry),
// and a file put in the upper layer from outside is a new inode, so a new key.
// Everything here runs on the event path: no throw escapes, every failure is counted.
import { lstatSync } from 'node:fs';
import { type OverlayRoot, overlayRootOf, readMountinfo } from '../process/index.js';
import type { ExecEvent, FileEvent } from '../sensor/index.js';

export interface DriftCounters {
  /** Execs found drifted, by source. */
  driftByWrite: number;
  driftByUpperLayer: number;
  /** Writes remembered; writes not remembered because a container's table was full. */
  driftWritesTracked: number;
  driftWritesDropped: number;
  /** /proc/PID/mountinfo unreadable or without an overlay root (drift then from writes only). */
  driftMountinfoFailures: number;
  /** lstat of upperdir + path failed for another reason than "not there". */
  driftUpperErrors: number;
  /** Execs answered "image file" from the cache, without an lstat of the upper layer. */
  driftLowerCached: number;
  /** Containers forgotten (their init exited) or evicted (too many at once). */
  driftContainersDropped: number;
}

export function newDriftCounters(): DriftCounters {
  return {
    driftByWrite: 0,
    driftByUpperLayer: 0,
    driftWritesTracked: 0,
    driftWritesDropped: 0,
    driftMountinfoFailures: 0,
    driftUpperErrors: 0,
    driftLowerCached: 0,
    driftContainersDropped: 0,
  };
}

interface ContainerState {
  /** `dev:ino` and paths written since the agent saw the container. */
  written: Set<string>;
  /** Executables found on the image (not in the upper layer): path → `dev:ino`, bounded. */
  lower: Map<string, string>;
  /** undefined: not looked up yet; null: no overlay root found. */
  overlay: OverlayRoot | null | undefined;
  /** The container's init (host pid), long-lived: its mountinfo when the exec'd process is gone. */
  init: number;
}

export interface DriftOptions {
  maxWritesPerContainer?: number;
  maxContainers?: number;
  procRoot?: string;
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;

export class DriftTracker {
  private readonly containers = new Map<string, ContainerState>();
  private readonly maxWrites: number;
  private readonly maxContainers: number;
  private readonly procRoot: string;

  constructor(
    private readonly c: DriftCounters,
    o: DriftOptions = {},
  ) {
    this.maxWrites = o.maxWritesPerContainer ?? 4096;
    this.maxContainers = o.maxContainers ?? 4096;
    this.procRoot = o.procRoot ?? '/proc';
  }

  private state(cid: string): ContainerState {
    let s = this.containers.get(cid);
    if (s === undefined) {
      if (this.containers.size >= this.maxContainers) {
        // Oldest first (Map order): a bound, not a policy; counted.
        const first = this.containers.keys().next().value;
        if (first !== undefined) this.containers.delete(first);
        this.c.driftContainersDropped++;
      }
      s = { written: new Set(), lower: new Map(), overlay: undefined, init: 0 };
      this.containers.set(cid, s);
    }
    return s;
  }

  private remember(s: ContainerState, key: string): void {
    if (s.written.has(key)) return;
    if (s.written.size >= this.maxWrites) {
      this.c.driftWritesDropped++;
      return;
    }
    s.written.add(key);
    this.c.driftWritesTracked++;
  }

  /** The host pid of the container's init (vpid 1), a fallback for reading its mountinfo. */
  noteInit(cid: string, pid: number): void {
    this.state(cid).init = pid;
  }

  /** A file record of container `cid`: remember what it wrote (reads and deletions are not writes). */
  onFile(cid: string, e: FileEvent): void {
    switch (e.op) {
      case 'read':
      case 'unlink':
      case 'rmdir':
      case 'symlink': // exec resolves the link: the target is what runs
        return;
    }
    const s = this.state(cid);
    if (s.lower.size > 0) {
      // A write may copy a cached image file up: ask the upper layer again.
      s.lower.delete(e.path);
      if (e.origPath !== undefined) s.lower.delete(e.origPath);
    }
    this.remember(s, e.path);
    if (e.ino !== 0n && e.modeSource === 'inode') this.remember(s, `${e.dev}:${e.ino}`);
  }

  /**
   * Whether the executable of this exec is drift: true when the sensor saw it written or it is
   * in the overlay upper layer; false when it is on the overlay root and not in the upper
   * layer, or on another mount and never written; undefined when nothing could be checked.
   */
  onExec(cid: string, e: ExecEvent): boolean | undefined {
    const s = this.state(cid);
    const path = e.executable;
    if (s.written.has(`${e.exeDev}:${e.exeIno}`) || (path !== '' && s.written.has(path))) {
      this.c.driftByWrite++;
      return true;
    }
    if (s.overlay === undefined) s.overlay = this.lookup(s, e.tgid, e.mntns);
    const o = s.overlay;
    if (o === null || o === undefined) return undefined;
    if (e.exeDev !== o.dev) return false; // a volume or another mount: not the image's file system
    const key = `${e.exeDev}:${e.exeIno}`;
    if (s.lower.get(path) === key) {
      this.c.driftLowerCached++;
      return false;
    }
    const up = this.inUpper(o, path);
    if (up) this.c.driftByUpperLayer++;
    else if (e.exeIno !== 0n) {
      if (s.lower.size >= this.maxWrites) s.lower.clear();
      s.lower.set(path, key);
    }
    return up;
  }

  /**
   * Drift of a process the agent did not see exec (running when it started): the upper layer only.
   */
  ofRunning(cid: string, pid: number, mntns: number, executable: string): boolean | undefined {
    const s = this.state(cid);
    if (executable !== '' && s.written.has(executable)) return true;
    if (s.overlay === undefined) s.overlay = this.lookup(s, pid, mntns);
    return s.overlay ? this.inUpper(s.overlay, executable) : undefined;
  }

  /** The container is gone (its init exited): drop what was kept for it. */
  forget(cid: string): void {
    if (this.containers.delete(cid)) this.c.driftContainersDropped++;
  }

  get size(): number {
    return this.containers.size;
  }

  private inUpper(o: OverlayRoot, path: string): boolean {
    if (!path.startsWith('/') || path.includes('\0')) return false;
    try {
      const st = lstatSync(o.upperdir + path, { throwIfNoEntry: false });
      // A whiteout (char device 0/0) means deleted, a directory cannot be executed.
      return st !== undefined && (st.mode & S_IFMT) === S_IFREG;
    } catch {
      this.c.driftUpperErrors++;
      return false;
    }
  }

  /**
   * The overlay root seen by `pid`, else by the container's init, each only while its mount
   * namespace is `mntns` (the pid may be gone, or reused by another process).
   */
  private lookup(s: ContainerState, pid: number, mntns: number): OverlayRoot | null | undefined {
    for (const p of s.init > 0 && s.init !== pid ? [pid, s.init] : [pid]) {
      const root = this.overlayRoot(p, mntns);
      if (root !== undefined) return root;
    }
    this.c.driftMountinfoFailures++;
    return undefined;
  }

  /** null: no overlay root (cached); undefined: unreadable or another namespace (retry later). */
  private overlayRoot(pid: number, mntns: number): OverlayRoot | null | undefined {
    const text = readMountinfo(this.procRoot, pid, mntns);
    if (text === undefined) return undefined;
    const root = overlayRootOf(text);
    if (root === null) this.c.driftMountinfoFailures++;
    return root;
  }
}
