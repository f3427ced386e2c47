// Counts written in the README and the docs follow the rules they count, so adding a rule
// without saying so fails here: d4c's pack always; Elastic's rules when their folder is there.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { loadRules } from '../src/rules/load.js';
import { DEFAULT_RULE_PACK_DIR } from '../src/rules/pack.js';
import { describeElastic, ELASTIC_RULES_DIR } from './reference.js';

// Whitespace folded: a count may sit across a line break.
const read = (p: string) => readFileSync(new URL(`../${p}`, import.meta.url), 'utf8').replace(/\s+/g, ' ');
const count = (text: string, re: RegExp) => text.match(re)?.slice(1);
const n = String(loadRules([DEFAULT_RULE_PACK_DIR]).rules.length);

it('the README and the docs give the pack’s rule count', () => {
  const readme = read('README.md');
  expect(count(readme, /d4c's (\d+) container rules/)).toEqual([n]);
  expect(count(readme, /rules and our (\d+),/)).toEqual([n]);
  expect(count(read('docs/rules.md'), /d4c's own rule pack \((\d+) rules for container threats/)).toEqual([
    n,
  ]);
  expect(
    count(
      read('docs/agent.md'),
      /ready \(policy d4c default \(recommended\), (\d+) rules \((\d+) from d4c's pack\)/,
    ),
  ).toEqual([n, n]);
});

describeElastic("Elastic's rules", () => {
  it('the README and docs/rules.md give their count', () => {
    const rules = loadRules([ELASTIC_RULES_DIR]).rules;
    const all = String(rules.length);
    const eql = String(rules.filter((r) => r.meta.language === 'eql').length);
    const kql = String(rules.filter((r) => r.meta.language === 'kuery').length);
    expect(count(read('README.md'), /with Elastic's (\d+) D4C rules/)).toEqual([all]);
    const doc = read('docs/rules.md');
    expect(count(doc, /all (\d+) of them \((\d+) EQL, (\d+) KQL\)/)).toEqual([all, eql, kql]);
    expect(count(doc, /through all (\d+)/)).toEqual([all]);
    expect(count(doc, /Number of the (\d+) rules that read each field/)).toEqual([all]);
  });
});
