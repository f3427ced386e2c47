import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli as d4c } from '../../../test/cli.js';
import { runMain } from '../../../test/run-main.js';
import { ELASTIC_RULES_DIR, HAVE_ELASTIC_RULES } from './helpers.fixture.js';

const withElastic = it.skipIf(!HAVE_ELASTIC_RULES);

const fixture = join(import.meta.dirname, 'events.ndjson');

const dir = mkdtempSync(join(tmpdir(), 'd4c-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('d4c rules', () => {
  withElastic('test on a terminal: a table of the rules that fired; CSV of every rule that ran', async () => {
    const args = ['rules', 'test', '--rules', ELASTIC_RULES_DIR, '--events', fixture];
    const r = await runMain(args, { terminal: { columns: 100 } });
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      [
        'RULE                                                      LANGUAGE  SEVERITY  DETECTIONS  EVENTS',
        'File Creation and Execution Detected via Defend for Con…  eql       medium             1  ev-5, ev-6',
        'Interactive Shell Spawn Detected via Defend for Contain…  eql       low                1  ev-2',
        'Privilege Boundary Enumeration Detected via Defend for …  eql       low                1  ev-3',
        'Service Account Token or Certificate Read Detected via …  eql       medium             1  ev-4',
        'Suspicious Process Execution Detected via Defend for Co…  eql       high               1  ev-6',
        '',
        '5 detections from 5 of 67 rules over 8 events',
        '',
      ].join('\n'),
    );
    const piped = await runMain(args);
    expect(piped.out).toBe(d4c(args).out);
    const csv = await runMain([...args, '--format', 'csv']);
    const records = csv.out.split('\r\n');
    expect(records[0]).toBe('rule.id,rule.name,language,severity,detections,events');
    expect(records[1]).toBe(
      'b799720e-40d0-4dd6-9c9c-4f193a6ed643,File Creation and Execution Detected via Defend for Containers,eql,medium,1,"[""ev-5"",""ev-6""]"',
    );
    expect(records).toHaveLength(1 + 67 + 1);
    expect((await runMain([...args, '--format', 'tsv'])).code).toBe(2);
  });

  withElastic(
    'test: prints one JSON line per detection, in event order, sequences with all their events',
    () => {
      const r = d4c(['rules', 'test', '--rules', ELASTIC_RULES_DIR, '--events', fixture]);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      const lines = r.out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines).toEqual([
        {
          rule: {
            id: '8d3d0794-c776-476b-8674-ee2e685f6470',
            name: 'Interactive Shell Spawn Detected via Defend for Containers',
          },
          events: ['ev-2'],
        },
        {
          rule: {
            id: '737626a2-4dca-4195-8ecd-68ef96fd1bad',
            name: 'Privilege Boundary Enumeration Detected via Defend for Containers',
          },
          events: ['ev-3'],
        },
        {
          rule: {
            id: '66229f32-c460-410d-bc37-4b32322cd4bb',
            name: 'Service Account Token or Certificate Read Detected via Defend for Containers',
          },
          events: ['ev-4'],
        },
        {
          rule: {
            id: '279e272a-91d9-4780-878c-bfcac76e6e31',
            name: 'Suspicious Process Execution Detected via Defend for Containers',
          },
          events: ['ev-6'],
        },
        {
          rule: {
            id: 'b799720e-40d0-4dd6-9c9c-4f193a6ed643',
            name: 'File Creation and Execution Detected via Defend for Containers',
          },
          events: ['ev-5', 'ev-6'],
        },
      ]);
      const interp = d4c([
        'rules',
        'test',
        '--rules',
        ELASTIC_RULES_DIR,
        '--events',
        fixture,
        '--interpreter',
      ]);
      expect(interp.out).toBe(r.out);
    },
  );

  withElastic('test: reads events from stdin and takes single rule files', () => {
    const file = join(
      ELASTIC_RULES_DIR,
      'cloud_defend/discovery_privilege_boundary_enumeration_from_interactive_process.toml',
    );
    const ev = {
      '@timestamp': '2026-01-01T00:00:00Z',
      event: { id: 'e1', category: 'process', type: 'start', action: 'exec' },
      host: { os: { type: 'linux' } },
      process: { name: 'whoami', args: ['whoami'] },
      container: { id: 'abc' },
    };
    const r = d4c(['rules', 'test', '--rules', file, '--events', '-'], `${JSON.stringify(ev)}\n`);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).events).toEqual(['e1']);
  });

  it('test: rule parse errors go to stderr as FILE:LINE:COL and exit 1', () => {
    const bad = join(dir, 'bad.toml');
    writeFileSync(
      bad,
      `[rule]\nrule_id = "x"\nname = "bad"\ntype = "eql"\nlanguage = "eql"\nquery = '''\nprocess where\n  name ==\n'''\n`,
    );
    const r = d4c(['rules', 'test', '--rules', bad, '--events', fixture]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`${bad}:9:1: error: expected a field, value or function, found end of query\n`);
  });

  withElastic('test: bad event lines are reported with their line and exit 1', () => {
    const ev = join(dir, 'bad.ndjson');
    writeFileSync(ev, '{"event":{"id":"a"}}\nnot json\n[1]\n');
    const r = d4c(['rules', 'test', '--rules', ELASTIC_RULES_DIR, '--events', ev]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`^${ev}:2:1: error: invalid JSON`));
    expect(r.err).toContain(`${ev}:3:1: error: each line must be a JSON object`);
  });

  it('test: ES|QL rules run once over the whole file, a detection per result row', () => {
    const esql = join(dir, 'esql.toml');
    writeFileSync(
      esql,
      `[rule]\nrule_id = "e"\nname = "hunt"\ntype = "esql"\nlanguage = "esql"\nquery = '''\nfrom logs-* | stats n = count(*) | keep n\n'''\n`,
    );
    const r = d4c(['rules', 'test', '--rules', esql, '--events', fixture]);
    expect(r.code).toBe(0);
    expect(r.err).not.toContain('not run');
    const lines = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const events = readFileSync(fixture, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '').length;
    expect(lines).toEqual([{ rule: { id: 'e', name: 'hunt' }, events: [], row: { n: events } }]);
  });

  it('test --exceptions: excepted events never reach the rules that name the list; problems with positions', () => {
    const ruleFile = join(dir, 'shells.toml');
    writeFileSync(
      ruleFile,
      `[rule]\nrule_id = "sh"\nname = "shells"\ntype = "eql"\nlanguage = "eql"\nquery = '''\nprocess where process.name in ("sh", "bash")\n'''\n[[rule.exceptions_list]]\nid = "so-1"\nlist_id = "ci"\nnamespace_type = "single"\ntype = "detection"\n[[rule.exceptions_list]]\nid = "so-2"\nlist_id = "gone"\nnamespace_type = "single"\ntype = "detection"\n`,
    );
    const events = join(dir, 'shells.ndjson');
    const ev = (id: string, name: string, ns: string) =>
      JSON.stringify({
        '@timestamp': '2026-11-28T00:00:00Z',
        event: { id, category: ['process'] },
        process: { name },
        orchestrator: { namespace: ns },
      });
    writeFileSync(
      events,
      `${[ev('a', 'sh', 'ci-builds'), ev('b', 'bash', 'prod'), ev('c', 'sh', 'ci-nightly')].join('\n')}\n`,
    );
    const ex = join(dir, 'ex.ndjson');
    writeFileSync(
      ex,
      `${JSON.stringify({ list_id: 'ci', item_id: 'ci-ns', entries: [{ field: 'orchestrator.namespace', operator: 'included', type: 'wildcard', value: 'ci-*' }] })}\n`,
    );
    const r = d4c(['rules', 'test', '--rules', ruleFile, '--events', events, '--exceptions', ex]);
    expect(r.code).toBe(0);
    expect(
      r.out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).events),
    ).toEqual([['b']]);
    expect(r.err).toContain(
      "warning: rule 'shells' (sh) names exception list 'gone', which no --exceptions file holds",
    );
    // Without --exceptions the lists are metadata: every shell fires.
    const plain = d4c(['rules', 'test', '--rules', ruleFile, '--events', events]);
    expect(plain.out.trim().split('\n')).toHaveLength(3);
    // A value-list entry is refused at its position; the run goes on and exits 1.
    const bad = join(dir, 'bad-ex.ndjson');
    const line = JSON.stringify({
      list_id: 'ci',
      item_id: 'v',
      entries: [{ field: 'source.ip', type: 'list', list: { id: 'ips', type: 'ip' } }],
    });
    writeFileSync(bad, `${line}\n`);
    const b = d4c(['rules', 'test', '--rules', ruleFile, '--events', events, '--exceptions', bad]);
    expect(b.code).toBe(1);
    expect(b.err).toContain(
      `${bad}:1:${line.indexOf('"source.ip"') + 1}: error: entry on "source.ip": value-list entries`,
    );
  });

  withElastic(
    "test: d4c's exceptions for Elastic's rules apply by default; --no-default-exceptions skips them",
    () => {
      // A container whose command is a shell: its init (pid 1 of the container, marked
      // process.container_entry: init) looks like an exec to "Exec Into Container Detected via Defend for Containers".
      const init = {
        '@timestamp': '2026-11-28T00:00:01.000Z',
        event: { id: 'init-1', kind: 'event', category: ['process'], type: ['start'], action: 'exec' },
        host: { os: { type: 'linux' } },
        container: { id: 'c'.repeat(64) },
        process: {
          pid: 4200,
          vpid: 1,
          container_entry: 'init',
          container_init: true,
          name: 'sh',
          entity_id: 'e1',
          entry_leader: { entity_id: 'e1', same_as_process: true, entry_meta: { type: 'container' } },
        },
      };
      const exec = {
        ...init,
        event: { ...init.event, id: 'exec-1' },
        process: { ...init.process, vpid: 7, container_entry: 'exec', container_init: false },
      };
      const events = join(dir, 'init-and-exec.ndjson');
      writeFileSync(events, `${JSON.stringify(init)}\n${JSON.stringify(exec)}\n`);
      const rule = join(ELASTIC_RULES_DIR, 'cloud_defend/execution_interactive_exec_to_container.toml');
      const ids = (args: string[]) =>
        d4c(['rules', 'test', '--rules', rule, '--events', events, ...args])
          .out.trim()
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => (JSON.parse(l) as { events: string[] }).events[0]);
      expect(ids([])).toEqual(['exec-1']);
      expect(ids(['--no-default-exceptions'])).toEqual(['init-1', 'exec-1']);
    },
  );

  it('usage errors exit 2', () => {
    expect(d4c(['rules', 'test', '--rules', 'rules']).code).toBe(2);
    expect(d4c(['rules', 'test', '--bogus']).code).toBe(2);
  });

  withElastic('list: prints a table of id, name, language, severity', () => {
    const r = d4c(['rules', 'list', '--rules', ELASTIC_RULES_DIR]);
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+LANGUAGE\s+SEVERITY\s+STATUS$/);
    expect(lines).toHaveLength(68);
    expect(
      lines.some((l) => l.includes('Container Workload Protection') && / kuery +medium +ok$/.test(l)),
    ).toBe(true);
    const json = d4c(['rules', 'list', '--json', '--rules', ELASTIC_RULES_DIR]);
    expect(
      json.out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).language)
        .filter((l) => l === 'eql'),
    ).toHaveLength(66);
  });
});

describe('d4c rules (empty)', () => {
  it('test: an empty rule set is an error', () => {
    const empty = mkdtempSync(join(tmpdir(), 'd4c-empty-'));
    try {
      const r = d4c(['rules', 'test', '--rules', empty, '--events', fixture]);
      expect(r.code).toBe(1);
      expect(r.err).toContain('no rule files');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
