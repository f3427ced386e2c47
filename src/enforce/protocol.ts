// The d4c-enforcer helper's output frames (bpf/enforcer.c): `u32 len` + payload, little endian.
// Payload: `u32 type` then a type-specific body. Kept in one place so the C and TS sides agree.

export const FR_REQUEST = 1;
export const FR_READY = 2;
export const FR_STATS = 3;
export const FR_MARKED = 4;

export const KIND_WRITE = 1;
export const KIND_EXEC = 2;

/** The helper's counters by their index in the enum of bpf/enforcer.h (layout.test.ts checks each). */
export const HELPER_COUNTER_ENUM = {
  events: 'C_EVENTS',
  allowedNotWanted: 'C_ALLOW_NOT_WANTED',
  allowedRead: 'C_ALLOW_READ',
  allowedHost: 'C_ALLOW_HOST',
  allowedCreate: 'C_ALLOW_CREATE',
  asked: 'C_ASKED',
  answeredAllow: 'C_ANSWER_ALLOW',
  answeredDeny: 'C_ANSWER_DENY',
  timeoutAllowed: 'C_TIMEOUT_ALLOW',
  timeoutDenied: 'C_TIMEOUT_DENY',
  lateAnswers: 'C_LATE',
  agentBusy: 'C_BUSY',
  overflow: 'C_OVERFLOW',
  errors: 'C_ERRORS',
  notWatched: 'C_MAP_MISSING',
  pendingMax: 'C_PENDING_MAX',
  autoMarked: 'C_AUTO_MARKED',
} as const;
/** The counters in index order. */
export const HELPER_COUNTERS = Object.keys(
  HELPER_COUNTER_ENUM,
) as readonly (keyof typeof HELPER_COUNTER_ENUM)[];
export type HelperCounters = Record<(typeof HELPER_COUNTERS)[number], number>;

export interface Request {
  id: bigint;
  kind: number;
  tid: number;
  pid: number;
  mode: number;
  flags: number;
  path: string;
  cgroupPath: string;
  /**
   * CLOCK_MONOTONIC (ns) after which the helper answers by its fail mode: a verdict given later
   * is late (`process.hrtime.bigint()` reads the same clock).
   */
  deadlineNs: bigint;
}

/** Offsets in struct req (bpf/enforcer.h); layout.test.ts compares them with the C compiler's. */
export const REQ_OFFSETS = {
  kind: 0,
  tid: 4,
  pid: 8,
  mode: 12,
  flags: 16,
  path_len: 20,
  cgroup_len: 24,
  id: 32,
  deadline: 40,
} as const;
export const REQ_SIZE = 48;
const O = REQ_OFFSETS;

export type Frame =
  | { type: 'request'; req: Request }
  | { type: 'ready' }
  | { type: 'stats'; counters: HelperCounters }
  | { type: 'marked'; token: number; errno: number; count: number }
  | { type: 'unknown'; code: number };

/** Splits a byte stream into frames; keeps a partial frame across chunks. */
export class FrameReader {
  private rest: Buffer | undefined;
  decodeErrors = 0;

  push(chunk: Buffer, out: (f: Frame) => void): void {
    const buf = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    this.rest = undefined;
    let off = 0;
    while (buf.length - off >= 4) {
      const len = buf.readUInt32LE(off);
      if (buf.length - off - 4 < len) break;
      const f = this.decode(buf, off + 4, len);
      if (f) out(f);
      off += 4 + len;
    }
    if (off < buf.length) this.rest = Buffer.from(buf.subarray(off));
  }

  private decode(b: Buffer, at: number, len: number): Frame | undefined {
    if (len < 4) {
      this.decodeErrors++;
      return undefined;
    }
    const type = b.readUInt32LE(at);
    const p = at + 4;
    switch (type) {
      case FR_REQUEST: {
        if (len < 4 + REQ_SIZE) break;
        const pathLen = b.readUInt32LE(p + O.path_len);
        const cgLen = b.readUInt32LE(p + O.cgroup_len);
        if (len < 4 + REQ_SIZE + pathLen + cgLen) break;
        const s = p + REQ_SIZE;
        return {
          type: 'request',
          req: {
            kind: b.readUInt32LE(p + O.kind),
            tid: b.readUInt32LE(p + O.tid),
            pid: b.readUInt32LE(p + O.pid),
            mode: b.readUInt32LE(p + O.mode),
            flags: b.readUInt32LE(p + O.flags),
            id: b.readBigUInt64LE(p + O.id),
            deadlineNs: b.readBigUInt64LE(p + O.deadline),
            path: b.toString('utf8', s, s + pathLen),
            cgroupPath: b.toString('utf8', s + pathLen, s + pathLen + cgLen),
          },
        };
      }
      case FR_READY:
        return { type: 'ready' };
      case FR_STATS: {
        const n = b.readUInt32LE(p);
        const counters = {} as HelperCounters;
        HELPER_COUNTERS.forEach((name, i) => {
          counters[name] = i < n ? Number(b.readBigUInt64LE(p + 4 + 8 * i)) : 0;
        });
        return { type: 'stats', counters };
      }
      case FR_MARKED:
        return {
          type: 'marked',
          token: b.readUInt32LE(p),
          errno: b.readUInt32LE(p + 4),
          count: b.readUInt32LE(p + 8),
        };
      default:
        return { type: 'unknown', code: type };
    }
    this.decodeErrors++;
    return undefined;
  }
}
