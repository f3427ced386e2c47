// `rules export`: the exported objects satisfy a JSON Schema written from Kibana's documented
// detection-rule import schema, and carry each rule's identity, query and ATT&CK mapping.
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { exportDetails, exportRules, toNdjson } from '../../src/rules/export.js';
import { parseEql, parseKql } from '../../src/rules/index.js';
import { loadRules } from '../../src/rules/load.js';
import { DEFAULT_RULE_PACK_DIR } from '../../src/rules/pack.js';
import { queryStreams, scopeIndex } from '../../src/rules/streams.js';
import { ELASTIC_RULES_DIR, HAVE_ELASTIC_RULES } from '../../src/rules/test/helpers.fixture.js';

const schema = JSON.parse(readFileSync(new URL('./kibana-rule-import.schema.json', import.meta.url), 'utf8'));
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

describe('rules export', () => {
  const pack = exportRules([DEFAULT_RULE_PACK_DIR]);
  const loaded = loadRules([DEFAULT_RULE_PACK_DIR]).rules;

  /** Elasticsearch index-pattern matching (only `*` wildcards). */
  const covers = (pattern: string, name: string) =>
    new RegExp(
      `^${pattern
        .split('*')
        .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
    ).test(name);
  const STREAMS = ['process', 'file', 'network', 'alerts'].map((s) => `logs-cloud_defend.${s}-default`);
  const read = (r: Record<string, unknown>) =>
    STREAMS.filter((s) => (r.index as string[]).some((p) => covers(p, s))).map((s) => s.split(/[.-]/)[2]);

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
      // Elastic's are scoped already: kept as written (only the promotion rule reads alerts).
      const alerts = el.rules.filter((r) => r.index !== undefined && read(r).includes('alerts'));
      expect(alerts.map((r) => r.name)).toEqual(['Container Workload Protection']);
    },
  );

  it('scopes each rule to the streams its query reads, never the alerts stream; event.ingested as Elastic', () => {
    for (const r of pack.rules) {
      expect(read(r), r.name).not.toContain('alerts');
      expect(read(r).length, r.name).toBeGreaterThan(0);
      expect(r.timestamp_override, r.name).toBe('event.ingested');
      expect(r.timestamp_override_fallback_disabled, r.name).toBe(false);
    }
    const byName = (n: string) => pack.rules.find((r) => r.name === n)!;
    const byQuery = (re: RegExp) => pack.rules.filter((r) => re.test(String(r.query)));
    // `process where …`, KQL `event.category:process`, a network rule, `any where` over two.
    for (const r of byQuery(/^process where/))
      expect(r.index, r.name).toEqual(['logs-cloud_defend.process*']);
    for (const r of byQuery(/^network where/))
      expect(r.index, r.name).toEqual(['logs-cloud_defend.network*']);
    for (const r of byQuery(/^event\.category:process/)) expect(read(r), r.name).toEqual(['process']);
    expect(byQuery(/^network where/).length).toBeGreaterThan(0);
    const cgroup = pack.rules.find((r) => /release_agent/.test(String(r.query)))!;
    expect(read(cgroup)).toEqual(['process', 'file']);
    expect(byName(cgroup.name).index).toEqual(['logs-cloud_defend.process*', 'logs-cloud_defend.file*']);
  });

  it('finds the categories of EQL and KQL queries; unconstrained ones read every stream', () => {
    const eql = (q: string) => queryStreams({ language: 'eql', ast: parseEql(q) });
    const kql = (q: string) => queryStreams({ language: 'kuery', ast: parseKql(q) });
    expect(eql('file where true')).toEqual(['file']);
    expect(eql('sequence by process.entity_id [process where true] [network where true]')).toEqual([
      'process',
      'network',
    ]);
    expect(eql('any where event.category in ("file", "network") and true')).toEqual(['file', 'network']);
    expect(eql('any where event.category == "file" or process.name == "x"')).toEqual([
      'process',
      'file',
      'network',
    ]);
    expect(eql('any where not event.category == "file"')).toEqual(['process', 'file', 'network']);
    expect(kql('event.category:file and file.name:x')).toEqual(['file']);
    expect(kql('event.category:(process or network)')).toEqual(['process', 'network']);
    expect(kql('event.kind:alert')).toEqual(['process', 'file', 'network']);
    expect(scopeIndex(['logs-cloud_defend.*', 'logs-kubernetes.audit_logs-*'], ['file'])).toEqual([
      'logs-cloud_defend.file*',
      'logs-kubernetes.audit_logs-*',
    ]);
    expect(scopeIndex(['logs-cloud_defend.alerts-*'], ['process'])).toEqual(['logs-cloud_defend.alerts-*']);
  });

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
