// Follows an audit log file as kube-apiserver writes it (--audit-log-path): lines appended from
// the start on (a file that exists is read from its end, one that appears later from its
// beginning), through rotation (the file renamed and a new one made: the old one is read to its
// end first) and truncation (read again from the top). A line is handed on whole; line numbers
// count from the top of the file, for the `file:line` of a malformed line.
import {
  closeSync,
  existsSync,
  type FSWatcher,
  fstatSync,
  openSync,
  readSync,
  statSync,
  watch,
} from 'node:fs';
import { basename, dirname } from 'node:path';

export interface FollowOptions {
  /** Called for each complete line with its 1-based number. */
  onLine: (line: string, lineNo: number) => void;
  /** A line longer than this is skipped (reported as malformed; default 4 MiB). */
  maxLineBytes?: number;
  onOversize?: (lineNo: number) => void;
  /** Backstop poll period (inotify wakes it sooner; default 250 ms). */
  pollMs?: number;
  /** Start at the beginning of a file that already exists (default: its end). */
  fromStart?: boolean;
}

const CHUNK = 1 << 16;

export class FileFollower {
  private fd: number | undefined;
  private ino = -1;
  private offset = 0;
  private lineNo = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  /** Skipping the rest of an oversize line. */
  private skipping = false;
  private timer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | null | undefined;
  private stopped = false;
  private readonly max: number;
  /** Times the file was found rotated or truncated. */
  rotations = 0;

  constructor(
    readonly path: string,
    private readonly o: FollowOptions,
  ) {
    this.max = o.maxLineBytes ?? 4 << 20;
  }

  start(): void {
    this.open(this.o.fromStart !== true);
    this.watchDir();
    this.timer = setInterval(() => this.poll(), this.o.pollMs ?? 250);
    this.timer.unref();
  }

  /** Reads what is new; called by the timer and the watcher (and by tests). */
  poll(): void {
    if (this.stopped) return;
    if (this.watcher === undefined) this.watchDir();
    if (this.fd === undefined) {
      // The file appeared after we started: all of it is new.
      if (existsSync(this.path)) this.open(false);
      if (this.fd === undefined) return;
    }
    let st: ReturnType<typeof statSync> | undefined;
    try {
      st = statSync(this.path);
    } catch {
      st = undefined; // renamed away, the new one not made yet
    }
    if (st && st.ino === this.ino && st.size < this.offset) {
      // Truncated in place (copytruncate): from the top again.
      this.rotations++;
      this.offset = 0;
      this.lineNo = 0;
      this.tail = [];
      this.tailBytes = 0;
      this.skipping = false;
    }
    this.drain();
    if (st && st.ino !== this.ino) {
      // Rotated: the old file is finished (read above); the new one from its first line.
      this.rotations++;
      this.close();
      this.open(false);
      this.drain();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.watcher?.close();
    this.poll();
    this.stopped = true;
    this.close();
  }

  /** Wakes the read at once when the directory changes (rotation makes a file there). */
  private watchDir(): void {
    if (!existsSync(dirname(this.path))) return;
    try {
      const w = watch(dirname(this.path), (_e, name) => {
        if (name === null || name === basename(this.path)) this.poll();
      });
      w.on('error', () => w.close());
      w.unref();
      this.watcher = w;
    } catch {
      this.watcher = null; // no inotify: the poll alone
    }
  }

  private open(atEnd: boolean): void {
    try {
      this.fd = openSync(this.path, 'r');
    } catch {
      this.fd = undefined;
      return;
    }
    const st = fstatSync(this.fd);
    this.ino = st.ino;
    this.offset = 0;
    this.lineNo = 0;
    this.tail = [];
    this.tailBytes = 0;
    this.skipping = false;
    if (atEnd) {
      // Line numbers still count from the top: the lines before the end are counted, not read.
      this.lineNo = countLines(this.fd, st.size);
      this.offset = st.size;
    }
  }

  private close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private drain(): void {
    if (this.fd === undefined) return;
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const n = readSync(this.fd, buf, 0, CHUNK, this.offset);
      if (n <= 0) return;
      this.offset += n;
      this.take(buf.subarray(0, n));
    }
  }

  private take(b: Buffer): void {
    let from = 0;
    for (let nl = b.indexOf(10, from); nl !== -1; nl = b.indexOf(10, from)) {
      const part = b.subarray(from, nl);
      from = nl + 1;
      this.lineNo++;
      if (this.skipping) {
        this.skipping = false;
        continue;
      }
      const line =
        this.tailBytes === 0 ? part.toString('utf8') : Buffer.concat([...this.tail, part]).toString('utf8');
      this.tail = [];
      this.tailBytes = 0;
      if (line.trim() !== '') this.o.onLine(line, this.lineNo);
    }
    if (from < b.length && !this.skipping) {
      const rest = Buffer.from(b.subarray(from));
      this.tail.push(rest);
      this.tailBytes += rest.length;
      if (this.tailBytes > this.max) {
        this.o.onOversize?.(this.lineNo + 1);
        this.tail = [];
        this.tailBytes = 0;
        this.skipping = true;
      }
    }
  }
}

function countLines(fd: number, size: number): number {
  const buf = Buffer.allocUnsafe(1 << 20);
  let n = 0;
  for (let at = 0; at < size; ) {
    const got = readSync(fd, buf, 0, Math.min(buf.length, size - at), at);
    if (got <= 0) break;
    at += got;
    for (let i = buf.indexOf(10, 0); i !== -1 && i < got; i = buf.indexOf(10, i + 1)) n++;
  }
  return n;
}
