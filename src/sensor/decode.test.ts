// Decoder tests on records built byte by byte from the shared layout (events-def.ts), including
// malformed ones: a bad record is a typed DecodeError, never a crash or a silent misread.
import { describe, expect, it } from 'vitest';
import { DecodeError, decodeRecord, decodeStats } from './decode.js';
import { CONST, EXEC, EXIT, FILE, HDR, layoutOf, off, type StructDef } from './events-def.js';
import { d4cOperations, isExecutableMode } from './ops.js';
import { Rec } from './record.fixture.js';
import type { ExecEvent, FileEvent } from './types.js';

describe('decodeRecord', () => {
  it('decodes an exec with args, cwd and the header', () => {
    const r = new Rec(EXEC, CONST.D4C_EV_EXEC);
    r.u32('argc', 3);
    r.vstr('filename', ['./run'], false);
    r.vstr('args', ['./run', '--x', 'a b']);
    r.path('exe', ['run', 'bin', 'app'], '');
    r.path('cwd', ['bin', 'app'], '');
    const b = r.done();
    const e = decodeRecord(b, 0, b.length) as ExecEvent;
    expect(e).toMatchObject({
      kind: 'exec',
      tgid: 4242,
      vpid: 7,
      uid: 1000,
      comm: 'bash',
      cgroupPath: '/libpod_parent/libpod-abc',
      filename: './run',
      filenamePath: '/app/bin/run',
      args: ['./run', '--x', 'a b'],
      argc: 3,
      executable: '/app/bin/run',
      cwd: '/app/bin',
      capEffective: 0xffffffffffn,
      startTime: 123_456_789_000,
      truncated: false,
    });
  });

  it('decodes a rename with both paths and maps it to modify + create', () => {
    const r = new Rec(FILE, CONST.D4C_EV_FILE);
    r.u32('op', CONST.D4C_FOP_RENAME);
    r.path('orig', ['tmp'], 'a.txt');
    r.path('path', ['etc', 'x'], '../y.sh');
    const b = r.done();
    const e = decodeRecord(b, 0, b.length) as FileEvent;
    expect(e).toMatchObject({ op: 'rename', path: '/x/y.sh', origPath: '/tmp/a.txt', modeSource: 'unknown' });
    expect(d4cOperations(e)).toEqual([
      { operation: 'modifyFile', path: '/tmp/a.txt' },
      { operation: 'createFile', path: '/x/y.sh' },
    ]);
  });

  it('marks a path whose walk was cut (depth or length): never a whole-looking absolute path', () => {
    for (const cutFlag of [CONST.D4C_PF_DEPTH, CONST.D4C_PF_TRUNCATED]) {
      const r = new Rec(FILE, CONST.D4C_EV_FILE);
      r.u32('op', CONST.D4C_FOP_UNLINK);
      r.path('path', ['passwd', 'etc'], '', cutFlag);
      const b = r.done();
      const e = decodeRecord(b, 0, b.length) as FileEvent;
      expect(e.path).toBe('.../etc/passwd');
      expect(e.path.startsWith('/')).toBe(false);
    }
    const r = new Rec(FILE, CONST.D4C_EV_FILE);
    r.u32('op', CONST.D4C_FOP_UNLINK);
    r.path('path', ['d', 'c'], 'x', CONST.D4C_PF_DEPTH);
    const b = r.done();
    expect((decodeRecord(b, 0, b.length) as FileEvent).path).toBe('.../c/d/x');
    const whole = new Rec(FILE, CONST.D4C_EV_FILE);
    whole.u32('op', CONST.D4C_FOP_UNLINK);
    whole.path('path', ['d', 'c'], '/etc/passwd', CONST.D4C_PF_DEPTH);
    const w = whole.done();
    expect((decodeRecord(w, 0, w.length) as FileEvent).path).toBe('/etc/passwd');
  });

  it('uses the caller string alone when it is absolute', () => {
    const r = new Rec(FILE, CONST.D4C_EV_FILE);
    r.u32('op', CONST.D4C_FOP_UNLINK);
    r.path('path', undefined, '/etc/./passwd');
    const b = r.done();
    expect((decodeRecord(b, 0, b.length) as FileEvent).path).toBe('/etc/passwd');
  });

  it('decodes an exit status into code and signal', () => {
    for (const [status, code, sig] of [
      [0x0100, 1, 0],
      [9, 137, 9],
      [0, 0, 0],
    ]) {
      const r = new Rec(EXIT, CONST.D4C_EV_EXIT);
      r.u32('exit_code', status!);
      const b = r.done();
      expect(decodeRecord(b, 0, b.length)).toMatchObject({ kind: 'exit', exitCode: code, signal: sig });
    }
  });

  it('decodes at an offset inside a larger buffer (frames are views, not copies)', () => {
    const r = new Rec(HDR_ONLY, CONST.D4C_EV_FORK);
    const rec = r.done();
    const big = Buffer.concat([Buffer.alloc(13, 0xaa), rec, Buffer.alloc(5)]);
    expect(decodeRecord(big, 13, rec.length)).toMatchObject({ kind: 'fork', tgid: 4242, comm: 'bash' });
  });

  it('throws typed errors on short, unknown and out-of-bounds records', () => {
    const code = (b: Buffer) => {
      try {
        decodeRecord(b, 0, b.length);
      } catch (e) {
        expect(e).toBeInstanceOf(DecodeError);
        return (e as DecodeError).code;
      }
      return 'no error';
    };
    expect(code(Buffer.alloc(10))).toBe('D4C-SEN-001');
    const unknown = new Rec(HDR_ONLY, 99).done();
    expect(code(unknown)).toBe('D4C-SEN-003');
    const shortExec = new Rec(HDR_ONLY, CONST.D4C_EV_EXEC).done();
    expect(code(shortExec)).toBe('D4C-SEN-001');
    const r = new Rec(FILE, CONST.D4C_EV_FILE);
    r.u32('op', CONST.D4C_FOP_OPEN);
    r.u16('path.dir.off', 60_000);
    r.u16('path.dir.len', 10);
    r.u32('path.flags', CONST.D4C_PF_HAS_DIR);
    expect(code(r.done())).toBe('D4C-SEN-002');
    const badOp = new Rec(FILE, CONST.D4C_EV_FILE);
    badOp.u32('op', 77);
    expect(code(badOp.done())).toBe('D4C-SEN-003');
  });

  it('never throws anything but DecodeError on random bytes', () => {
    let seed = 1;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (let i = 0; i < 2000; i++) {
      const b = Buffer.alloc(rnd() % 600);
      for (let j = 0; j < b.length; j++) b[j] = rnd() & 0xff;
      if (b.length >= 2) b.writeUInt16LE((rnd() % 6) + 1, 0);
      try {
        decodeRecord(b, 0, b.length);
      } catch (e) {
        expect(e).toBeInstanceOf(DecodeError);
      }
    }
  });
});

