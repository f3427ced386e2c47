// Test helper: builds kernel records byte by byte from the shared layout (events-def.ts).
import { CONST, layoutOf, off, type StructDef } from './events-def.js';

// The layouts a test builds records of (a test outside src/sensor reaches them only here).
export { CONST, EXEC, EXIT, FILE, FORK, NET, off, type StructDef, TTY } from './events-def.js';

/** Builds a record: fixed part of `def`, then variable data appended by `str`/`comps`. */
export class Rec {
  buf = Buffer.alloc(8192);
  end: number;
  constructor(
    readonly def: StructDef,
    type: number,
  ) {
    this.end = layoutOf(def).size;
    this.u16('h.type', type);
    this.u32('h.tgid', 4242);
    this.u32('h.vpid', 7);
    this.u32('h.uid', 1000);
    this.buf.write('bash', off(def, 'h.comm'), 'latin1');
    this.buf.writeBigUInt64LE(0xffffffffffn, off(def, 'h.cap_effective'));
    this.buf.writeBigUInt64LE(123_456_789_000n, off(def, 'h.start_time'));
    this.vstr('h.cgroup', ['libpod-abc', 'libpod_parent']);
  }
  u16(f: string, v: number) {
    this.buf.writeUInt16LE(v, off(this.def, f));
  }
  u32(f: string, v: number) {
    this.buf.writeUInt32LE(v, off(this.def, f));
  }
  /** Strings NUL-terminated one after the other; vstr.len counts them all without the last NUL. */
  vstr(f: string, parts: (string | Buffer)[], joinLen = true) {
    const start = this.end;
    for (const p of parts) {
      const b = typeof p === 'string' ? Buffer.from(p) : p;
      b.copy(this.buf, this.end);
      this.end += b.length;
      this.buf[this.end++] = 0;
    }
    this.u16(`${f}.off`, start);
    this.u16(`${f}.len`, joinLen ? this.end - start : Math.max(0, this.end - start - 1));
  }
  path(f: string, dir: string[] | undefined, name: string, flags = 0) {
    if (dir) this.vstr(`${f}.dir`, dir);
    this.vstr(`${f}.name`, name ? [name] : [], false);
    this.u32(`${f}.flags`, flags | (dir ? CONST.D4C_PF_HAS_DIR : 0));
  }
  done(): Buffer {
    this.u16('h.size', this.end);
    return this.buf.subarray(0, this.end);
  }
}
