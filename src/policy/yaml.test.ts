// Hostile and malformed YAML: always positioned diagnostics, never a throw.
import { describe, expect, it } from 'vitest';
import { ELASTIC_DEFAULT_POLICY } from './default.js';
import { problems } from './helpers.fixture.js';
import { parsePolicy } from './load.js';
import { MAX_FILE_BYTES } from './source.js';

describe('YAML problems', () => {
  it("reports a syntax error at the parser's position", () => {
    const p = problems('process:\n  selectors: [a, b\n  responses: []\n');
    expect(p[0]).toMatch(/^D4C-POL-001 \d+:\d+: error: invalid YAML: /);
    expect(parsePolicy('a: "unterminated\n', 'p').policy).toBeUndefined();
    expect(problems('a: "unterminated\n')[0]).toMatch(/^D4C-POL-001 2:1: error: invalid YAML: /);
  });

  it('positions syntax errors on the right line after earlier errors (fuzz regression)', () => {
    expect(problems('*a\n      process\n  process: ')).toEqual([
      'D4C-POL-001 2:7: error: invalid YAML: Unexpected scalar at node end',
      'D4C-POL-001 3:10: error: invalid YAML: Unexpected map-value-ind token in YAML stream: ":"',
    ]);
  });

  it('reports a duplicate key at the second key', () => {
    const text = ELASTIC_DEFAULT_POLICY.replace(
      '      actions: [log]',
      '      actions: [log]\n      actions: [alert]',
    );
    expect(problems(text)).toEqual(['D4C-POL-002 8:7: error: duplicate key "actions"']);
    expect(parsePolicy(text, 'p').policy).toBeUndefined();
  });

  it('refuses a second document', () => {
    expect(problems(`${ELASTIC_DEFAULT_POLICY}---\nfile: {}\n`)).toEqual([
      'D4C-POL-035 15:1: error: a policy file holds one YAML document; found a second one here',
    ]);
  });

  it('refuses files over 1 MiB before parsing', () => {
    const text = `${ELASTIC_DEFAULT_POLICY}#${'x'.repeat(MAX_FILE_BYTES)}\n`;
    expect(problems(text)).toEqual([
      `D4C-POL-003 1:1: error: policy file is too large: ${Buffer.byteLength(text)} bytes (limit ${MAX_FILE_BYTES})`,
    ]);
  });

  it('refuses deep nesting', () => {
    const text = `process:\n  selectors: ${'['.repeat(100)}${']'.repeat(100)}\n`;
    const p = problems(text);
    expect(
      p.some((l) => l.startsWith('D4C-POL-005') && l.includes('YAML nesting is too deep (limit 64 levels)')),
    ).toBe(true);
    // Deep enough to overflow a recursive parser: still a diagnostic.
    const deeper = `a: ${'['.repeat(20000)}${']'.repeat(20000)}\n`;
    expect(parsePolicy(deeper, 'p').diagnostics.length).toBeGreaterThan(0);
  });

  it('stops an alias bomb with a clear error', () => {
    const values = Array.from({ length: 1000 }, (_, i) => `v${i}`).join(', ');
    const aliases = Array.from({ length: 1000 }, () => '*s').join(', ');
    const text = `x: &l [${values}]\nprocess:\n  selectors: [&s {name: s, processName: *l}, ${aliases}]\n  responses: [{match: [s], actions: [log]}]\n`;
    const r = parsePolicy(text, 'p');
    expect(r.policy).toBeUndefined();
    expect(r.diagnostics.some((d) => d.code === 'D4C-POL-004' && d.message.includes('too many nodes'))).toBe(
      true,
    );
  });

  it('follows small aliases like plain values', () => {
    const text =
      'x: &ops [fork, exec]\nprocess:\n  selectors: [{name: s, operation: *ops}]\n  responses: [{match: [s], actions: [log]}]\n';
    // The anchor's holder is an unknown key, but the alias resolved to the list.
    expect(problems(text)).toEqual(['D4C-POL-008 1:1: error: unknown key "x" in the policy']);
  });

  it('a node reached twice through aliases reports its problems once', () => {
    const text =
      'process:\n  selectors: [&s {name: s, processName: [averyveryverylongname]}, *s]\n  responses: [{match: [s], actions: [log]}]\n';
    expect(problems(text)).toEqual([
      'D4C-POL-014 2:25: error: selector "s": This name is already used by another selector. (first at line 2)',
      'D4C-POL-021 2:42: error: selector "s": "processName" values cannot exceed 15 bytes',
    ]);
  });

  it('an unknown alias is an error, not a throw', () => {
    const text =
      'process:\n  selectors: [{name: s, operation: *nope}]\n  responses: [{match: [s], actions: [log]}]\n';
    expect(parsePolicy(text, 'p').diagnostics.length).toBeGreaterThan(0);
  });

  it('odd keys', () => {
    expect(problems('[a]: 1\nprocess: {}\n')[0]).toBe(
      'D4C-POL-008 1:1: error: keys in the policy must be plain names',
    );
    expect(problems('? \nprocess: {}\n')[0]).toMatch(/^D4C-POL-0\d\d /);
  });

  it('warns about unresolved tags', () => {
    const text = ELASTIC_DEFAULT_POLICY.replace('[log]', '[!foo log]');
    expect(problems(text)[0]).toMatch(/^D4C-POL-036 7:\d+: warning: YAML: Unresolved tag: !foo/);
  });

  it('stops listing after 500 problems', () => {
    const ops = Array.from({ length: 600 }, () => 'x').join(', ');
    const r = parsePolicy(`process:\n  selectors:\n    - name: s\n      operation: [${ops}]\n`, 'p');
    expect(r.diagnostics).toHaveLength(501);
    expect(r.diagnostics.at(-1)).toMatchObject({
      code: 'D4C-POL-037',
      message: 'too many problems; stopped after 500',
    });
  });

  it('quotes and cuts hostile strings in messages', () => {
    const key = `k\u0007${'x'.repeat(5000)}`;
    const [p] = problems(`? "${key}"\n: 1\nprocess: {}\n`);
    expect(p).toMatch(/^D4C-POL-008 1:3: error: unknown key "k\\u0007x{75}\.\.\." in the policy$/);
  });

  it('handles BOM, CRLF and tabs', () => {
    expect(problems(`\uFEFF${ELASTIC_DEFAULT_POLICY}`)).toEqual([]);
    expect(problems(ELASTIC_DEFAULT_POLICY.replace(/\n/g, '\r\n'))).toEqual([]);
    expect(problems('process:\n\tselectors: []\n')[0]).toMatch(/^D4C-POL-001 2:1: /);
  });
});
