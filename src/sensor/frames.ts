// Splits the loader's byte stream into frames: u32 little-endian length, then the payload.
// Whole frames inside a chunk are handed out as views of that chunk; only a frame split across
// chunks is copied (into a carry buffer).

export type FrameHandler = (buf: Buffer, offset: number, length: number) => void;

/** Frames larger than this mean a corrupt stream (kernel records are < 64 KiB). */
export const MAX_FRAME = 1 << 20;

export class FrameReader {
  private carry: Buffer = Buffer.alloc(0);
  bytes = 0;
  frames = 0;

  constructor(private readonly onFrame: FrameHandler) {}

  push(chunk: Buffer): void {
    this.bytes += chunk.length;
    let buf = chunk;
    if (this.carry.length > 0) {
      buf = Buffer.concat([this.carry, chunk]);
      this.carry = Buffer.alloc(0);
    }
    let pos = 0;
    while (buf.length - pos >= 4) {
      const len = buf.readUInt32LE(pos);
      if (len > MAX_FRAME) throw new Error(`sensor stream corrupt: frame of ${len} bytes`);
      if (buf.length - pos - 4 < len) break;
      this.frames++;
      this.onFrame(buf, pos + 4, len);
      pos += 4 + len;
    }
    if (pos < buf.length) this.carry = Buffer.from(buf.subarray(pos));
  }

  /** Bytes of an incomplete frame still waiting for the rest. */
  get pending(): number {
    return this.carry.length;
  }
}
