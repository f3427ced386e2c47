// Batching terminal output per process: quiet-interval and size flushes, UTF-8 split across
// writes, the per-process cap with every byte beyond it counted, nothing left at flushAll.
import { describe, expect, it } from 'vitest';
import type { ProcessEntry } from '../process/index.js';
import type { TtyEvent } from '../sensor/index.js';
import { type TtyBatch, TtyOutput } from './tty-output.js';

const entry = (pid: number) => ({ pid }) as unknown as ProcessEntry;
const write = (data: string | Buffer, total?: number): TtyEvent => {
  const b = typeof data === 'string' ? Buffer.from(data) : data;
  return {
    kind: 'tty',
    fd: 1,
    total: total ?? b.length,
    major: 136,
    minor: 0,
    data: b,
  } as unknown as TtyEvent;
};

function setup(o: Partial<{ maxBytesPerProcess: number; quietMs: number; flushBytes: number }> = {}) {
  const out: TtyBatch[] = [];
  const t = new TtyOutput({ maxBytesPerProcess: 1000, quietMs: 100, flushBytes: 500, ...o }, (b) =>
    out.push(b),
  );
  return { t, out };
}

describe('TtyOutput', () => {
  it('flushes a process after its quiet interval, one batch per process', () => {
    const { t, out } = setup();
    const a = entry(1);
    const b = entry(2);
    t.onWrite(a, write('$ id\r\n'), 0);
    t.onWrite(b, write('other'), 10);
    t.onWrite(a, write('uid=0\r\n'), 50);
    t.tick(120);
    expect(out.map((x) => x.text)).toEqual(['other']);
    t.tick(150);
    expect(out.map((x) => x.text)).toEqual(['other', '$ id\r\nuid=0\r\n']);
    expect(out[1]).toMatchObject({ captured: 13, skipped: 0, exceeded: false, major: 136 });
    expect(t.pending).toBe(0);
  });

  it('flushes at the size limit without waiting', () => {
    const { t, out } = setup({ flushBytes: 8 });
    const e = entry(1);
    t.onWrite(e, write('12345'), 0);
    expect(out).toHaveLength(0);
    t.onWrite(e, write('6789'), 1);
    expect(out.map((x) => x.text)).toEqual(['123456789']);
  });

  it('joins a UTF-8 character split across writes and replaces invalid bytes', () => {
    const { t, out } = setup();
    const e = entry(1);
    const cafe = Buffer.from('café');
    t.onWrite(e, write(cafe.subarray(0, 4)), 0);
    t.onWrite(e, write(Buffer.concat([cafe.subarray(4), Buffer.from([0xff, 0x21])])), 1);
    t.flushAll();
    expect(out[0]?.text).toBe('café\ufffd!');
    expect(out[0]?.captured).toBe(7);
  });

  it('keeps at most the cap per process and counts the rest, including what a record could not hold', () => {
    const { t, out } = setup({ maxBytesPerProcess: 10 });
    const e = entry(1);
    // A write of 5000 bytes of which the record holds 6.
    t.onWrite(e, write('abcdef', 5000), 0);
    t.onWrite(e, write('ghijkl'), 1);
    t.tick(200);
    t.onWrite(e, write('mnop'), 300);
    t.flushAll();
    expect(out.map((x) => x.text)).toEqual(['abcdefghij', '']);
    expect(out.map((x) => [x.captured, x.skipped, x.exceeded])).toEqual([
      [10, 4994 + 2, true],
      [0, 4, true],
    ]);
    // Where: after the record's 6 bytes, then (one gap, past the cap) after the 10 kept.
    expect(out.map((x) => x.gaps)).toEqual([
      [
        { offset: 6, length: 4994 },
        { offset: 10, length: 2 },
      ],
      [{ offset: 0, length: 4 }],
    ]);
    expect(t.counters).toMatchObject({
      bytesCaptured: 10,
      bytesSkipped: 5000,
      processesCapped: 1,
      batches: 2,
    });
  });

  it('end() flushes the process at once; a later write starts a new batch', () => {
    const { t, out } = setup();
    const e = entry(1);
    t.onWrite(e, write('bye\r\n'), 0);
    t.end(e);
    expect(out.map((x) => x.text)).toEqual(['bye\r\n']);
    t.end(e);
    expect(out).toHaveLength(1);
  });
});
