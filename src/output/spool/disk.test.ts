import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DiskSpool } from './disk.js';
import { encodeRecord, parseRecord } from './record.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'd4c-spool-'));
const rec = (i: number, pad = 0) =>
  encodeRecord({ stream: 'logs-x-default', id: `id-${i}`, body: `{"n":${i},"p":"${'x'.repeat(pad)}"}` });

function readAll(s: DiskSpool, ack = true): string[] {
  const ids: string[] = [];
  for (;;) {
    const b = s.readBatch(7, 1 << 20);
    if (!b) return ids;
    ids.push(...b.items.map((i) => i.id));
    if (ack) s.ack(b.end, b.items.length);
  }
}

const segFiles = (dir: string) =>
  readdirSync(dir)
    .filter((n) => n.endsWith('.seg'))
    .sort();

describe('record framing', () => {
  it('round-trips and detects corruption', () => {
    const r = encodeRecord({ stream: 's', id: 'ä\u{1F600}', body: '{"a":"\\n"}' });
    const p = parseRecord(r, 0);
    expect(p.kind).toBe('record');
    expect(parseRecord(r.subarray(0, r.length - 1), 0).kind).toBe('incomplete');
    const bad = Buffer.from(r);
    bad.writeUInt8((bad.at(-2) ?? 0) ^ 1, bad.length - 2);
    expect(parseRecord(bad, 0)).toEqual({ kind: 'bad', reason: 'checksum' });
  });
});

