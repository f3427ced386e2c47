// ES|QL rules on a schedule over a real embedded store: windows from `from`, runs on `interval`,
// event rows reported once across overlapping runs, aggregation rows at every run, failures counted.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventStore } from '../output/store/index.js';
import { RuleEngine } from './engine.js';
import { runOnStore } from './esql/index.js';
import { type LoadedRule, loadRuleText } from './load.js';
import { durationMs, lookbackMs, ScheduledEsql, unflatten } from './scheduled.js';

const T0 = Date.UTC(2026, 10, 28, 12, 0, 0);
const PROC = 'logs-cloud_defend.process-default';

function esqlRule(id: string, query: string, extra = ''): LoadedRule {
  const text = `[rule]\nrule_id = "${id}"\nname = "rule ${id}"\ntype = "esql"\nlanguage = "esql"\n${extra}query = '''\n${query}\n'''\n`;
  const r = loadRuleText(`${id}.toml`, text);
  if (!r.rule) throw new Error(JSON.stringify(r.diagnostics));
  return r.rule;
}

let n = 0;
const doc = (atMs: number, name: string, ns = 'payments') => ({
  '@timestamp': new Date(atMs).toISOString(),
  event: { id: `ev-${++n}`, kind: 'event', category: ['process'], action: 'exec', type: ['start'] },
  process: { name, pid: 100 + n },
  orchestrator: { namespace: ns },
  data_stream: { type: 'logs', dataset: 'cloud_defend.process', namespace: 'default' },
});

describe('ES|QL rules on a schedule over the store', () => {
  let dir: string;
  let store: EventStore;
  // As the agent runs them: its own detection alerts are not input.
  const run = (p: Parameters<typeof runOnStore>[1], range: { from: number; to: number }, now: Date) =>
    runOnStore(store, p, { ...range, now, excludeDetections: true });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'd4c-scheduled-'));
    store = await EventStore.open({ dir });
    // Before the first window (T0 - 6m): never reported; inside it: nc twice, sh, curl.
    for (const [at, name] of [
      [T0 - 10 * 60_000, 'nc'],
      [T0 - 5 * 60_000, 'nc'],
      [T0 - 4 * 60_000, 'sh'],
      [T0 - 3 * 60_000, 'nc'],
      [T0 - 2 * 60_000, 'curl'],
    ] as const)
      store.write(doc(at, name), PROC);
    // A detection alert about an nc (as the agent writes them): never read back by a rule.
    store.write(
      {
        ...doc(T0 - 60_000, 'nc'),
        event: { id: 'alert-1', kind: 'alert' },
        cloud_defend: { detection: { rule_id: 'x' } },
      },
      'logs-cloud_defend.alerts-default',
    );
    await store.flush();
  });
  afterAll(async () => {
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('parses Kibana intervals and lookbacks', () => {
    expect(durationMs('5m')).toBe(300_000);
    expect(durationMs('30s')).toBe(30_000);
    expect(durationMs('1x')).toBeUndefined();
    expect(lookbackMs('now-6m')).toBe(360_000);
    expect(lookbackMs('now-1h')).toBe(3_600_000);
    expect(lookbackMs('6m')).toBeUndefined();
  });

  it('nests dotted columns; a scalar already at a prefix keeps the dotted key', () => {
    expect(unflatten({ 'process.name': 'nc', 'process.pid': 3, c: 2, x: null })).toEqual({
      process: { name: 'nc', pid: 3 },
      c: 2,
    });
    expect(unflatten({ a: 1, 'a.b': 2 })).toEqual({ a: 1, 'a.b': 2 });
  });

  it('reports the events of its window once, even when the next run overlaps them', async () => {
    const rule = esqlRule(
      'nc',
      'from logs-cloud_defend.process-* metadata _id | where process.name == "nc" | keep @timestamp, event.id, process.name, orchestrator.namespace',
      'interval = "5m"\nfrom = "now-6m"\n',
    );
    const s = new ScheduledEsql([rule], run, { now: T0 });
    const first = await s.tick(T0);
    expect(first.map((d) => d.events)).toEqual([['ev-2'], ['ev-4']]); // not alert-1
    expect(first[0]?.doc).toMatchObject({ process: { name: 'nc' }, orchestrator: { namespace: 'payments' } });
    expect(first[0]?.rule.id).toBe('nc');
    expect(await s.tick(T0 + 60_000)).toEqual([]); // not due yet
    // A new nc, then the next run at T0+5m: its window (T0-1m .. T0+5m) overlaps nothing already
    // reported except what it must not repeat.
    store.write(doc(T0 + 2 * 60_000, 'nc'), PROC);
    await store.flush();
    const second = await s.tick(T0 + 5 * 60_000);
    expect(second.map((d) => d.events)).toEqual([['ev-7']]);
    const st = s.stats();
    expect(st.rules[0]).toMatchObject({ runs: 2, detections: 3, errors: 0, intervalMs: 300_000 });
  });

  it('an aggregation gives its rows at every run', async () => {
    const rule = esqlRule(
      'agg',
      'from logs-cloud_defend.process-* | stats c = count(*) by process.name | where c >= 2 | sort process.name',
      'interval = "1m"\nfrom = "now-15m"\n',
    );
    const s = new ScheduledEsql([rule], run, { now: T0 });
    const a = await s.tick(T0);
    expect(a.map((d) => d.row)).toEqual([{ c: 3, 'process.name': 'nc' }]);
    expect(a[0]?.events).toEqual([]);
    expect(a[0]?.doc['@timestamp']).toBe(new Date(T0).toISOString());
    const b = await s.tick(T0 + 60_000);
    expect(b.map((d) => d.row)).toEqual([{ c: 3, 'process.name': 'nc' }]);
  });

  it('a failing query is counted with its message; the other rules still run', async () => {
    const bad = esqlRule('bad', 'from logs-* | where process.name == "x"');
    const good = esqlRule('good', 'from logs-* | where process.name == "curl" | keep event.id');
    const failing = async () => {
      throw new Error('store is closed');
    };
    const s = new ScheduledEsql([bad], failing, { now: T0 });
    expect(await s.tick(T0)).toEqual([]);
    expect(s.stats().rules[0]).toMatchObject({ errors: 1, lastError: 'store is closed' });
    const s2 = new ScheduledEsql([good], run, { now: T0 });
    expect((await s2.tick(T0)).map((d) => d.events)).toEqual([['ev-5']]);
  });

  it('the streaming engine leaves ES|QL rules to the schedule, and says so', () => {
    const e = new RuleEngine([esqlRule('x', 'from logs-* | limit 1')]);
    expect(e.ruleCount).toBe(0);
    expect(e.stats().skipped[0]?.reason).toMatch(/ES\|QL rule runs over the store on its interval/);
  });

  it('a bad ES|QL query is a load error with its position', () => {
    const r = loadRuleText(
      'bad.toml',
      `[rule]\nrule_id = "b"\nname = "b"\ntype = "esql"\nlanguage = "esql"\nquery = '''\nfrom logs-* | wher x\n'''\n`,
    );
    expect(r.rule).toBeUndefined();
    expect(r.diagnostics[0]?.code).toMatch(/^D4C-ESQL-/);
    expect(r.diagnostics[0]?.pos.line).toBe(7);
  });
});
