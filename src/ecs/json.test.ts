import { describe, expect, it } from 'vitest';
import { goldenCases } from '../../test/ecs/golden.js';
import { serializeDoc } from './json.js';

describe('serializeDoc', () => {
  it('writes exactly what JSON.stringify writes', () => {
    for (const [name, doc] of Object.entries(goldenCases())) {
      expect(serializeDoc(doc), name).toBe(JSON.stringify(doc));
      // Second time from the fragment cache.
      expect(serializeDoc(doc), name).toBe(JSON.stringify(doc));
    }
  });

  it('handles odd values as JSON.stringify does', () => {
    const frozen = Object.freeze({ a: 1 });
    const odd = { u: undefined, n: null, f: () => 1, s: 'x"y', z: frozen, b: 10 };
    expect(serializeDoc(odd)).toBe(JSON.stringify(odd));
    expect(serializeDoc({})).toBe('{}');
  });
});
