import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRules, loadRuleText } from './load.js';

const rule = (query: string, extra = '', lang = 'eql', type = 'eql') => `[metadata]
creation_date = "2026/01/01"

[rule]
author = ["d4c"]
description = "test"
language = "${lang}"
name = "Test rule"
risk_score = 47
rule_id = "r-1"
severity = "medium"
type = "${type}"
${extra}
query = ${query}

[[rule.threat]]
framework = "MITRE ATT&CK"
[rule.threat.tactic]
id = "TA0002"
name = "Execution"
`;

describe('rule loading', () => {
  it('reports a query error at its line:col in the TOML file (literal string)', () => {
    const text = rule(`'''
process where
  process.name == "x" and
  process.args like 1
'''`);
    const r = loadRuleText('r.toml', text);
    expect(r.rule).toBeUndefined();
    expect(r.diagnostics).toHaveLength(1);
    const d = r.diagnostics[0]!;
    expect(d.code).toBe('D4C-EQL-011');
    const lines = text.split('\n');
    expect(lines[d.pos.line - 1]!.slice(d.pos.col - 1)).toBe('1');
  });

  it('maps positions through escapes in basic strings', () => {
    const text = rule(`"process where a == \\"x\\" and b === 1"`);
    const d = loadRuleText('r.toml', text).diagnostics[0]!;
    expect(d.code).toBe('D4C-EQL-004');
    const line = text.split('\n')[d.pos.line - 1]!;
    expect(line.slice(d.pos.col - 1)).toBe('= 1"');
    const text2 = rule(`"""
process where a == "\\u0041" and
  b ==== 1"""`);
    const d2 = loadRuleText('r.toml', text2).diagnostics[0]!;
    expect(text2.split('\n')[d2.pos.line - 1]!.slice(d2.pos.col - 1)).toBe('== 1"""');
  });

  it('reports KQL errors in the file too', () => {
    const text = rule(
      `'''
event.kind:(alert or
'''`,
      '',
      'kuery',
      'query',
    );
    const d = loadRuleText('k.toml', text).diagnostics[0]!;
    expect(d.code).toMatch(/^D4C-KQL-/);
    expect(d.pos.line).toBe(text.split('\n').indexOf('event.kind:(alert or') + 2);
  });

  it('reports TOML syntax errors with their position', () => {
    const d = loadRuleText('bad.toml', '[rule]\nname = "x\n').diagnostics[0]!;
    expect(d.code).toBe('D4C-RULE-001');
    expect(d.pos.line).toBe(2);
  });

  it('reports missing required fields', () => {
    const d = loadRuleText(
      'm.toml',
      '[rule]\nname = "x"\ntype = "eql"\nquery = "any where true"\n',
    ).diagnostics;
    expect(d.map((x) => x.code)).toContain('D4C-RULE-002');
    expect(d.some((x) => x.message.includes('rule_id'))).toBe(true);
  });

  it('loads ES|QL rules with metadata and their parsed pipeline (run on a schedule, scheduled.ts)', () => {
    const r = loadRuleText('e.toml', rule(`'''from logs-* | limit 1'''`, '', 'esql', 'esql'));
    expect(r.diagnostics).toEqual([]);
    expect(r.rule!.status).toBe('ok');
    expect(r.rule!.parsed?.language).toBe('esql');
    expect(r.rule!.meta.name).toBe('Test rule');
    expect(r.rule!.meta.threat[0]!.tactic!.id).toBe('TA0002');
  });

  const dir = mkdtempSync(join(tmpdir(), 'd4c-rules-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads directories recursively and reports missing paths and duplicate ids', () => {
    mkdirSync(join(dir, 'a/b'), { recursive: true });
    writeFileSync(join(dir, 'a/one.toml'), rule(`'''any where true'''`));
    writeFileSync(join(dir, 'a/b/two.toml'), rule(`'''any where false'''`));
    writeFileSync(join(dir, 'a/b/ignored.txt'), 'x');
    const r = loadRules([join(dir, 'a'), join(dir, 'nope')]);
    expect(r.rules).toHaveLength(2);
    expect(r.diagnostics.map((d) => d.code).sort()).toEqual(['D4C-RULE-004', 'D4C-RULE-007']);
    expect(r.diagnostics.find((d) => d.code === 'D4C-RULE-007')!.severity).toBe('warning');
  });
});
