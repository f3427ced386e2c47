// The exception list d4c ships for Elastic's D4C rules (exceptions/elastic-d4c.ndjson): it loads
// cleanly in Kibana's export format, every item says why, and on d4c's own documents it removes
// exactly the misfire it is for (a container whose entrypoint is a shell) and nothing else.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builder, nginxInit, PRIV, shell, t } from '../../test/ecs/fixtures.js';
import type { ProcessInfo } from '../ecs/input.js';
import {
  DEFAULT_EXCEPTIONS_FILE,
  loadDefaultExceptions,
  TUNING_PREFIX,
  withDefaultExceptions,
} from './default-exceptions.js';
import { RuleEngine } from './engine.js';
import { loadRules } from './load.js';
import { DEFAULT_RULE_PACK_DIR } from './pack.js';
import { describeElastic, ELASTIC_RULES_DIR } from './test/helpers.fixture.js';

const EXEC_INTO = '420e5bb4-93bf-40a3-8f4a-4cc1af90eca1';

describe('shipped exception list', () => {
  const shipped = loadDefaultExceptions();
  const raw = readFileSync(DEFAULT_EXCEPTIONS_FILE, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

  it('loads without problems, one list per tuned rule', () => {
    expect(shipped.diagnostics).toEqual([]);
    expect(shipped.lists.size).toBeGreaterThan(0);
    for (const id of shipped.lists.keys()) expect(id.startsWith(TUNING_PREFIX)).toBe(true);
    expect(shipped.lists.get(`${TUNING_PREFIX}${EXEC_INTO}`)?.items.length).toBe(1);
  });

  it('every item carries a comment saying why', () => {
    const items = raw.filter((o) => o.item_id !== undefined);
    expect(items.length).toBe([...shipped.lists.values()].reduce((n, l) => n + l.items.length, 0));
    for (const it of items) {
      const comments = it.comments as { comment: string }[];
      expect(comments.length, String(it.item_id)).toBeGreaterThan(0);
      expect(comments[0]?.comment, String(it.item_id)).toMatch(/^Why: .{80,}/);
    }
  });

  it("leaves d4c's own pack alone", () => {
    const pack = loadRules([DEFAULT_RULE_PACK_DIR]).rules;
    const tuned = withDefaultExceptions(pack, undefined, false);
    expect(tuned.applied).toEqual([]);
    expect(tuned.lists).toBeUndefined();
  });
});

describeElastic("shipped exceptions on Elastic's rules", () => {
  const rules = loadRules([join(ELASTIC_RULES_DIR, 'cloud_defend')]).rules;

  it('names only rules Elastic publishes', () => {
    const ids = new Set(rules.map((r) => r.meta.id));
    for (const id of loadDefaultExceptions().lists.keys())
      expect(ids.has(id.slice(TUNING_PREFIX.length))).toBe(true);
  });

  // d4c's documents: a container whose command is `sh -c …` (its init: pid 1 of the container's
  // pid namespace, its own session and entry leader, type container), and `podman exec -it … sh`.
  const b = builder();
  const initShell: ProcessInfo = {
    ...nginxInit,
    executable: '/bin/sh',
    name: 'sh',
    args: ['sh', '-c', 'while true; do sleep 60; done'],
  };
  initShell.groupLeader = initShell;
  initShell.sessionLeader = initShell;
  initShell.entryLeader = initShell;
  const execShell: ProcessInfo = { ...shell, executable: '/bin/sh', name: 'sh', args: ['sh'] };
  execShell.groupLeader = execShell;
  execShell.sessionLeader = execShell;
  execShell.entryLeader = execShell;
  const docs = [
    b.processExecDoc({ timeNs: t(100.5), process: initShell, container: PRIV }),
    b.processExecDoc({ timeNs: t(200.01), process: execShell, container: PRIV }),
  ];
  const fired = (skip: boolean) => {
    const tuned = withDefaultExceptions(rules, undefined, skip);
    const engine = new RuleEngine(tuned.rules, { ...(tuned.lists ? { exceptions: tuned.lists } : {}) });
    return docs.map((d) =>
      engine
        .push(d)
        .filter((x) => x.rule.id === EXEC_INTO)
        .map(() => d.process?.vpid),
    );
  };

  it('"Exec Into Container" fires on both without the list: the init shell is the misfire', () => {
    expect(fired(true)).toEqual([[1], [7]]);
  });

  it('with the shipped list (the default) only the exec into the container alerts', () => {
    expect(withDefaultExceptions(rules, undefined, false).applied).toEqual([EXEC_INTO]);
    expect(fired(false)).toEqual([[], [7]]);
  });

  it('keys on process.container_entry: a shell nsenter started still alerts', () => {
    const item = loadDefaultExceptions().lists.get(`${TUNING_PREFIX}${EXEC_INTO}`)?.items[0];
    expect(item?.entries.map((e) => e.field)).toEqual(['process.container_entry']);
    const tuned = withDefaultExceptions(rules, undefined, false);
    const engine = new RuleEngine(tuned.rules, { ...(tuned.lists ? { exceptions: tuned.lists } : {}) });
    const nsenterShell: ProcessInfo = { ...execShell, containerEntry: 'nsenter' };
    nsenterShell.entryLeader = nsenterShell;
    const d = b.processExecDoc({ timeNs: t(300), process: nsenterShell, container: PRIV });
    expect(engine.push(d).filter((x) => x.rule.id === EXEC_INTO)).toHaveLength(1);
  });
});
