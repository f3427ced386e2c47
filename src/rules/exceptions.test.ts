// Kibana exception lists: loaded from an export with positions for every problem, compiled items
// checked against the reference interpreter, and applied by the engine to the rules that name them.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RuleEngine } from './engine.js';
import {
  compileItem,
  EXCEPTION_CODES,
  type ExceptionEntry,
  itemMatchesRef,
  loadExceptions,
} from './exceptions.js';
import { type LoadedRule, loadRuleText } from './load.js';

const line = (o: unknown) => JSON.stringify(o);

/** An export as Kibana writes it: the list, its items, the summary line. */
const EXPORT = [
  line({ list_id: 'ci-runners', name: 'CI runners', type: 'detection', namespace_type: 'single' }),
  line({
    item_id: 'gitlab-runner',
    list_id: 'ci-runners',
    name: 'GitLab runner shells',
    type: 'simple',
    namespace_type: 'single',
    entries: [
      { field: 'container.image.name', operator: 'included', type: 'match', value: 'gitlab/gitlab-runner' },
      { field: 'process.name', operator: 'included', type: 'match_any', value: ['sh', 'bash'] },
    ],
  }),
  line({
    item_id: 'build-ns',
    list_id: 'ci-runners',
    name: 'build namespaces, except the interactive ones',
    type: 'simple',
    entries: [
      { field: 'orchestrator.namespace', operator: 'included', type: 'wildcard', value: 'build-*' },
      { field: 'process.interactive', operator: 'excluded', type: 'match', value: 'true' },
    ],
  }),
  line({
    item_id: 'old',
    list_id: 'ci-runners',
    name: 'expired',
    type: 'simple',
    expire_time: '2020-01-01T00:00:00.000Z',
    entries: [{ field: 'process.name', operator: 'included', type: 'exists' }],
  }),
  line({
    exported_exception_list_count: 1,
    exported_exception_list_item_count: 3,
    missing_exception_lists: [],
  }),
].join('\n');

function rule(id: string, query: string, lists: string[], lang = 'eql'): LoadedRule {
  const ex = lists
    .map(
      (l) =>
        `[[rule.exceptions_list]]\nid = "${l}-so"\nlist_id = "${l}"\nnamespace_type = "single"\ntype = "detection"\n`,
    )
    .join('');
  const text = `[rule]\nrule_id = "${id}"\nname = "rule ${id}"\ntype = "${lang === 'eql' ? 'eql' : 'query'}"\nlanguage = "${lang}"\nquery = '''\n${query}\n'''\n${ex}`;
  const r = loadRuleText(`${id}.toml`, text);
  if (!r.rule) throw new Error(JSON.stringify(r.diagnostics));
  return r.rule;
}

let n = 0;
const ev = (name: string, extra: Record<string, unknown> = {}) => ({
  '@timestamp': new Date(Date.UTC(2026, 0, 1) + ++n * 10).toISOString(),
  event: { id: `e${n}`, category: 'process' },
  process: { name },
  ...extra,
});

