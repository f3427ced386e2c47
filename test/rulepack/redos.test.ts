// A container controls its argv (up to 4 KiB) and its paths. Rule patterns like `*curl *|*sh*`
// compiled to backtracking regexes took seconds per event on a crafted argv, and the agent's
// decisions waited behind them. These inputs finish at once only because matching is linear
// (common/wildcard.ts, RE2JS for regexes); on a backtracking matcher the test's timeout fails it.
import { describe, expect, it } from 'vitest';
import { compileLuceneRegex } from '../../src/rules/common/lucene-regex.js';
import { RuleEngine } from '../../src/rules/engine.js';
import { loadRules } from '../../src/rules/load.js';
import { DEFAULT_RULE_PACK_DIR } from '../../src/rules/pack.js';
import { describeElastic, ELASTIC_RULES_DIR, exec, fileEv } from '../../src/rules/test/helpers.fixture.js';

const PAYLOAD = 'curl |||'.repeat(510); // 4,080 bytes
const attack = () => [
  ...Array.from({ length: 5 }, () => exec({ args: ['sh', '-c', PAYLOAD], interactive: true })),
  exec({ args: ['busybox', PAYLOAD, PAYLOAD.slice(0, 1000)] }),
  fileEv('creation', `/tmp/${'a/'.repeat(200)}${PAYLOAD.slice(0, 200)}`, { args: ['sh', '-c', PAYLOAD] }),
];

function runAll(dirs: string[], mode: 'compiled' | 'interpreted'): number {
  const loaded = loadRules(dirs);
  expect(loaded.diagnostics).toEqual([]);
  const engine = new RuleEngine(loaded.rules, { mode });
  let n = 0;
  for (const d of attack()) n += engine.push(d).length;
  return n + engine.flush().length;
}

describe('crafted argv and paths against the rules', () => {
  it('the d4c pack, compiled and interpreted', () => {
    const compiled = runAll([DEFAULT_RULE_PACK_DIR], 'compiled');
    expect(runAll([DEFAULT_RULE_PACK_DIR], 'interpreted')).toBe(compiled);
  }, 20_000);

  it('a Lucene regex with nested repetition stays linear', () => {
    const re = compileLuceneRegex('(.*a){8}.*b', false);
    expect(re.test('a'.repeat(4000))).toBe(false);
    expect(re.test(`${'a'.repeat(4000)}b`)).toBe(true);
    expect(compileLuceneRegex('(a|aa)*c', true).test('A'.repeat(4000))).toBe(false);
  });
});

describeElastic("crafted argv against Elastic's rules", () => {
  it('completes, compiled and interpreted alike', () => {
    const dirs = [`${ELASTIC_RULES_DIR}/cloud_defend`];
    expect(runAll(dirs, 'interpreted')).toBe(runAll(dirs, 'compiled'));
  }, 20_000);
});
