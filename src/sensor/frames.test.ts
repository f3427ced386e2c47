import { describe, expect, it } from 'vitest';
import { FrameReader } from './frames.js';

function frame(payload: string): Buffer {
  const p = Buffer.from(payload);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(p.length);
  return Buffer.concat([len, p]);
}

describe('FrameReader', () => {
  it('splits frames however the stream is chunked', () => {
    const stream = Buffer.concat([frame('one'), frame(''), frame('three'), frame('x'.repeat(300))]);
    for (const size of [1, 2, 3, 5, 7, 64, stream.length]) {
      const got: string[] = [];
      const r = new FrameReader((b, o, l) => got.push(b.toString('utf8', o, o + l)));
      for (let i = 0; i < stream.length; i += size) r.push(stream.subarray(i, i + size));
      expect(got).toEqual(['one', '', 'three', 'x'.repeat(300)]);
      expect(r.pending).toBe(0);
      expect(r.frames).toBe(4);
      expect(r.bytes).toBe(stream.length);
    }
  });

  it('rejects an absurd frame length instead of buffering forever', () => {
    const r = new FrameReader(() => {});
    const bad = Buffer.alloc(4);
    bad.writeUInt32LE(0xffffffff);
    expect(() => r.push(bad)).toThrow(/corrupt/);
  });
});
