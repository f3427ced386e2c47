import { describe, expect, it } from 'vitest';
import {
  FR_MARKED,
  FR_READY,
  FR_REQUEST,
  FR_STATS,
  type Frame,
  FrameReader,
  HELPER_COUNTERS,
  REQ_SIZE,
} from './protocol.js';

function frame(type: number, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32LE(4 + body.length, 0);
  head.writeUInt32LE(type, 4);
  return Buffer.concat([head, body]);
}

function request(id: bigint, path: string, cg: string, deadlineNs = 123_456_789n): Buffer {
  const p = Buffer.from(path);
  const c = Buffer.from(cg);
  const b = Buffer.alloc(REQ_SIZE);
  for (const [i, v] of [1, 11, 10, 0o100644, 0o1101, p.length, c.length, 0].entries())
    b.writeUInt32LE(v, i * 4);
  b.writeBigUInt64LE(id, 32);
  b.writeBigUInt64LE(deadlineNs, 40);
  return frame(FR_REQUEST, Buffer.concat([b, p, c]));
}

describe('FrameReader', () => {
  it('decodes every frame type, whole or split at any byte', () => {
    const stats = Buffer.alloc(4 + 8 * HELPER_COUNTERS.length);
    stats.writeUInt32LE(HELPER_COUNTERS.length, 0);
    stats.writeBigUInt64LE(7n, 4 + 8 * HELPER_COUNTERS.indexOf('asked'));
    const marked = Buffer.alloc(12);
    marked.writeUInt32LE(3, 0);
    marked.writeUInt32LE(9, 8);
    const stream = Buffer.concat([
      frame(FR_READY, Buffer.alloc(0)),
      request(42n, '/etc/pässwd', '/libpod_parent/libpod-x'),
      frame(FR_STATS, stats),
      frame(FR_MARKED, marked),
      frame(99, Buffer.alloc(0)),
    ]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const r = new FrameReader();
      const out: Frame[] = [];
      r.push(stream.subarray(0, cut), (f) => out.push(f));
      r.push(stream.subarray(cut), (f) => out.push(f));
      expect(out.map((f) => f.type)).toEqual(['ready', 'request', 'stats', 'marked', 'unknown']);
      const req = out[1];
      expect(req?.type === 'request' && req.req).toEqual({
        id: 42n,
        kind: 1,
        tid: 11,
        pid: 10,
        mode: 0o100644,
        flags: 0o1101,
        path: '/etc/pässwd',
        cgroupPath: '/libpod_parent/libpod-x',
        deadlineNs: 123_456_789n,
      });
      const s = out[2];
      expect(s?.type === 'stats' && s.counters.asked).toBe(7);
      expect(out[3]).toEqual({ type: 'marked', token: 3, errno: 0, count: 9 });
    }
  });

  it('counts a truncated request as a decode error and goes on', () => {
    const bad = request(1n, '/x', '/y');
    bad.writeUInt32LE(4 + REQ_SIZE, 0); // declares no room for the strings it announces
    const r = new FrameReader();
    const out: Frame[] = [];
    r.push(Buffer.concat([bad.subarray(0, 4 + 4 + REQ_SIZE), frame(FR_READY, Buffer.alloc(0))]), (f) =>
      out.push(f),
    );
    expect(out.map((f) => f.type)).toEqual(['ready']);
    expect(r.decodeErrors).toBe(1);
  });
});
