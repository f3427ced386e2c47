// Terminal write records (D4C_EV_TTY, issue 17): the fixed part, the bytes as written (not
// NUL-terminated, any byte value), and the bounds check on the data.
import { describe, expect, it } from 'vitest';
import { DecodeError, decodeRecord } from './decode.js';
import { CONST, off, TTY } from './events-def.js';
import { Rec } from './record.fixture.js';
import type { TtyEvent } from './types.js';

function tty(data: Buffer, total = data.length): Buffer {
  const r = new Rec(TTY, CONST.D4C_EV_TTY);
  r.u32('fd', 1);
  r.u32('total', total);
  r.u16('major', 136);
  r.u16('minor', 3);
  const start = r.end;
  data.copy(r.buf, start);
  r.end += data.length;
  r.u16('data.off', start);
  r.u16('data.len', data.length);
  return r.done();
}

describe('decodeRecord: tty', () => {
  it('decodes the write: fd, terminal, total and the bytes', () => {
    const bytes = Buffer.from([0x68, 0x69, 0x00, 0xc3, 0x0d, 0x0a]);
    const b = tty(bytes, 9000);
    const e = decodeRecord(b, 0, b.length) as TtyEvent;
    expect(e).toMatchObject({ kind: 'tty', fd: 1, total: 9000, major: 136, minor: 3, tgid: 4242 });
    expect([...e.data]).toEqual([...bytes]);
  });

  it('refuses data beyond the record', () => {
    const b = Buffer.from(tty(Buffer.from('abc')));
    b.writeUInt16LE(200, off(TTY, 'data.len'));
    expect(() => decodeRecord(b, 0, b.length)).toThrow(DecodeError);
  });
});
