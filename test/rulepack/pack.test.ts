// d4c's own rule pack (rules/): every rule loads, carries complete metadata, and fires on its
// positive cases and stays quiet on its near misses, through the real engine (compiled and
// interpreted), alone and together with every other rule of the pack.
import { describe, expect, it } from 'vitest';
import { RuleEngine } from '../../src/rules/engine.js';
import { type LoadedRule, loadRules } from '../../src/rules/load.js';
import { DEFAULT_RULE_PACK_DIR } from '../../src/rules/pack.js';
import { type Doc, id } from '../../src/rules/test/helpers.fixture.js';
import { BUSYBOX_CASES } from './busybox-cases.js';
import { CASES, type Case } from './cases.js';

const loaded = loadRules([DEFAULT_RULE_PACK_DIR]);
const rules = loaded.rules;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const RISK: Record<string, [number, number]> = {
  low: [0, 21],
  medium: [22, 47],
  high: [48, 73],
  critical: [74, 100],
};

const docs = (c: Case): Doc[] => (Array.isArray(c) ? c : [c]);

/** Detections of `ruleId` over the case (events fed in order, then flushed). */
function run(set: readonly LoadedRule[], c: Case, mode: 'compiled' | 'interpreted', ruleId: string) {
  const engine = new RuleEngine(set, { mode });
  const out = docs(c).flatMap((d) => engine.push(d));
  out.push(...engine.flush());
  return out.filter((d) => d.rule.id === ruleId);
}

describe('rule pack metadata', () => {
  it('loads at least 30 rules without diagnostics, all streaming', () => {
    expect(loaded.diagnostics).toEqual([]);
    expect(rules.length).toBeGreaterThanOrEqual(30);
    for (const r of rules) expect([r.meta.name, r.status, r.reason]).toEqual([r.meta.name, 'ok', undefined]);
  });

  it('ids are unique v4 UUIDs and names are unique', () => {
    const ids = rules.map((r) => r.meta.id);
    for (const i of ids) expect(i).toMatch(UUID);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(rules.map((r) => r.meta.name)).size).toBe(rules.length);
  });

  it.each(rules.map((r) => [r.meta.name, r] as const))('%s: complete metadata', (_n, r) => {
    const m = r.meta;
    expect(m.description.length).toBeGreaterThan(40);
    expect(Object.keys(RISK)).toContain(m.severity);
    const [lo, hi] = RISK[m.severity]!;
    expect(m.riskScore).toBeGreaterThanOrEqual(lo);
    expect(m.riskScore).toBeLessThanOrEqual(hi);
    expect(['eql', 'query']).toContain(m.type);
    expect(m.index).toEqual(['logs-cloud_defend.*']);
    expect(m.falsePositives.length).toBeGreaterThan(0);
    for (const fp of m.falsePositives) expect(fp.length).toBeGreaterThan(10);
    expect(m.tags).toContain('Domain: Container');
    const techniques = m.threat.flatMap((t) => t.techniques);
    expect(techniques.length).toBeGreaterThan(0);
    for (const t of m.threat) {
      expect(t.framework).toBe('MITRE ATT&CK');
      expect(t.tactic?.id).toMatch(/^TA\d{4}$/);
      expect(t.tactic?.reference).toBe(`https://attack.mitre.org/tactics/${t.tactic?.id}/`);
      expect(t.tactic?.name).toBeTruthy();
      for (const te of t.techniques) {
        expect(te.id).toMatch(/^T\d{4}$/);
        expect(te.reference).toBe(`https://attack.mitre.org/techniques/${te.id}/`);
        expect(te.name).toBeTruthy();
        for (const s of te.subtechniques) {
          expect(s.id).toMatch(new RegExp(`^${te.id}\\.\\d{3}$`));
          expect(s.reference).toBe(`https://attack.mitre.org/techniques/${s.id.replace('.', '/')}/`);
          expect(s.name).toBeTruthy();
        }
      }
    }
  });

  it('every rule has a case table with at least one positive and one negative case, and no table is orphaned', () => {
    const ids = new Set(rules.map((r) => r.meta.id));
    for (const r of rules) {
      const c = CASES[r.meta.id];
      expect(c, `cases for ${r.meta.name}`).toBeDefined();
      expect(c?.name).toBe(r.meta.name);
      expect(c?.fire.length).toBeGreaterThan(0);
      expect(c?.quiet.length).toBeGreaterThan(0);
    }
    for (const k of Object.keys(CASES)) expect(ids.has(k), `case table ${k} has a rule`).toBe(true);
  });
});

describe('busybox applets (docs/rules.md, "Busybox applets")', () => {
  const applet =
    /process\.command_line regex "\(\(\[\^ \]\*\/\)\?busybox \)\?\(\[\^ \]\*\/\)\?-\?\(([^)]+)\)\( \.\*\)\?" or\s+\(process\.command_line == null and process\.args regex "\(\[\^ \]\*\/\)\?-\?\(([^)]+)\)"\)/g;
  it('the applet form names the same programs in its command-line and args halves', () => {
    let forms = 0;
    for (const r of rules)
      for (const m of r.meta.query.matchAll(applet)) {
        forms++;
        expect(m[2], r.meta.name).toBe(m[1]);
      }
    expect(forms).toBeGreaterThanOrEqual(28);
  });
  it('every rule with a busybox form has busybox cases; no rule takes every busybox process for a shell', () => {
    for (const r of rules) {
      const q = r.meta.query;
      if (/process\.name == "busybox"|process\.name:busybox/.test(q))
        expect(BUSYBOX_CASES[r.meta.id]?.fire.length, r.meta.name).toBeGreaterThan(0);
      // Reading the token is suspicious whatever the applet: that rule alone lists busybox itself.
      if (r.meta.id !== '7272f655-a441-4ba9-8066-3edf91fd4354')
        expect(q.match(/process\.name in \([^)]*"busybox"/), r.meta.name).toBeNull();
      expect(q.match(/process\.name == "busybox" and process\.args (==|like|:)/), r.meta.name).toBeNull();
    }
  });
});

describe.each(rules.map((r) => [r.meta.name, r] as const))('%s', (_n, rule) => {
  const cases = CASES[rule.meta.id] ?? { fire: [], quiet: [] };
  const id0 = rule.meta.id;
  for (const mode of ['compiled', 'interpreted'] as const) {
    it.each(cases.fire.map((c, i) => [i, c] as const))(`fires on case %i (${mode})`, (_i, c) => {
      const alone = run([rule], c, mode, id0);
      expect(alone.length).toBeGreaterThan(0);
      // A sequence reports its events in order; a single-event rule reports the event itself.
      for (const d of alone) for (const e of d.events) expect(docs(c).map(id)).toContain(e);
      // The same detection comes out when every rule of the pack runs together.
      expect(run(rules, c, mode, id0).map((d) => d.events)).toEqual(alone.map((d) => d.events));
    });
    it.each(cases.quiet.map((c, i) => [i, c] as const))(`stays quiet on near miss %i (${mode})`, (_i, c) => {
      expect(run([rule], c, mode, id0)).toEqual([]);
      expect(run(rules, c, mode, id0)).toEqual([]);
    });
  }
});
