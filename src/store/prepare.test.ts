// The stored JSON: lone surrogates replaced, and nothing else touched.
import { describe, expect, it } from 'vitest';
import { cleanSurrogates, stringify } from './prepare.js';

const LIMITS = { maxDocChars: 1 << 20, maxStringChars: 1 << 16 };

function stored(value: string): { value: unknown; fixed: string[] } {
  const fixed: string[] = [];
  const json = stringify({ v: value }, LIMITS, fixed) as string;
  return { value: (JSON.parse(json) as { v: unknown }).v, fixed };
}

describe('stored JSON and lone surrogates', () => {
  it('replaces a lone high or low surrogate with U+FFFD and counts it once', () => {
    expect(stored('a\ud800b\udc00')).toEqual({ value: 'a\ufffdb\ufffd', fixed: ['invalid_utf16'] });
  });

  it('keeps a surrogate pair', () => {
    expect(stored('🙂 \ud83d\ude42')).toEqual({ value: '🙂 🙂', fixed: [] });
  });

  it('leaves text that only reads like an escape (an escaped backslash before "ud800")', () => {
    expect(stored('\\ud800 and \\udfff')).toEqual({ value: '\\ud800 and \\udfff', fixed: [] });
    expect(stored('\\\\ud800')).toEqual({ value: '\\\\ud800', fixed: [] });
  });

  it('replaces a lone surrogate that follows a backslash', () => {
    expect(stored('\\\ud800')).toEqual({ value: '\\\ufffd', fixed: ['invalid_utf16'] });
    expect(stored('\\\\\udbff!')).toEqual({ value: '\\\\\ufffd!', fixed: ['invalid_utf16'] });
  });

  it('returns the same string when there is nothing to replace', () => {
    const json = JSON.stringify({ a: 'plain', b: ['\\u0041'] });
    expect(cleanSurrogates(json)).toBe(json);
  });
});
