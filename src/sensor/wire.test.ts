// The other side of the wire table: every operation, record type and counter #define of
// bpf/events.h has its name in wire.ts (layout.test.ts checks the values), no counter slot is
// named twice, a stats frame lands in the fields the table names, and docs/sensor.md lists them.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeStats } from './decode.js';
import { CONST } from './events-def.js';
import {
  emptyKernelCounters,
  FILE_OPS,
  KERNEL_COUNTER_NAMES,
  KERNEL_COUNTERS,
  KERNEL_DROP_LABELS,
  LOADER_COUNTERS,
  NET_OPS,
  RECORD_KINDS,
  RECORD_TYPES,
} from './wire.js';

const header = readFileSync(new URL('../../bpf/events.h', import.meta.url), 'utf8');
const defines = [...header.matchAll(/^#define (D4C_\w+) (\S+)/gm)].map((m) => [m[1]!, Number(m[2])] as const);
const named = (prefix: string, except: string[] = []) =>
  defines.filter(([n]) => n.startsWith(prefix) && !except.includes(n));

describe('wire table', () => {
  it('names every file and network operation of bpf/events.h by its constant', () => {
    for (const [n, v] of named('D4C_FOP_')) expect(FILE_OPS[v], n).toBe(n.slice(8).toLowerCase());
    for (const [n, v] of named('D4C_NOP_')) expect(NET_OPS[v], n).toBe(n.slice(8).toLowerCase());
    expect(FILE_OPS.filter(Boolean)).toHaveLength(named('D4C_FOP_').length);
    expect(NET_OPS.filter(Boolean)).toHaveLength(named('D4C_NOP_').length);
    expect(FILE_OPS[0]).toBeUndefined();
  });

  it('has a kind for every record type, each in its own counter slot', () => {
    const types = named('D4C_EV_', ['D4C_EV_MAX']).map(([n]) => n);
    expect(new Set(Object.values(RECORD_TYPES))).toEqual(new Set(types));
    const slots = RECORD_KINDS.map((k) => CONST[RECORD_TYPES[k]] & 7);
    expect(new Set(slots).size).toBe(RECORD_KINDS.length);
  });

  it('names every kernel counter once, inside D4C_NCOUNTERS', () => {
    const ranges = ['D4C_C_RB_FAIL', 'D4C_C_EMITTED'];
    const cNames = Object.values(KERNEL_COUNTERS).map((s) => s.c as string);
    expect(new Set(cNames)).toEqual(new Set(named('D4C_C_', ranges).map(([n]) => n)));
    const slots: number[] = cNames.map((c) => CONST[c as keyof typeof CONST]);
    for (const r of ranges) for (let i = 0; i < 8; i++) slots.push(CONST[r as keyof typeof CONST] + i);
    expect(new Set(slots).size).toBe(slots.length);
    expect(Math.max(...slots)).toBeLessThan(CONST.D4C_NCOUNTERS);
    expect(new Set(Object.values(KERNEL_DROP_LABELS)).size).toBe(Object.keys(KERNEL_DROP_LABELS).length);
  });

  it('decodes each counter of a stats frame into the field the table names', () => {
    const n = CONST.D4C_NCOUNTERS + LOADER_COUNTERS.length;
    const b = Buffer.alloc(8 + n * 8);
    b.writeUInt16LE(CONST.D4C_FRAME_STATS, 0);
    b.writeUInt32LE(n, 4);
    for (let i = 0; i < n; i++) b.writeBigUInt64LE(BigInt(1000 + i), 8 + i * 8);
    const k = decodeStats(b, 0, b.length);
    for (const name of KERNEL_COUNTER_NAMES)
      expect(k[name], name).toBe(1000 + CONST[KERNEL_COUNTERS[name].c]);
    expect(k.ringFull.tty).toBe(1000 + CONST.D4C_C_RB_FAIL);
    expect(k.emitted.network).toBe(1000 + CONST.D4C_C_EMITTED + CONST.D4C_EV_NET);
    expect(k.loaderBytes).toBe(1000 + CONST.D4C_NCOUNTERS + 1);
    expect(Object.keys(k)).toEqual(Object.keys(emptyKernelCounters()));
  });

  it('docs/sensor.md lists every counter', () => {
    const doc = readFileSync(new URL('../../docs/sensor.md', import.meta.url), 'utf8');
    for (const name of KERNEL_COUNTER_NAMES)
      expect(doc, name).toMatch(new RegExp(`^\\| \`${name}\` +\\|`, 'm'));
  });
});
