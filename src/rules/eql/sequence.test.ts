// Sequence semantics of the streaming matcher: keys, maxspan, until, runs, missing stages, bounds.
import { describe, expect, it } from 'vitest';
import { compileEql, type Mode, SequenceMatcher } from './index.js';

interface Ev {
  id: string;
  t: number;
  cat?: string;
  [k: string]: unknown;
}

function ev(id: string, t: number, fields: Record<string, unknown> = {}, cat = 'process'): Ev {
  return { id, t, cat, ...fields };
}

function run(query: string, events: Ev[], mode: Mode = 'compiled', maxKeys?: number) {
  const m = compileEql(query, mode);
  if (m.kind !== 'sequence') throw new Error('not a sequence');
  const seq = new SequenceMatcher(m.plan, maxKeys === undefined ? {} : { maxKeys });
  const out: unknown[][] = [];
  for (const e of events) {
    const { id, t, cat, ...rest } = e;
    const doc = { '@timestamp': t, event: { id, category: cat }, ...rest };
    out.push(...seq.push(doc, t, id));
  }
  out.push(...seq.flush());
  return { out, stats: seq.snapshot() };
}

function both(query: string, events: Ev[]): unknown[][] {
  const a = run(query, events, 'compiled').out;
  const b = run(query, events, 'interpreted').out;
  expect(a).toEqual(b);
  return a;
}

