// Counts written in the README and docs/agent.md follow the rule pack, so adding a rule without
// saying so fails here.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { DEFAULT_RULE_PACK_DIR, loadRules } from '../src/rules/index.js';

const read = (p: string) => readFileSync(new URL(`../${p}`, import.meta.url), 'utf8');
const n = loadRules([DEFAULT_RULE_PACK_DIR]).rules.length;

it('the README and docs/agent.md give the pack’s rule count', () => {
  const readme = read('README.md');
  expect(readme.match(/d4c's (\d+) container rules/)?.[1]).toBe(String(n));
  expect(readme.match(/rules and our (\d+),/)?.[1]).toBe(String(n));
  const agent = read('docs/agent.md').replace(/\s+/g, ' ');
  expect(
    agent
      .match(/ready \(policy d4c default \(recommended\), (\d+) rules \((\d+) from d4c's pack\)/)
      ?.slice(1),
  ).toEqual([String(n), String(n)]);
});
