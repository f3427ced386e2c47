import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NdjsonOutput } from './ndjson.js';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'd4c-ndjson-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('NdjsonOutput', () => {
  it('writes one line per document, in order, on flush', () => {
    const path = join(tmp(), 'out.ndjson');
    const out = new NdjsonOutput(path, { flushMs: 60_000 });
    out.write({ a: 1 });
    out.write({ b: 'x\ny' });
    expect(readFileSync(path, 'utf8')).toBe('');
    out.flush();
    expect(readFileSync(path, 'utf8')).toBe('{"a":1}\n{"b":"x\\ny"}\n');
    expect(out.stats).toMatchObject({ docs: 2, flushes: 1, dropped: 0 });
    out.close();
  });

  it('flushes by itself within the period', async () => {
    const path = join(tmp(), 'out.ndjson');
    const out = new NdjsonOutput(path, { flushMs: 50 });
    out.write({ n: 1 });
    // Without a close or an explicit flush: the period's timer writes it.
    const until = Date.now() + 5000;
    while (readFileSync(path, 'utf8') === '' && Date.now() < until)
      await new Promise((r) => setTimeout(r, 10));
    expect(readFileSync(path, 'utf8')).toBe('{"n":1}\n');
    out.close();
  });

  it('flushes early past the buffer bound and appends to an existing file', () => {
    const path = join(tmp(), 'out.ndjson');
    const a = new NdjsonOutput(path, { flushMs: 60_000, maxBufferBytes: 10 });
    a.write({ long: 'abcdefghij' });
    expect(readFileSync(path, 'utf8').split('\n')).toHaveLength(2);
    a.close();
    const b = new NdjsonOutput(path, { flushMs: 60_000 });
    b.write({ second: true });
    b.close();
    expect(readFileSync(path, 'utf8')).toBe('{"long":"abcdefghij"}\n{"second":true}\n');
  });

  it('counts documents written after close as dropped', () => {
    const path = join(tmp(), 'out.ndjson');
    const out = new NdjsonOutput(path);
    out.close();
    out.write({ late: 1 });
    expect(out.stats.dropped).toBe(1);
  });
});
