// Every Elastic D4C rule in the reference folder loads, parses and compiles (both engines), and
// fires on the events we wrote for it, and stays quiet on the near-misses.
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RuleEngine } from '../engine.js';
import { type LoadedRule, loadRules } from '../load.js';
import { CASES } from './elastic-cases.fixture.js';
import { type Doc, describeElastic, ELASTIC_RULES_DIR, HAVE_ELASTIC_RULES, id } from './helpers.fixture.js';

const loaded = HAVE_ELASTIC_RULES ? loadRules([ELASTIC_RULES_DIR]) : { rules: [], diagnostics: [] };
const byFile = new Map<string, LoadedRule>(loaded.rules.map((r) => [basename(r.meta.file, '.toml'), r]));

function run(rule: LoadedRule, docs: Doc[], mode: 'compiled' | 'interpreted') {
  const e = new RuleEngine([rule], { mode });
  const out = docs.flatMap((d) => e.push(d));
  return [...out, ...e.flush()];
}

describeElastic("Elastic's D4C rules", () => {
  it('all 67 load with no diagnostics and stream', () => {
    expect(loaded.diagnostics).toEqual([]);
    expect(loaded.rules).toHaveLength(67);
    expect(loaded.rules.filter((r) => r.status !== 'ok')).toEqual([]);
    expect(loaded.rules.filter((r) => r.meta.language === 'eql')).toHaveLength(66);
    for (const mode of ['compiled', 'interpreted'] as const) {
      const e = new RuleEngine(loaded.rules, { mode });
      expect(e.stats().skipped).toEqual([]);
      expect(e.ruleCount).toBe(67);
    }
  });

  it('loads metadata and threat mappings', () => {
    const r = byFile.get('execution_interactive_exec_to_container')!.meta;
    expect(r.id).toBe('420e5bb4-93bf-40a3-8f4a-4cc1af90eca1');
    expect(r.severity).toBe('low');
    expect(r.riskScore).toBe(21);
    expect(r.language).toBe('eql');
    expect(r.index).toContain('logs-cloud_defend.process*');
    expect(r.falsePositives.length).toBeGreaterThan(0);
    const t = r.threat[0]!;
    expect(t.framework).toBe('MITRE ATT&CK');
    expect(t.tactic?.id).toBe('TA0002');
    expect(t.techniques.map((x) => x.id)).toEqual(['T1059', 'T1609']);
    expect(t.techniques[0]!.subtechniques[0]!.id).toBe('T1059.004');
    expect(r.queryPos.line).toBeGreaterThan(1);
  });

  it('has cases for a large share of the rules', () => {
    for (const k of Object.keys(CASES)) expect(byFile.has(k), k).toBe(true);
    expect(Object.keys(CASES).length).toBeGreaterThanOrEqual(60);
  });

  for (const [file, c] of Object.entries(CASES)) {
    describe(file, () => {
      c.fire.forEach((make, i) => {
        it(`fires on stream ${i + 1}`, () => {
          const docs = make();
          for (const mode of ['compiled', 'interpreted'] as const) {
            const ds = run(byFile.get(file)!, docs, mode);
            expect(ds.length, mode).toBeGreaterThanOrEqual(1);
            expect(ds.at(-1)!.events.at(-1), mode).toBe(id(docs.at(-1)!));
            expect(ds[0]!.rule.id).toBe(byFile.get(file)!.meta.id);
          }
        });
      });
      c.quiet.forEach((make, i) => {
        it(`stays quiet on stream ${i + 1}`, () => {
          const docs = make();
          for (const mode of ['compiled', 'interpreted'] as const) {
            expect(run(byFile.get(file)!, docs, mode), mode).toEqual([]);
          }
        });
      });
    });
  }
});
