import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderRulePackDoc } from '../../scripts/gen-rule-pack-doc.js';
import { type Doc, id, patch, tick } from '../../src/rules/test/helpers.fixture.js';
import { runCli as d4c } from '../cli.js';
import { CASES } from './cases.js';

const root = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'd4c-rulepack-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('d4c rules with the pack', () => {
  it('rules test (default pack) reports every rule on its first positive case', () => {
    // Each case runs in its own container, 10 minutes apart, so sequences cannot join across cases.
    const events: Doc[] = [];
    const expected = new Map<string, unknown[]>();
    let n = 0;
    for (const [ruleId, c] of Object.entries(CASES)) {
      const cid = (++n).toString(16).padStart(64, '0');
      tick(10 * 60_000);
      const docs = (Array.isArray(c.fire[0]) ? c.fire[0] : [c.fire[0]]) as Doc[];
      const shifted = docs.map((d) => patch(d, { container: { id: cid }, '@timestamp': tick(1000) }));
      events.push(...shifted);
      expected.set(ruleId, shifted.map(id));
    }
    const file = join(dir, 'events.ndjson');
    writeFileSync(file, events.map((e) => JSON.stringify(e)).join('\n'));
    const r = d4c(['rules', 'test', '--events', file]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const got = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { rule: { id: string; name: string }; events: string[] });
    for (const [ruleId, ids] of expected) {
      const hits = got.filter((g) => g.rule.id === ruleId);
      // Other rules may fire on this case too; this rule must fire on exactly its case's events.
      expect(
        hits.some((h) => h.events.every((e) => ids.includes(e))),
        CASES[ruleId]?.name,
      ).toBe(true);
    }
  });

  it('rules export --out writes one object per rule; --export-details adds the summary line', () => {
    const out = join(dir, 'pack.ndjson');
    const r = d4c(['rules', 'export', '--out', out, '--export-details']);
    expect(r.code).toBe(0);
    const lines = readFileSync(out, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    const n = Object.keys(CASES).length;
    expect(lines.length).toBe(n + 1);
    expect(lines.at(-1).exported_count).toBe(n);
    expect(new Set(lines.slice(0, -1).map((l) => l.rule_id))).toEqual(new Set(Object.keys(CASES)));
    expect(r.err).toBe(`exported ${n} rules to ${out}\n`);
  });

  it('rules export reports a bad rule file at its position and exits 1', () => {
    const bad = join(dir, 'bad.toml');
    writeFileSync(bad, '[rule]\nname = "x"\n');
    const r = d4c(['rules', 'export', '--rules', bad]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/bad\.toml:1:1: error: rule\.\w+ is missing/);
    expect(r.out).toBe('');
  });

  it('docs/rule-pack.md is up to date (npx tsx scripts/gen-rule-pack-doc.ts)', () => {
    expect(readFileSync(join(root, 'docs/rule-pack.md'), 'utf8')).toBe(renderRulePackDoc());
  });
});