describe('exception lists: loading', () => {
  it('reads a Kibana export: lists, items, entries; skips the summary and expired items', () => {
    const r = loadExceptions(EXPORT, 'ex.ndjson', Date.UTC(2026, 10, 28));
    expect(r.diagnostics).toEqual([]);
    expect(r.expired).toBe(1);
    const l = r.lists.get('ci-runners');
    expect(l?.name).toBe('CI runners');
    expect(l?.items.map((i) => [i.itemId, i.line])).toEqual([
      ['gitlab-runner', 2],
      ['build-ns', 3],
    ]);
  });

  it('names every problem with file:line:col and a stable code, and keeps the good items', () => {
    const text = [
      '{"list_id": "a", "item_id": "ok", "entries": [{"field": "process.name", "type": "match", "value": "x"}]}',
      '{not json',
      '[1, 2]',
      '{"item_id": "no-list", "entries": []}',
      '{"list_id": "a", "item_id": "v", "entries": [{"field": "source.ip", "type": "list", "list": {"id": "ips", "type": "ip"}}]}',
      '{"list_id": "a", "item_id": "t", "entries": [{"field": "process.name", "type": "regex", "value": "x"}]}',
      '{"list_id": "a", "item_id": "e", "entries": []}',
      '{"list_id": "a", "item_id": "o", "entries": [{"field": "process.name", "type": "match", "operator": "maybe", "value": "x"}]}',
    ].join('\n');
    const r = loadExceptions(text, 'bad.ndjson');
    expect(r.lists.get('a')?.items.map((i) => i.itemId)).toEqual(['ok']);
    const got = r.diagnostics.map((d) => `${d.code} ${d.file}:${d.pos.line}:${d.pos.col}`);
    expect(got).toEqual([
      `${EXCEPTION_CODES.invalid} bad.ndjson:2:1`,
      `${EXCEPTION_CODES.invalid} bad.ndjson:3:1`,
      `${EXCEPTION_CODES.invalid} bad.ndjson:4:1`,
      `${EXCEPTION_CODES.unsupported} bad.ndjson:5:${text.split('\n')[4]!.indexOf('"source.ip"') + 1}`,
      `${EXCEPTION_CODES.unsupported} bad.ndjson:6:${text.split('\n')[5]!.indexOf('"process.name"') + 1}`,
      `${EXCEPTION_CODES.invalid} bad.ndjson:7:${text.split('\n')[6]!.indexOf('"entries"') + 1}`,
      `${EXCEPTION_CODES.unsupported} bad.ndjson:8:${text.split('\n')[7]!.indexOf('"process.name"') + 1}`,
    ]);
    expect(r.diagnostics[3]?.message).toMatch(/value-list entries .* "match_any"/);
    expect(r.diagnostics.every((d) => d.severity === 'error')).toBe(true);
  });
});

describe('exception items: semantics', () => {
  const items = loadExceptions(EXPORT, 'ex.ndjson').lists.get('ci-runners')!.items;
  const [runner, build] = items;

  it('an item matches when all its entries do; match_any, wildcard and excluded as Kibana', () => {
    const img = { container: { image: { name: 'gitlab/gitlab-runner' } } };
    expect(runner!.matches(ev('bash', img))).toBe(true);
    expect(runner!.matches(ev('curl', img))).toBe(false);
    expect(runner!.matches(ev('sh'))).toBe(false);
    const ns = (name: string, interactive?: boolean) =>
      ev('sh', { orchestrator: { namespace: name }, process: { name: 'sh', interactive } });
    expect(build!.matches(ns('build-42'))).toBe(true); // interactive missing: "is not true" holds
    expect(build!.matches(ns('build-42', false))).toBe(true);
    expect(build!.matches(ns('build-42', true))).toBe(false);
    expect(build!.matches(ns('prod'))).toBe(false);
  });

  it('nested entries hold on one element of an object array', () => {
    const entries: ExceptionEntry[] = [
      {
        type: 'nested',
        field: 'labels',
        entries: [
          { type: 'match', field: 'k', operator: 'included', value: 'team' },
          { type: 'match', field: 'v', operator: 'included', value: 'ci' },
        ],
      },
    ];
    const f = compileItem(entries);
    const doc = (labels: unknown) => ({ labels });
    expect(f(doc([{ k: 'team', v: 'ci' }]))).toBe(true);
    expect(
      f(
        doc([
          { k: 'team', v: 'web' },
          { k: 'owner', v: 'ci' },
        ]),
      ),
    ).toBe(false); // not one element
    expect(f(doc({ k: 'team', v: 'ci' }))).toBe(true);
    expect(
      itemMatchesRef(
        entries,
        doc([
          { k: 'team', v: 'web' },
          { k: 'owner', v: 'ci' },
        ]),
      ),
    ).toBe(false);
  });

  it('compiled items agree with the reference interpreter on random entries and documents', () => {
    const fields = ['a', 'b.c', 'n'];
    const value = fc.constantFrom('x', 'y', 'xy', '1', 'true', '');
    const entry: fc.Arbitrary<ExceptionEntry> = fc.oneof(
      fc.record({
        type: fc.constant('match' as const),
        field: fc.constantFrom(...fields),
        operator: fc.constantFrom('included' as const, 'excluded' as const),
        value,
      }),
      fc.record({
        type: fc.constant('match_any' as const),
        field: fc.constantFrom(...fields),
        operator: fc.constantFrom('included' as const, 'excluded' as const),
        value: fc.array(value, { minLength: 1, maxLength: 3 }),
      }),
      fc.record({
        type: fc.constant('wildcard' as const),
        field: fc.constantFrom(...fields),
        operator: fc.constantFrom('included' as const, 'excluded' as const),
        value: fc.constantFrom('x*', '*y', '?', 'x?y', '*'),
      }),
      fc.record({
        type: fc.constant('exists' as const),
        field: fc.constantFrom(...fields),
        operator: fc.constantFrom('included' as const, 'excluded' as const),
      }),
    );
    const scalar = fc.oneof(value, fc.integer({ min: 0, max: 2 }), fc.boolean(), fc.constant(null));
    const v = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }));
    // `b.c` nested or as a dotted key, never both (the engine's getters assume one form per
    // field, as ECS producers write them; src/rules/common/fields.ts).
    const doc = fc
      .record({ a: v, bc: v, n: v, dotted: fc.boolean() })
      .map(({ a, bc, n, dotted }) => (dotted ? { a, n, 'b.c': bc } : { a, n, b: { c: bc } }));
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 3 }), doc, (entries, d) => {
        expect(compileItem(entries)(d)).toBe(itemMatchesRef(entries, d));
      }),
      { numRuns: 500 },
    );
  });
});

