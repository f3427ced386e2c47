// Every diagnostic code is exercised by some test (by code or by its exact message).
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CODES } from './codes.js';

const here = new URL('.', import.meta.url);
const tests = [
  ...readdirSync(here)
    .filter((f) => f.endsWith('.test.ts') && f !== 'codes.test.ts')
    .map((f) => readFileSync(new URL(f, here), 'utf8')),
  readFileSync(new URL('../cli/policy.test.ts', import.meta.url), 'utf8'),
].join('\n');

describe('diagnostic codes', () => {
  it.each(Object.values(CODES).map((c) => [c.code]))('%s is tested', (code) => {
    expect(tests).toContain(code);
  });
});
