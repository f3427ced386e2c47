// The error-code registries are the one list of codes: docs/errors.md is generated from them,
// no code is listed twice, and every code string a module writes (src/, scripts/) is registered.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LAYERS, renderErrorsDoc } from '../scripts/gen-errors-doc.js';

const root = new URL('..', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return f === 'node_modules' ? [] : sources(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

const registered = new Set(LAYERS.flatMap((l) => l.codes.map((c) => c.code)));
const layers = new Set([...registered].map((c) => c.replace(/-\d+$/, '')));

describe('error codes', () => {
  it('docs/errors.md is up to date (npx tsx scripts/gen-errors-doc.ts)', () => {
    expect(readFileSync(join(root, 'docs/errors.md'), 'utf8')).toBe(renderErrorsDoc());
  });

  it('lists each code once, in the shape D4C-LAYER-NNN, ascending per layer', () => {
    const codes = LAYERS.flatMap((l) => l.codes.map((c) => c.code));
    expect(codes.length).toBe(registered.size);
    for (const c of codes) expect(c).toMatch(/^D4C-[A-Z]+-\d{3}$/);
    for (const l of LAYERS) {
      const nums = l.codes.map((c) => c.code);
      expect(nums, l.title).toEqual([...nums].sort());
      for (const c of l.codes) expect(c.message.length, c.code).toBeGreaterThan(0);
    }
  });

  it('registers every code the sources write, for every layer that has a registry', () => {
    const missing: string[] = [];
    for (const file of [...sources(join(root, 'src')), ...sources(join(root, 'scripts'))]) {
      for (const m of readFileSync(file, 'utf8').matchAll(/D4C-([A-Z]+)-(\d{3})/g)) {
        if (layers.has(`D4C-${m[1]}`) && !registered.has(m[0]))
          missing.push(`${m[0]} (${file.slice(root.length)})`);
      }
    }
    expect(missing).toEqual([]);
  });
});
