// Wildcard matching runs on fields a container controls: both matchers must agree with a plain
// regex oracle on small inputs, and stay linear on inputs that make a backtracking matcher explode.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runs } from '../../util/runs.fixture.js';
import { compileWildcardLowered, compileWildcardSet, wildcardMatch } from './wildcard.js';

/** The obvious backtracking translation: trusted on short inputs only. */
function oracle(pattern: string, value: string): boolean {
  let re = '';
  const cps = Array.from(pattern);
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i]!;
    if (c === '\\' && i + 1 < cps.length) re += cps[++i]!.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
    else if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else re += c.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'su').test(value);
}

const alphabet = fc.constantFrom('a', 'b', '*', '?', '\\', '😀', 'é');
const pattern = fc.array(alphabet, { maxLength: 10 }).map((a) => a.join(''));
const value = fc
  .array(fc.constantFrom('a', 'b', '*', '?', '\\', '😀', 'é'), { maxLength: 14 })
  .map((a) => a.join(''));

describe('wildcard matchers', () => {
  it('agree with the regex oracle (reference and compiled, case-sensitive)', () => {
    fc.assert(
      fc.property(pattern, value, (p, v) => {
        const want = oracle(p, v);
        expect(wildcardMatch(p, v, false)).toBe(want);
        expect(compileWildcardLowered(p, false)(v)).toBe(want);
        expect(compileWildcardSet([p], false)(v)).toBe(want);
      }),
      { seed: 20261207, numRuns: runs(3000) },
    );
  });

  it('agree case-insensitively', () => {
    fc.assert(
      fc.property(pattern, value, fc.boolean(), (p, v, up) => {
        const pp = up ? p.toUpperCase() : p;
        const want = oracle(p.toLowerCase(), v.toLowerCase());
        expect(wildcardMatch(pp, v, true)).toBe(want);
        expect(compileWildcardLowered(pp, true)(v.toLowerCase())).toBe(want);
        expect(compileWildcardSet([pp, 'zzz'], true)(v.toUpperCase())).toBe(want);
      }),
      { seed: 7, numRuns: runs(1500) },
    );
  });

  it('counts `?` in code points, as Lucene does', () => {
    expect(compileWildcardLowered('a?b', false)('a😀b')).toBe(true);
    expect(wildcardMatch('a?b', 'a😀b', false)).toBe(true);
    expect(compileWildcardLowered('*?😀', false)('x😀')).toBe(true);
  });

  // A backtracking matcher takes exponential time here (each `*` retried at every position); this
  // completes only because neither matcher backtracks (the test's own timeout is the failure).
  it('stays linear on attacker-shaped values', () => {
    const evil = 'curl |||'.repeat(510);
    const patterns = ['*curl *|*sh*', '*a*a*a*a*a*a*a*b', '*|*|*|*|*|*|*|*x', '*c*u*r*l* *|*|*|*|*s*h*'];
    for (const p of patterns) {
      const m = compileWildcardLowered(p, false);
      for (let i = 0; i < 20; i++) {
        expect(m(evil)).toBe(false);
        expect(wildcardMatch(p, evil, false)).toBe(false);
      }
    }
    expect(compileWildcardLowered('*a*a*a*a*a*a*a*b', false)(`${'a'.repeat(4000)}b`)).toBe(true);
  });
});