describe('DiskSpool', () => {
  it('delivers in order, persists the cursor and replays only unacknowledged records', () => {
    const dir = tmp();
    let s = new DiskSpool(dir, { maxBytes: 1 << 20 });
    s.append(Array.from({ length: 20 }, (_, i) => rec(i)));
    const b = s.readBatch(5, 1 << 20);
    expect(b?.items.map((i) => i.id)).toEqual(['id-0', 'id-1', 'id-2', 'id-3', 'id-4']);
    s.ack(b!.end, 5);
    s.readBatch(5, 1 << 20); // read but never acknowledged: must come back after a restart
    s.close();
    s = new DiskSpool(dir, { maxBytes: 1 << 20 });
    expect(readAll(s)).toEqual(Array.from({ length: 15 }, (_, i) => `id-${i + 5}`));
    expect(s.stats().unacked).toBe(0);
    s.close();
    s = new DiskSpool(dir, { maxBytes: 1 << 20 });
    expect(readAll(s)).toEqual([]);
    s.close();
  });

  it('rotates segments and deletes acknowledged ones', () => {
    const dir = tmp();
    const s = new DiskSpool(dir, { maxBytes: 1 << 20, segmentBytes: 4096 });
    s.append(Array.from({ length: 200 }, (_, i) => rec(i, 50)));
    expect(segFiles(dir).length).toBeGreaterThan(3);
    expect(readAll(s)).toHaveLength(200);
    expect(segFiles(dir).length).toBe(1);
    expect(s.stats().spoolBytes).toBeLessThanOrEqual(4096);
    s.close();
  });

  it('discards a torn final record after a crash, counting it', () => {
    const dir = tmp();
    const s = new DiskSpool(dir, { maxBytes: 1 << 20 });
    s.append(Array.from({ length: 10 }, (_, i) => rec(i)));
    s.close();
    const seg = join(dir, segFiles(dir)[0] as string);
    const whole = statSync(seg).size;
    appendFileSync(seg, rec(10).subarray(0, 11)); // a record cut mid-payload
    const again = new DiskSpool(dir, { maxBytes: 1 << 20 });
    expect(again.stats().dropped.torn).toBe(1);
    expect(statSync(seg).size).toBe(whole);
    expect(readAll(again)).toHaveLength(10);
    again.close();
  });

  it('stops at a corrupt record (bad checksum) and counts it', () => {
    const dir = tmp();
    const s = new DiskSpool(dir, { maxBytes: 1 << 20 });
    s.append(Array.from({ length: 10 }, (_, i) => rec(i)));
    s.close();
    const seg = join(dir, segFiles(dir)[0] as string);
    const buf = readFileSync(seg);
    const one = rec(0).length;
    buf.writeUInt8((buf[one * 6 + 12] ?? 0) ^ 0xff, one * 6 + 12);
    writeFileSync(seg, buf);
    const again = new DiskSpool(dir, { maxBytes: 1 << 20 });
    expect(again.stats().dropped.corrupt).toBe(1);
    expect(readAll(again)).toEqual(['id-0', 'id-1', 'id-2', 'id-3', 'id-4', 'id-5']);
    again.close();
  });

  it('survives a lost or truncated segment and a garbage cursor', () => {
    const dir = tmp();
    const s = new DiskSpool(dir, { maxBytes: 1 << 20 });
    s.append([rec(1), rec(2)]);
    s.close();
    writeFileSync(join(dir, 'cursor.json'), '{garbage');
    truncateSync(join(dir, segFiles(dir)[0] as string), 3);
    const again = new DiskSpool(dir, { maxBytes: 1 << 20 });
    expect(again.stats().dropped.cursor_reset).toBe(1);
    expect(again.stats().dropped.torn).toBe(1);
    expect(readAll(again)).toEqual([]);
    again.append([rec(3)]);
    expect(readAll(again)).toEqual(['id-3']);
    again.close();
  });

  it('drop_newest: refuses records once full and counts each', () => {
    const dir = tmp();
    const s = new DiskSpool(dir, { maxBytes: 64 * 1024, fullPolicy: 'drop_newest' });
    const n = 2000;
    const stored = s.append(Array.from({ length: n }, (_, i) => rec(i, 40)));
    const st = s.stats();
    expect(st.spoolBytes).toBeLessThanOrEqual(64 * 1024);
    expect(stored + (st.dropped.spool_full_newest ?? 0)).toBe(n);
    expect(readAll(s)).toEqual(Array.from({ length: stored }, (_, i) => `id-${i}`));
    s.close();
  });

  it('drop_oldest: deletes the oldest segments, counting every record lost, keeps in-flight ones', () => {
    const dir = tmp();
    const s = new DiskSpool(dir, { maxBytes: 64 * 1024, fullPolicy: 'drop_oldest' });
    const first = s.append(Array.from({ length: 100 }, (_, i) => rec(i, 40)));
    expect(first).toBe(100);
    const inFlight = s.readBatch(10, 1 << 20)!;
    const n = 2000;
    s.append(Array.from({ length: n }, (_, i) => rec(100 + i, 40)));
    const st = s.stats();
    expect(st.spoolBytes).toBeLessThanOrEqual(64 * 1024);
    s.ack(inFlight.end, inFlight.items.length);
    const rest = readAll(s);
    const lost = st.dropped.spool_full_oldest ?? 0;
    expect(lost).toBeGreaterThan(0);
    expect(inFlight.items.length + rest.length + lost).toBe(100 + n);
    // What is left is the newest, contiguous run.
    expect(rest.at(-1)).toBe(`id-${100 + n - 1}`);
    const firstKept = Number(rest[0]?.slice(3));
    expect(rest).toEqual(Array.from({ length: 100 + n - firstKept }, (_, i) => `id-${firstKept + i}`));
    s.close();
  });

  it("allows one process per spool and takes over a dead owner's lock", () => {
    const dir = tmp();
    const s = new DiskSpool(dir, { maxBytes: 1 << 20 });
    writeFileSync(join(dir, 'spool.lock'), '1'); // pid 1 is alive
    expect(() => new DiskSpool(dir, { maxBytes: 1 << 20 })).toThrow(/in use by process 1/);
    s.close();
    const dead = spawnSync(process.execPath, [
      '-e',
      'process.stdout.write(String(process.pid))',
    ]).stdout.toString();
    writeFileSync(join(dir, 'spool.lock'), dead);
    const again = new DiskSpool(dir, { maxBytes: 1 << 20 });
    expect(readFileSync(join(dir, 'spool.lock'), 'utf8')).toBe(String(process.pid));
    again.close();
    expect(readdirSync(dir)).not.toContain('spool.lock');
  });
});