describe('EQL sequences', () => {
  it('matches stages in order, joined by shared keys', () => {
    const q = 'sequence by host [process where name == "a"] [process where name == "b"]';
    expect(
      both(q, [
        ev('1', 0, { host: 'h1', name: 'a' }),
        ev('2', 1, { host: 'h2', name: 'b' }),
        ev('3', 2, { host: 'h1', name: 'b' }),
      ]),
    ).toEqual([['1', '3']]);
    expect(both(q, [ev('1', 0, { host: 'h1', name: 'b' }), ev('2', 1, { host: 'h1', name: 'a' })])).toEqual(
      [],
    );
  });

  it('joins per-stage keys positionally', () => {
    const q = 'sequence [file where true] by file.name [process where true] by process.name';
    expect(
      both(q, [
        ev('1', 0, { file: { name: 'x' } }, 'file'),
        ev('2', 1, { process: { name: 'y' } }),
        ev('3', 2, { process: { name: 'x' } }),
      ]),
    ).toEqual([['1', '3']]);
  });

  it('skips events whose join key is missing, unless the key is optional', () => {
    const evs = [ev('1', 0, { name: 'a' }), ev('2', 1, { name: 'b' })];
    expect(both('sequence by k [any where name == "a"] [any where name == "b"]', evs)).toEqual([]);
    expect(both('sequence by ?k [any where name == "a"] [any where name == "b"]', evs)).toEqual([['1', '2']]);
  });

  it('keeps the most recent start per key', () => {
    const q = 'sequence by k [any where name == "a"] [any where name == "b"]';
    expect(
      both(q, [
        ev('1', 0, { k: 1, name: 'a' }),
        ev('2', 1, { k: 1, name: 'a' }),
        ev('3', 2, { k: 1, name: 'b' }),
        ev('4', 3, { k: 1, name: 'b' }),
      ]),
    ).toEqual([['2', '3']]);
  });

  it('enforces maxspan between the first and last event (inclusive)', () => {
    const q = 'sequence by k with maxspan=2s [any where name == "a"] [any where name == "b"]';
    expect(both(q, [ev('1', 0, { k: 1, name: 'a' }), ev('2', 2000, { k: 1, name: 'b' })])).toEqual([
      ['1', '2'],
    ]);
    expect(both(q, [ev('1', 0, { k: 1, name: 'a' }), ev('2', 2001, { k: 1, name: 'b' })])).toEqual([]);
  });

  it('drops partial sequences of a key on until', () => {
    const q =
      'sequence by k [any where name == "a"] [any where name == "b"] until [any where name == "stop"]';
    expect(
      both(q, [
        ev('1', 0, { k: 1, name: 'a' }),
        ev('2', 1, { k: 1, name: 'stop' }),
        ev('3', 2, { k: 1, name: 'b' }),
      ]),
    ).toEqual([]);
    expect(
      both(q, [
        ev('1', 0, { k: 1, name: 'a' }),
        ev('2', 1, { k: 2, name: 'stop' }),
        ev('3', 2, { k: 1, name: 'b' }),
      ]),
    ).toEqual([['1', '3']]);
  });

  it('expands runs=N into N consecutive stages', () => {
    const q = 'sequence by k [any where name == "a"] with runs=3 [any where name == "b"]';
    const a = (id: string, t: number) => ev(id, t, { k: 1, name: 'a' });
    expect(both(q, [a('1', 0), a('2', 1), ev('3', 2, { k: 1, name: 'b' })])).toEqual([]);
    expect(both(q, [a('1', 0), a('2', 1), a('3', 2), ev('4', 3, { k: 1, name: 'b' })])).toEqual([
      ['1', '2', '3', '4'],
    ]);
    // An event may close one sequence and open the next, as in EQL's reference tests
    // (`sequence [A] [A]` over 1..4 gives 1-2, 2-3, 3-4).
    expect(
      both('sequence [any where name == "a"] with runs=2', [a('1', 0), a('2', 1), a('3', 2), a('4', 3)]),
    ).toEqual([
      ['1', '2'],
      ['2', '3'],
      ['3', '4'],
    ]);
  });

  it('cancels on a missing-event stage between two stages', () => {
    const q =
      'sequence by k with maxspan=10s [any where name == "a"] ![any where name == "x"] [any where name == "b"]';
    expect(both(q, [ev('1', 0, { k: 1, name: 'a' }), ev('2', 1, { k: 1, name: 'b' })])).toEqual([['1', '2']]);
    expect(
      both(q, [
        ev('1', 0, { k: 1, name: 'a' }),
        ev('2', 1, { k: 1, name: 'x' }),
        ev('3', 2, { k: 1, name: 'b' }),
      ]),
    ).toEqual([]);
    expect(
      both(q, [
        ev('1', 0, { k: 1, name: 'a' }),
        ev('2', 1, { k: 2, name: 'x' }),
        ev('3', 2, { k: 1, name: 'b' }),
      ]),
    ).toEqual([['1', '3']]);
  });

  it('holds a match with a trailing missing stage until maxspan has passed', () => {
    const q =
      'sequence by k with maxspan=5s [any where name == "a"] [any where name == "b"] ![any where name == "x"]';
    const m = compileEql(q);
    if (m.kind !== 'sequence') throw new Error();
    const s = new SequenceMatcher(m.plan);
    const push = (id: string, t: number, name: string) => s.push({ event: { id }, k: 1, name }, t, id);
    expect(push('1', 0, 'a')).toEqual([]);
    expect(push('2', 1000, 'b')).toEqual([]);
    expect(push('3', 5001, 'other')).toEqual([['1', '2']]);
    expect(push('4', 6000, 'a')).toEqual([]);
    expect(push('5', 6500, 'b')).toEqual([]);
    expect(push('6', 7000, 'x')).toEqual([]);
    expect(s.flush()).toEqual([]);
    expect(push('7', 8000, 'a')).toEqual([]);
    expect(push('8', 8001, 'b')).toEqual([]);
    expect(s.flush()).toEqual([['7', '8']]);
  });

  it('suppresses a start after a leading missing-event stage within maxspan', () => {
    const q =
      'sequence by k with maxspan=5s ![any where name == "x"] [any where name == "a"] [any where name == "b"]';
    expect(
      both(q, [
        ev('1', 0, { k: 1, name: 'x' }),
        ev('2', 1000, { k: 1, name: 'a' }),
        ev('3', 2000, { k: 1, name: 'b' }),
      ]),
    ).toEqual([]);
    expect(
      both(q, [
        ev('1', 0, { k: 1, name: 'x' }),
        ev('2', 6000, { k: 1, name: 'a' }),
        ev('3', 7000, { k: 1, name: 'b' }),
      ]),
    ).toEqual([['2', '3']]);
  });

  it('bounds state: keys beyond the cap are evicted and counted', () => {
    const q = 'sequence by k [any where name == "a"] [any where name == "b"]';
    const evs: Ev[] = [];
    for (let i = 0; i < 100; i++) evs.push(ev(`a${i}`, i, { k: i, name: 'a' }));
    evs.push(ev('b0', 200, { k: 0, name: 'b' }), ev('b99', 201, { k: 99, name: 'b' }));
    const { out, stats } = run(q, evs, 'compiled', 10);
    expect(out).toEqual([['a99', 'b99']]);
    expect(stats.evictedKeys).toBe(90);
    expect(stats.keys).toBeLessThanOrEqual(10);
  });

  it('expires partials older than maxspan when sweeping', () => {
    const q = 'sequence by k with maxspan=1s [any where name == "a"] [any where name == "b"]';
    const evs: Ev[] = [];
    for (let i = 0; i < 5000; i++) evs.push(ev(`${i}`, i * 10, { k: i, name: 'a' }));
    const { stats } = run(q, evs);
    expect(stats.expired).toBeGreaterThan(3000);
    expect(stats.keys).toBeLessThan(1200);
  });
});
