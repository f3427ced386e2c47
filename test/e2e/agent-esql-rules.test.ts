// ES|QL rules in the live agent: the real CLI with its store and one ES|QL rule (an aggregation
// over exec events by container, every 2 s over the last minute); a podman container execs; the
// rule's rows come back as alerts with the row's fields, its rule identity and no event ids, and
// the agent's stats count the runs. The rule's own alerts are not read back as input.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Doc, readDocs, startAgent, waitFor } from './agent-runner.js';
import { removeAll, runContainer, type TestContainer } from './containers.js';
import { describeLive } from './gate.js';

const RULE = `[metadata]
creation_date = "2026/11/28"
maturity = "production"

[rule]
rule_id = "d4c-e2e-esql-exec-burst"
name = "Exec burst in a container (ES|QL)"
description = "Three or more execs in one container within the window."
type = "esql"
language = "esql"
severity = "low"
risk_score = 21
interval = "2s"
from = "now-1m"
query = '''
from logs-cloud_defend.process-* | where event.action == "exec" | stats execs = count(*) by container.id | where execs >= 3
'''
`;

describeLive('podman')('d4c agent: ES|QL rules on a schedule over the store (live)', () => {
  let dir: string;
  let box: TestContainer;
  let docs: Doc[];
  let stats: Doc;
  let stderr: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'd4c-agent-esql-'));
    writeFileSync(join(dir, 'burst.toml'), RULE);
    const agent = await startAgent(['--store', join(dir, 'store'), '--rules', dir]);
    try {
      box = await runContainer({});
      await box.exec(['sh', '-c', 'for i in 1 2 3 4; do cat /etc/hostname >/dev/null; done']);
      // The rule runs every 2 s over what the store holds: wait for a run that counted all five
      // execs and for one more after it (each run gives the container's row again).
      const ours = (d: Doc) => d.rule?.id === 'd4c-e2e-esql-exec-burst' && d.container?.id === box.id;
      await waitFor(() => {
        const a = readDocs(agent.ndjson).filter(ours);
        const full = a.findIndex((d) => d.execs >= 5);
        return full >= 0 && full < a.length - 1;
      }, 'two runs of the rule after all five execs were stored');
    } finally {
      const r = await agent.stop();
      docs = r.docs;
      stats = r.stats;
      stderr = r.stderr;
    }
  }, 90_000);

  afterAll(async () => {
    await removeAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('says at start that the rule runs on a schedule', () => {
    expect(stderr).toMatch(/ready \(.*1 rules \(1 from --rules, 1 ES\|QL on a schedule over the store\)/);
  });

  it("raises an alert from the rule's row, with the rule's identity", () => {
    const alerts = docs.filter((d) => d.rule?.id === 'd4c-e2e-esql-exec-burst' && d.container?.id === box.id);
    expect(alerts.length).toBeGreaterThanOrEqual(1);
    const a = alerts.at(-1);
    expect(a.event.kind).toBe('alert');
    expect(a.data_stream.dataset).toBe('cloud_defend.alerts');
    expect(a.execs).toBeGreaterThanOrEqual(5); // sh and four cats (busybox applets)
    expect(a.rule.name).toBe('Exec burst in a container (ES|QL)');
    expect(a.cloud_defend.detection.event_ids).toEqual([]);
  });

  it('says so when the store is off and the rule cannot run', async () => {
    const agent = await startAgent(['--no-store', '--rules', dir]);
    const r = await agent.stop();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      'd4c agent: warning: 1 ES|QL rule(s) not run: they run over the store, and it is off (--no-store)',
    );
    expect(r.stats, r.stderr).toBeDefined();
    expect(r.stats.scheduledRules).toBeUndefined();
  }, 60_000);

  it('counts its runs; its own alerts never feed it', () => {
    const s = stats.scheduledRules;
    expect(s.rules[0].runs).toBeGreaterThanOrEqual(2);
    expect(s.rules[0].errors).toBe(0);
    // An aggregation over exec events: an alert document never becomes a row of its own.
    const ours = docs.filter((d) => d.rule?.id === 'd4c-e2e-esql-exec-burst');
    expect(ours.every((d) => d.container?.id !== undefined && typeof d.execs === 'number')).toBe(true);
  });
});
