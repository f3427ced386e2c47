// Field coverage: (1) every field Elastic's rules over D4C data query is emitted by some golden
// document, or listed below as not applicable with a reason; (2) the field table (docs) and
// the golden documents agree exactly; (3) docs/fields.md is generated from the current table.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { renderFieldsDoc } from '../../scripts/gen-fields-doc.js';
import { FIELDS, fieldDef, flattenFieldNames } from '../../src/ecs/fields.js';
import { DEFAULT_RULE_PACK_DIR } from '../../src/rules/pack.js';
import { ELASTIC_RULES_DIR, HAVE_ELASTIC_RULES } from '../reference.js';
import { auditGoldenCases, goldenCases } from './golden.js';

/** Fields rules query that no D4C document has, and why. */
const NOT_APPLICABLE: readonly [prefix: string, reason: string][] = [];

/**
 * Field names referenced by an EQL/KQL query: strings and comments are removed first (their
 * text contains dots and slashes), backquoted names are taken whole.
 */
function queryFields(q: string): Set<string> {
  const out = new Set<string>();
  let code = '';
  for (let i = 0; i < q.length; ) {
    if (q.startsWith('"""', i)) {
      const end = q.indexOf('"""', i + 3);
      i = end < 0 ? q.length : end + 3;
      code += ' ';
    } else if (q[i] === '"') {
      let j = i + 1;
      while (j < q.length && q[j] !== '"') j += q[j] === '\\' ? 2 : 1;
      i = j + 1;
      code += ' ';
    } else if (q.startsWith('/*', i)) {
      const end = q.indexOf('*/', i + 2);
      i = end < 0 ? q.length : end + 2;
    } else if (q.startsWith('//', i)) {
      const end = q.indexOf('\n', i);
      i = end < 0 ? q.length : end;
    } else if (q[i] === '`') {
      const end = q.indexOf('`', i + 1);
      out.add(q.slice(i + 1, end < 0 ? q.length : end));
      i = end < 0 ? q.length : end + 1;
    } else {
      code += q[i];
      i++;
    }
  }
  for (const m of code.matchAll(/[A-Za-z_@][\w@]*(?:\.[\w@]+)+/g)) out.add(m[0]);
  return out;
}

function ruleFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...ruleFiles(p));
    else if (e.name.endsWith('.toml')) out.push(p);
  }
  return out;
}

// The audit stream's documents (src/k8s/audit) too: multi-source rules query their fields.
const docs = [...Object.values(goldenCases()), ...Object.values(auditGoldenCases())];
const emitted = new Set<string>();
for (const d of docs) flattenFieldNames(d, '', emitted);

function coverage(title: string, base: string, minFiles: number): void {
  describe(title, () => {
    const files = ruleFiles(base);

    it('finds the rules', () => {
      expect(files.length).toBeGreaterThanOrEqual(minFiles);
    });

    const byField = new Map<string, string[]>();
    for (const file of files) {
      const rule = (parse(readFileSync(file, 'utf8')) as { rule?: { query?: string } }).rule;
      for (const field of queryFields(rule?.query ?? '')) {
        const list = byField.get(field) ?? [];
        list.push(file.slice(base.length));
        byField.set(field, list);
      }
    }

    it('queries a plausible set of fields', () => {
      expect(byField.has('process.args')).toBe(true);
      expect(byField.has('container.id') || byField.has('process.entry_leader.entry_meta.type')).toBe(true);
    });

    for (const [field, rules] of [...byField].sort(([a], [b]) => a.localeCompare(b))) {
      it(`${field} is emitted or not applicable`, () => {
        const na = NOT_APPLICABLE.find(([p]) => field === p || field.startsWith(`${p}.`));
        if (na) return;
        expect(emitted.has(field), `${field} (queried by ${rules.join(', ')}) is emitted by no builder`).toBe(
          true,
        );
      });
    }
  });
}

it('parses field names out of queries', () => {
  const q = 'process where a.b == "x.y" and /* c.d */ e.f like~ ("g.h") // i.j\n and `k.l/m` == 1';
  expect([...queryFields(q)].sort()).toEqual(['a.b', 'e.f', 'k.l/m']);
});

if (HAVE_ELASTIC_RULES) coverage('fields Elastic’s rules query', `${ELASTIC_RULES_DIR}/`, 67);
else describe.skip('fields Elastic’s rules query', () => {});
coverage('fields the d4c pack queries', DEFAULT_RULE_PACK_DIR, 48);

describe('field table', () => {
  it('describes every field the documents emit', () => {
    const missing = [...emitted].filter((n) => !fieldDef(n)).sort();
    expect(missing).toEqual([]);
  });

  it('lists only fields some document emits', () => {
    const unused = FIELDS.filter((d) =>
      d.field.endsWith('.*')
        ? ![...emitted].some((n) => n.startsWith(d.field.slice(0, -1)))
        : !emitted.has(d.field),
    ).map((d) => d.field);
    expect(unused).toEqual([]);
  });

  it('has no duplicates', () => {
    const names = FIELDS.map((d) => d.field);
    expect(new Set(names).size).toBe(names.length);
  });

  it('docs/fields.md is up to date (npx tsx scripts/gen-fields-doc.ts)', () => {
    const path = new URL('../../docs/fields.md', import.meta.url);
    expect(readFileSync(path, 'utf8')).toBe(renderFieldsDoc());
  });
});