const HDR_ONLY: StructDef = { cName: 'd4c_fork', fields: [['h', 'hdr']] };

describe('decodeStats', () => {
  it('reads every counter by its index', () => {
    const n = CONST.D4C_NCOUNTERS + 2;
    const b = Buffer.alloc(8 + n * 8);
    b.writeUInt16LE(CONST.D4C_FRAME_STATS, 0);
    b.writeUInt32LE(n, 4);
    const set = (i: number, v: number) => b.writeBigUInt64LE(BigInt(v), 8 + i * 8);
    set(CONST.D4C_C_RB_FAIL + CONST.D4C_EV_FILE, 5);
    set(CONST.D4C_C_EMITTED + CONST.D4C_EV_EXEC, 11);
    set(CONST.D4C_C_TRUNC_PATH, 2);
    set(CONST.D4C_C_MISSING_ENTER, 3);
    set(CONST.D4C_NCOUNTERS + 1, 1_000_000);
    const k = decodeStats(b, 0, b.length);
    expect(k.ringFull.file).toBe(5);
    expect(k.emitted.exec).toBe(11);
    expect(k.truncatedPaths).toBe(2);
    expect(k.missingEnterState).toBe(3);
    expect(k.loaderBytes).toBe(1_000_000);
    expect(() => decodeStats(b, 0, 16)).toThrow(DecodeError);
  });
});

describe('D4C operations', () => {
  it('calls a file executable when any x bit is set on a regular (or untyped) file', () => {
    expect(isExecutableMode(0o100755)).toBe(true);
    expect(isExecutableMode(0o100010)).toBe(true);
    expect(isExecutableMode(0o100644)).toBe(false);
    expect(isExecutableMode(0o040755)).toBe(false); // a directory
    expect(isExecutableMode(0o120777)).toBe(false); // a symlink
    expect(isExecutableMode(0o755)).toBe(true); // chmod by path: type unknown
  });
});

// Keep the layout import honest: HDR is what every record starts with.
it('starts every record with the header', () => {
  expect(off(EXEC, 'h')).toBe(0);
  expect(layoutOf(EXEC).size).toBeGreaterThan(layoutOf(HDR).size);
});