describe('exception lists in the engine', () => {
  const lists = loadExceptions(EXPORT, 'ex.ndjson').lists;
  const runner = { container: { image: { name: 'gitlab/gitlab-runner' } } };

  it('keeps excepted events away from the rules that name the list, only those', () => {
    const e = new RuleEngine(
      [
        rule('with', 'process where process.name == "sh"', ['ci-runners']),
        rule('without', 'process where process.name == "sh"', []),
        rule('kql', 'process.name:sh', ['ci-runners'], 'kuery'),
      ],
      { exceptions: lists },
    );
    expect(e.push(ev('sh', runner)).map((d) => d.rule.id)).toEqual(['without']);
    expect(e.push(ev('sh')).map((d) => d.rule.id)).toEqual(['with', 'without', 'kql']);
    const s = e.stats();
    expect(s.excepted).toBe(2);
    expect(s.rules.map((r) => [r.id, r.excepted, r.matches])).toEqual([
      ['with', 1, 1],
      ['without', 0, 2],
      ['kql', 1, 1],
    ]);
  });

  it('a sequence cannot use an excepted event for any stage', () => {
    const seq =
      'sequence with maxspan=1m [process where process.name == "curl"] [process where process.name == "sh"]';
    const e = new RuleEngine([rule('s', seq, ['ci-runners'])], { exceptions: lists });
    expect(e.push(ev('curl'))).toEqual([]);
    expect(e.push(ev('sh', runner))).toEqual([]); // excepted: not the second stage
    expect(e.push(ev('sh')).map((d) => d.rule.id)).toEqual(['s']);
  });

  it('reports the lists rules name that were not loaded; without lists nothing is checked', () => {
    const r = rule('m', 'process where true', ['ci-runners', 'not-exported']);
    expect(new RuleEngine([r], { exceptions: lists }).stats().missingExceptionLists).toEqual([
      { id: 'm', name: 'rule m', listId: 'not-exported' },
    ]);
    const plain = new RuleEngine([r]);
    expect(plain.stats().missingExceptionLists).toEqual([]);
    expect(plain.push(ev('sh', runner))).toHaveLength(1);
  });
});
