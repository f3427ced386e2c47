// docs/policy.md's generated tables must match the code (run scripts/gen-policy-docs.ts to fix).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CODES } from './codes.js';
import { normaliseTables, updateGenerated } from './docs.js';
import { parsePolicy } from './load.js';

const doc = readFileSync(new URL('../../docs/policy.md', import.meta.url), 'utf8');

describe('docs/policy.md', () => {
  it('has up-to-date generated tables (npx tsx scripts/gen-policy-docs.ts)', () => {
    expect(normaliseTables(updateGenerated(doc))).toBe(normaliseTables(doc));
  });
  it('every yaml example validates without errors', () => {
    const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    for (const b of blocks) {
      const errors = parsePolicy(b, 'docs/policy.md').diagnostics.filter((d) => d.severity === 'error');
      expect(errors).toEqual([]);
    }
  });

  it('codes are unique and sequential', () => {
    const codes = Object.values(CODES).map((c) => c.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes).toEqual(codes.map((_, i) => `D4C-POL-${String(i + 1).padStart(3, '0')}`));
  });
});
