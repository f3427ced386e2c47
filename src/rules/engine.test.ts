import { describe, expect, it } from 'vitest';
import { RuleEngine } from './engine.js';
import { type LoadedRule, loadRuleText } from './load.js';

function rule(
  id: string,
  query: string,
  opts: { lang?: string; type?: string; enabled?: boolean } = {},
): LoadedRule {
  const text = `[rule]
rule_id = "${id}"
name = "rule ${id}"
type = "${opts.type ?? 'eql'}"
language = "${opts.lang ?? 'eql'}"
${opts.enabled === false ? 'enabled = false' : ''}
query = '''
${query}
'''
`;
  const r = loadRuleText(`${id}.toml`, text);
  if (!r.rule) throw new Error(JSON.stringify(r.diagnostics));
  return r.rule;
}

const ev = (id: string, t: number, name: string, extra: Record<string, unknown> = {}) => ({
  '@timestamp': new Date(Date.UTC(2026, 0, 1) + t).toISOString(),
  event: { id, category: 'process' },
  process: { name },
  ...extra,
});

describe('RuleEngine', () => {
  it('runs event and sequence rules together, in order, with rule identity', () => {
    const e = new RuleEngine([
      rule('a', 'process where process.name == "sh"'),
      rule(
        's',
        'sequence with maxspan=1s [process where process.name == "curl"] [process where process.name == "sh"]',
      ),
      rule('k', 'process.name:sh', { lang: 'kuery', type: 'query' }),
    ]);
    expect(e.push(ev('1', 0, 'curl'))).toEqual([]);
    const ds = e.push(ev('2', 10, 'sh'));
    expect(ds.map((d) => [d.rule.id, d.events])).toEqual([
      ['a', ['2']],
      ['s', ['1', '2']],
      ['k', ['2']],
    ]);
    expect(e.stats().rules.map((r) => r.matches)).toEqual([1, 1, 1]);
  });

  it('suppresses duplicates within the window and counts them', () => {
    const e = new RuleEngine([rule('a', 'any where process.name == "sh"')], { dedupWindowMs: 1000 });
    expect(e.push(ev('1', 0, 'sh'))).toHaveLength(1);
    expect(e.push(ev('1', 500, 'sh'))).toHaveLength(0);
    expect(e.push(ev('2', 600, 'sh'))).toHaveLength(1);
    expect(e.push(ev('1', 2000, 'sh'))).toHaveLength(1);
    const s = e.stats();
    expect([s.detections, s.suppressed]).toEqual([3, 1]);
  });

  it('bounds the dedup table and counts evictions', () => {
    const e = new RuleEngine([rule('a', 'any where true')], { dedupMaxEntries: 10 });
    for (let i = 0; i < 50; i++) e.push(ev(`${i}`, 0, 'x'));
    expect(e.stats().dedupEvicted).toBe(40);
  });

  it('treats documents without event.id as distinct and reports their id as null', () => {
    const e = new RuleEngine([rule('a', 'any where true')]);
    const d = { '@timestamp': 1, process: { name: 'x' } };
    expect(e.push(d)[0]!.events).toEqual([null]);
    expect(e.push(d)).toHaveLength(1);
  });

  it('counts missing and out-of-order timestamps', () => {
    const e = new RuleEngine([]);
    e.push({ event: { id: 'x' } });
    e.push(ev('1', 1000, 'a'));
    e.push(ev('2', 0, 'a'));
    expect([e.stats().missingTimestamp, e.stats().outOfOrder, e.stats().events]).toEqual([1, 1, 3]);
  });

  it('skips disabled and non-streaming rules, with reasons', () => {
    const e = new RuleEngine([
      rule('d', 'any where true', { enabled: false }),
      rule('q', 'from logs-* | limit 1', { lang: 'esql', type: 'esql' }),
    ]);
    expect(e.ruleCount).toBe(0);
    expect(e.stats().skipped.map((s) => [s.id, s.reason.split(' ')[0]])).toEqual([
      ['d', 'disabled'],
      ['q', 'an'], // "an ES|QL rule runs over the store on its interval …"
    ]);
    expect(
      new RuleEngine([rule('d', 'any where true', { enabled: false })], { includeDisabled: true }).ruleCount,
    ).toBe(1);
  });

  it('releases trailing missing-stage sequences on flush', () => {
    const e = new RuleEngine([
      rule(
        'm',
        'sequence with maxspan=5s [any where process.name == "a"] [any where process.name == "b"] ![any where process.name == "c"]',
      ),
    ]);
    e.push(ev('1', 0, 'a'));
    e.push(ev('2', 1, 'b'));
    expect(e.flush().map((d) => d.events)).toEqual([['1', '2']]);
  });

  it('streams samples: one event per filter per key, in any order', () => {
    const e = new RuleEngine([
      rule('p', 'sample by host [any where process.name == "a"] [any where process.name == "b"]'),
    ]);
    const h = (id: string, t: number, name: string, host: string) => ev(id, t, name, { host });
    expect(e.push(h('1', 0, 'b', 'h1'))).toEqual([]);
    expect(e.push(h('2', 1, 'a', 'h2'))).toEqual([]);
    expect(e.push(h('3', 2, 'b', 'h1'))).toEqual([]);
    expect(e.push(h('4', 3, 'a', 'h1')).map((d) => d.events)).toEqual([['4', '1']]);
    expect(e.push(h('5', 4, 'b', 'h2')).map((d) => d.events)).toEqual([['2', '5']]);
    expect(e.stats().rules[0]!.sample).toEqual({ keys: 0, completed: 2, evictedKeys: 0 });
  });
});
