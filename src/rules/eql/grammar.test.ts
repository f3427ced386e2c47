import { describe, expect, it } from 'vitest';
import { parseEql, parseEqlExpression, QueryError } from './index.js';

function err(src: string): { code: string; line: number; col: number; message: string } {
  try {
    parseEql(src);
  } catch (e) {
    if (!(e instanceof QueryError)) throw e;
    const d = e.toD4cError('q.eql', src);
    return { code: d.code, line: d.pos!.line, col: d.pos!.col, message: d.message };
  }
  throw new Error(`parsed without error: ${src}`);
}

const shape = (src: string): string =>
  JSON.stringify(parseEqlExpression(src), (k, v) => (k === 'at' ? undefined : v));

describe('EQL grammar', () => {
  it('parses event queries with any category', () => {
    for (const src of [
      'process where true',
      'file where file.path == "/etc/passwd"',
      'any where event.id != null',
      'network where destination.port >= 1024',
      '"registry" where true',
    ]) {
      expect(() => parseEql(src), src).not.toThrow();
    }
    const q = parseEql('any where true');
    expect(q.kind === 'event' && q.filter.category).toBe(null);
  });

  it('gives and precedence over or, and not over and', () => {
    const e = parseEqlExpression('a == 1 or b == 2 and not c == 3');
    expect(e.k).toBe('or');
    if (e.k !== 'or') return;
    expect(e.items[1]!.k).toBe('and');
    const and = e.items[1]!;
    if (and.k !== 'and') return;
    expect(and.items[1]!.k).toBe('not');
    expect(shape('not a in (1, 2)')).toBe(shape('not (a in (1, 2))'));
    expect(shape('a not in (1, 2)')).toBe(shape('not a in (1, 2)'));
    expect(shape('x + 2 * 3 == 8')).toBe(shape('(x + (2 * 3)) == 8'));
  });

  it('reads strings, raw strings, escapes, comments, backtick and optional fields', () => {
    const e = parseEqlExpression(
      '/* c1 */ `a.b/c-d` == """raw\\n"str""" and // c2\n ?x.y : "q\\"uo\\\\te\\t\\u{41}" and z like~ ("a*", "b?")',
    );
    expect(JSON.stringify(e)).toContain('"path":"a.b/c-d"');
    expect(JSON.stringify(e)).toContain('"v":"raw\\\\n\\"str"');
    expect(JSON.stringify(e)).toContain('"optional":true');
    expect(JSON.stringify(e)).toContain('q\\"uo\\\\te\\tA');
  });

  it('reads numbers, booleans, null and function calls with ~ variants', () => {
    expect(shape('x == -1.5e2')).toContain('-150');
    expect(shape('startsWith~(process.name, "BA") and length(x) > 2 and b == true and c != null')).toContain(
      '"ci":true',
    );
  });

  it('parses sequences with by, maxspan, per-stage keys, runs, missing stages and until', () => {
    const q = parseEql(
      'sequence by host.id with maxspan=5m [process where true] by process.pid [file where true] by process.pid with runs=3 ![network where true] by process.pid [any where true] by process.pid until [process where event.type == "end"] by process.pid',
    );
    expect(q.kind).toBe('sequence');
    if (q.kind !== 'sequence') return;
    expect(q.maxspanMs).toBe(300_000);
    expect(q.by).toHaveLength(1);
    expect(q.stages.map((s) => [s.runs, s.missing])).toEqual([
      [1, false],
      [3, false],
      [1, true],
      [1, false],
    ]);
    expect(q.until).not.toBeNull();
    const q2 = parseEql('sequence with maxspan=500ms by a [any where true] [any where true]');
    expect(q2.kind === 'sequence' && q2.maxspanMs).toBe(500);
  });

  it('parses samples', () => {
    expect(parseEql('sample by host.id [any where true] [any where true]').kind).toBe('sample');
  });

  const bad: [string, string, number, number][] = [
    ['process where name == "x', 'D4C-EQL-002', 1, 23],
    ["process where\n  name == 'x'", 'D4C-EQL-009', 2, 11],
    ['process where name == "a\\qb"', 'D4C-EQL-003', 1, 25],
    ['process where name ==', 'D4C-EQL-004', 1, 22],
    ['process where\n\n   name === "x"', 'D4C-EQL-004', 3, 11],
    ['process where foo(name)', 'D4C-EQL-005', 1, 15],
    ['process where length(a, b)', 'D4C-EQL-006', 1, 15],
    ['process where length~(a)', 'D4C-EQL-005', 1, 15],
    ['process where name regex "a(b"', 'D4C-EQL-007', 1, 26],
    ['process where name regex "a&b"', 'D4C-EQL-007', 1, 26],
    ['sequence with maxspan=5x [any where true] [any where true]', 'D4C-EQL-008', 1, 24],
    ['process where /* open', 'D4C-EQL-010', 1, 15],
    ['process where name like 1', 'D4C-EQL-011', 1, 25],
    ['sequence [any where true]', 'D4C-EQL-012', 1, 1],
    ['sequence by a [any where true] by b [any where true]', 'D4C-EQL-012', 1, 37],
    ['sequence [any where true] ![any where true] [any where true]', 'D4C-EQL-012', 1, 27],
    ['process where true | head 5', 'D4C-EQL-013', 1, 20],
    ['process where a == # ', 'D4C-EQL-001', 1, 20],
    ['sequence [any where true] with runs=0 [any where true]', 'D4C-EQL-015', 1, 37],
    ['where x', 'D4C-EQL-004', 1, 1],
    ['process where (a == 1', 'D4C-EQL-004', 1, 22],
    ['process where a. == 1', 'D4C-EQL-004', 1, 15],
  ];
  for (const [src, code, line, col] of bad) {
    it(`rejects ${JSON.stringify(src)} with ${code} at ${line}:${col}`, () => {
      const e = err(src);
      expect([e.code, e.line, e.col], e.message).toEqual([code, line, col]);
    });
  }

  it('never throws anything but QueryError on odd input', () => {
    for (const src of [
      '',
      ' ',
      '"',
      '"""',
      '`',
      '((((',
      ')',
      'sequence',
      'sequence by',
      '?',
      'a where b where',
      '\u0000',
      '[',
      'process where a in ()',
    ]) {
      expect(() => parseEql(src)).toThrow(QueryError);
    }
  });
});
