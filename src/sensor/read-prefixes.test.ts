import { describe, expect, it } from 'vitest';
import { D4cError } from '../util/index.js';
import { checkReadPrefixes, readPrefixComponents } from './read-prefixes.js';

describe('read prefixes', () => {
  it('splits into components, dropping empty and `.` ones', () => {
    expect(readPrefixComponents('/var//run/./secrets/')).toEqual(['var', 'run', 'secrets']);
    expect(checkReadPrefixes(['/etc/shadow', '//run/secrets/'])).toEqual(['/etc/shadow', '/run/secrets']);
  });

  it('refuses what the kernel filter cannot hold, with D4C-SEN-020', () => {
    const bad = ['rel', '/a/../b', '/', '/./', `/${'x'.repeat(64)}`, '/1/2/3/4/5/6/7/8/9', '/a\nb'];
    for (const p of bad) {
      try {
        readPrefixComponents(p);
        expect.unreachable(p);
      } catch (e) {
        expect(e).toBeInstanceOf(D4cError);
        expect((e as D4cError).code).toBe('D4C-SEN-020');
      }
    }
    expect(readPrefixComponents(`/${'é'.repeat(31)}`)).toHaveLength(1); // 62 bytes
    expect(() => readPrefixComponents(`/${'é'.repeat(32)}`)).toThrow(/64 bytes/); // 64 bytes
    expect(() => checkReadPrefixes(Array.from({ length: 17 }, (_, i) => `/p${i}`))).toThrow(/at most 16/);
  });
});
