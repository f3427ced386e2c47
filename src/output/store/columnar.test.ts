// The store worker's encoding decodes back to exactly the rows the row-wise path prepares: the
// fallback after a failed chunk transaction bisects these rows. (The chunks filled from the
// bytes are compared with the row-wise path in chunk.test.ts.)
import { describe, expect, it } from 'vitest';
import type { EcsDoc } from '../index.js';
import { CAP, ColumnEncoder, decodeRows } from './columnar.js';
import { admit, prepare, type Queued } from './prepare.js';
import { sampleDocs } from './sample-docs.fixture.js';

const LIMITS = { maxDocChars: 5000, maxStringChars: 100 };
const PROC = 'logs-cloud_defend.process-default';

describe('columnar messages', () => {
  it('decode to the rows prepare() makes, with the same repairs counted, in reused buffers too', () => {
    const odd: EcsDoc[] = [
      { event: { id: 'no-ts', category: [] }, process: { name: null, pid: '12', interactive: 'false' } },
      { '@timestamp': 1767225600000, process: { name: 'é\u0000x', args: ['a', 'a', 'x'.repeat(40)] } },
      { '@timestamp': 'bad', process: { name: 'a\ud800', args: 'one', pid: 2 ** 60 } },
      { event: { id: 'big' }, process: { args: ['y'.repeat(6000)] } },
      { 'event.id': 'flat', 'process.pid': 9, container: { id: 'c'.repeat(64) } },
    ];
    const batch: Queued[] = [
      ...sampleDocs(CAP + 300, { seed: 9 }),
      ...odd.map((doc) => ({ doc, stream: PROC })),
    ];
    const now = 1_767_225_600_123_000n;
    const want = prepare(batch, now, LIMITS);
    const enc = new ColumnEncoder();
    const fixed: string[] = [];
    const dropped: string[] = [];
    const got = [];
    for (const q of batch) {
      const before = fixed.length;
      const a = admit(q, LIMITS, dropped, fixed);
      if (!a) continue;
      enc.add(a.doc, q.stream, a.json, fixed, before);
      if (enc.n === CAP) {
        const { cols, transfer } = enc.take();
        got.push(...decodeRows(cols, 0, cols.n, now));
        enc.recycle(transfer); // the next message is written over this one's bytes
      }
    }
    const { cols, transfer } = enc.take();
    expect(transfer.length).toBe(6);
    got.push(...decodeRows(cols, 100, cols.n, now)); // a slice, as a batch boundary makes
    const expected = [...want.rows.slice(0, CAP), ...want.rows.slice(CAP + 100)];
    expect(got.length).toBe(expected.length);
    expect(got).toEqual(expected);
    expect(fixed.sort()).toEqual(want.fixed.sort());
    expect(dropped).toEqual(want.dropped);
    expect(fixed).toContain('invalid_utf16');
    expect(fixed).toContain('truncated');
  });
});
