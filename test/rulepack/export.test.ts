// `rules export`: the exported objects satisfy a JSON Schema written from Kibana's documented
// detection-rule import schema, and carry each rule's identity, query and ATT&CK mapping.
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { exportDetails, exportRules, toNdjson } from '../../src/rules/export.js';
import { loadRules } from '../../src/rules/load.js';
import { DEFAULT_RULE_PACK_DIR } from '../../src/rules/pack.js';
import { ELASTIC_RULES_DIR, HAVE_ELASTIC_RULES } from '../rules/helpers.js';

const schema = JSON.parse(readFileSync(new URL('./kibana-rule-import.schema.json', import.meta.url), 'utf8'));
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

describe('rules export', () => {
  const pack = exportRules([DEFAULT_RULE_PACK_DIR]);
  const loaded = loadRules([DEFAULT_RULE_PACK_DIR]).rules;

  it('exports every rule of the pack, each valid for Kibana import', () => {
    expect(pack.diagnostics).toEqual([]);
    expect(pack.rules.length).toBe(loaded.length);
    for (const r of pack.rules) {
      const ok = validate(r);
      expect(ok ? [] : validate.errors, r.name).toEqual([]);
    }
  });

  it('keeps identity, query, severity, threat and false positives of the TOML', () => {
    for (const l of loaded) {
      const r = pack.rules.find((x) => x.rule_id === l.meta.id)!;
      expect(r).toMatchObject({
        name: l.meta.name,
        query: l.meta.query,
        type: l.meta.type,
        language: l.meta.language,
        severity: l.meta.severity,
        risk_score: l.meta.riskScore,
        index: ['logs-cloud_defend.*'],
        false_positives: l.meta.falsePositives,
        enabled: false,
        version: 1,
        author: ['d4c'],
        license: 'Apache-2.0',
      });
      const threat = r.threat as {
        tactic: { id: string };
        technique: { id: string; subtechnique?: { id: string }[] }[];
      }[];
      expect(threat.map((t) => t.tactic.id)).toEqual(l.meta.threat.map((t) => t.tactic?.id));
      expect(
        threat.flatMap((t) =>
          t.technique.flatMap((te) => [te.id, ...(te.subtechnique ?? []).map((s) => s.id)]),
        ),
      ).toEqual(
        l.meta.threat.flatMap((t) =>
          t.techniques.flatMap((te) => [te.id, ...te.subtechniques.map((s) => s.id)]),
        ),
      );
    }
    const read = pack.rules.find(
      (r) => r.name === 'Kubernetes Service-Account Token Read by a Shell or Utility',
    )!;
    expect(read.note).toMatch(/read-access/);
    expect(read.setup).toMatch(/readFile/);
  });

  it.skipIf(!HAVE_ELASTIC_RULES)(
    "exports Elastic's reference rules too (esql without index), all schema-valid",
    () => {
      const el = exportRules([ELASTIC_RULES_DIR]);
      expect(el.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect(el.rules.length).toBe(67);
      for (const r of el.rules) expect(validate(r) ? [] : validate.errors, r.name).toEqual([]);
      const esql = el.rules.filter((r) => r.type === 'esql');
      for (const r of esql) expect(r).not.toHaveProperty('index');
    },
  );

  it('the schema rejects what Kibana rejects', () => {
    const good = pack.rules[0]!;
    const bad = [
      { ...good, severity: 'severe' },
      { ...good, risk_score: 101 },
      { ...good, type: 'eql', language: 'kuery' },
      { ...good, rule_id: undefined },
      {
        ...good,
        threat: [
          {
            framework: 'MITRE ATT&CK',
            tactic: { id: 'T1059', name: 'x', reference: 'https://attack.mitre.org/x' },
          },
        ],
      },
      { ...good, interval: 'five minutes' },
      { ...good, riskScore: 3 },
    ].map((o) => JSON.parse(JSON.stringify(o)));
    expect(validate(good)).toBe(true);
    for (const b of bad) expect(validate(b), JSON.stringify(b).slice(0, 80)).toBe(false);
  });

  it('NDJSON: one object per line; the optional details line counts the rules', () => {
    const text = toNdjson(pack.rules, true);
    const lines = text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.length).toBe(pack.rules.length + 1);
    expect(lines.at(-1)).toEqual(exportDetails(pack.rules.length));
    expect(lines.at(-1).exported_count).toBe(pack.rules.length);
    expect(toNdjson(pack.rules).trimEnd().split('\n').length).toBe(pack.rules.length);
    expect(toNdjson([])).toBe('');
  });
});
