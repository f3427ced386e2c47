// `d4c query`: KQL, EQL and ES|QL over an NDJSON file and over a temp store (written with the
// store's API), output and exit codes, run in-process through main().
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain } from '../../test/run-main.js';
import { EventStore } from '../store/index.js';

const dir = mkdtempSync(join(tmpdir(), 'd4c-query-cli-'));
const storeDir = join(dir, 'store');
const file = join(dir, 'events.ndjson');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ds = (kind: string) => ({ type: 'logs', dataset: `cloud_defend.${kind}`, namespace: 'default' });
const EVENTS = [
  {
    '@timestamp': '2026-01-01T00:00:00.000Z',
    event: { id: 'e1', category: ['process'], action: 'exec', type: ['start'] },
    process: { name: 'bash', executable: '/bin/bash', interactive: true, entity_id: 'p1', pid: 5 },
    orchestrator: { namespace: 'prod' },
    container: { id: 'c1' },
    data_stream: ds('process'),
  },
  {
    '@timestamp': '2026-01-01T00:00:01.000Z',
    event: { id: 'e2', category: ['file'], action: 'creation', type: ['creation'] },
    file: { path: '/usr/bin/x', name: 'x' },
    process: { name: 'bash', entity_id: 'p1', pid: 5 },
    orchestrator: { namespace: 'prod' },
    container: { id: 'c1' },
    data_stream: ds('file'),
  },
  {
    '@timestamp': '2026-01-01T00:00:02.000Z',
    event: { id: 'e3', category: ['process'], action: 'exec', type: ['start'] },
    process: { name: 'x', executable: '/usr/bin/x', interactive: false, entity_id: 'p2', pid: 6 },
    orchestrator: { namespace: 'prod' },
    container: { id: 'c1' },
    data_stream: ds('process'),
  },
  {
    '@timestamp': '2026-01-01T00:05:00.000Z',
    event: { id: 'e4', category: ['process'], action: 'exec', type: ['start'] },
    process: { name: 'sh', executable: '/bin/sh', interactive: true, entity_id: 'p3', pid: 7 },
    orchestrator: { namespace: 'dev' },
    container: { id: 'c2' },
    data_stream: ds('process'),
  },
];

beforeAll(async () => {
  writeFileSync(file, `${EVENTS.map((e) => JSON.stringify(e)).join('\n')}\n`);
  const store = await EventStore.open({ dir: storeDir });
  for (const e of EVENTS) store.write(e, `logs-${e.data_stream.dataset}-default`);
  await store.close();
});

async function run(...argv: string[]): Promise<{ code: number; out: unknown[]; err: string }> {
  const r = await runMain(['query', ...argv]);
  return {
    code: r.code,
    out: r.out
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l)),
    err: r.err,
  };
}

const ids = (xs: unknown[]) => xs.map((x) => (x as { event: { id: string } }).event.id);

describe.each([
  ['file', ['--events', file]],
  ['store', ['--store', storeDir]],
])('d4c query over a %s', (_name, src) => {
  it('KQL prints matching documents in order', async () => {
    const r = await run('--kql', 'process.interactive:true and not orchestrator.namespace:dev', ...src);
    expect(r.code).toBe(0);
    expect(ids(r.out)).toEqual(['e1']);
    expect(r.out[0]).toEqual(EVENTS[0]);
  });
  it('EQL event queries, with --limit and --from/--to', async () => {
    expect(ids((await run('--eql', 'process where process.name : ("bash", "sh", "x")', ...src)).out)).toEqual(
      ['e1', 'e3', 'e4'],
    );
    expect(ids((await run('--eql', 'process where true', '--limit', '2', ...src)).out)).toEqual(['e1', 'e3']);
    expect(
      ids(
        (
          await run(
            '--eql',
            'any where true',
            '--from',
            '2026-01-01T00:00:01Z',
            '--to',
            '2026-01-01T00:05:00Z',
            ...src,
          )
        ).out,
      ),
    ).toEqual(['e2', 'e3']);
  });
  it('EQL sequences print {"sequence": [docs…]} per match', async () => {
    const r = await run(
      '--eql',
      'sequence with maxspan=1m [file where event.type == "creation"] by file.path [process where true] by process.executable',
      ...src,
    );
    expect(r.code).toBe(0);
    expect(r.out).toEqual([{ sequence: [EVENTS[1], EVENTS[2]] }]);
  });
  it('ES|QL prints rows as objects', async () => {
    const r = await run(
      '--esql',
      'FROM logs-cloud_defend.* | WHERE process.interactive == true | STATS shells = COUNT(*) BY orchestrator.namespace | SORT shells DESC',
      ...src,
    );
    expect(r.code).toBe(0);
    expect(r.out).toEqual([
      { shells: 1, 'orchestrator.namespace': 'prod' },
      { shells: 1, 'orchestrator.namespace': 'dev' },
    ]);
    const k = await run(
      '--esql',
      'FROM logs-* | WHERE event.category == "process" | KEEP event.id, process.name',
      '--limit',
      '2',
      ...src,
    );
    expect(k.out).toEqual([
      { 'event.id': 'e1', 'process.name': 'bash' },
      { 'event.id': 'e3', 'process.name': 'x' },
    ]);
  });
  it('ES|QL: executables created then run in a container', async () => {
    const q =
      'FROM logs-* | WHERE event.action == "exec" AND STARTS_WITH(process.executable, "/usr/") | STATS n = COUNT(*), containers = COUNT_DISTINCT(container.id) BY process.executable';
    expect((await run('--esql', q, ...src)).out).toEqual([
      { n: 1, containers: 1, 'process.executable': '/usr/bin/x' },
    ]);
  });
  it('query errors name <query>:LINE:COL and exit 1', async () => {
    const e1 = await run('--esql', 'FROM logs-* | WHERE foo(1)', ...src);
    expect(e1.code).toBe(1);
    expect(e1.err).toBe('<query>:1:21: error: function FOO is not supported\n');
    const e2 = await run('--eql', 'process where\n  process.name ==', ...src);
    expect(e2.code).toBe(1);
    expect(e2.err).toMatch(/^<query>:2:\d+: error: /);
    const e3 = await run('--kql', 'a:(b', ...src);
    expect(e3.code).toBe(1);
    expect(e3.err).toMatch(/^<query>:1:\d+: error: /);
  });
  it('ES|QL warnings go to stderr with their position (in-memory evaluation only)', async () => {
    const r = await run('--esql', 'FROM logs-* | EVAL x = 1 / 0 | KEEP x | LIMIT 1', ...src);
    expect(r.out).toEqual([{ x: null }]);
    if (_name === 'file') expect(r.err).toMatch(/^<query>:1:26: warning: division by zero/m);
  });
});

describe('d4c query usage and input errors', () => {
  it('exit 2 without exactly one language, or with bad options', async () => {
    expect((await run('--events', file)).code).toBe(2);
    expect((await run('--kql', 'a', '--eql', 'any where true', '--events', file)).code).toBe(2);
    expect((await run('--kql', 'a', '--limit', '0', '--events', file)).code).toBe(2);
    expect((await run('--kql', 'a', '--events', file, '--store', storeDir)).code).toBe(2);
    expect((await run('--kql', 'a', '--bogus')).code).toBe(2);
  });
  it('a bad event line is an error at FILE:LINE:1', async () => {
    const bad = join(dir, 'bad.ndjson');
    writeFileSync(bad, '{"a":1}\n[1]\n');
    const r = await run('--kql', 'a:1', '--events', bad);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`${bad}:2:1: error: an event must be a JSON object\n`);
  });
  it('a missing store is an error, not a new empty store', async () => {
    const r = await run('--kql', 'a:1', '--store', join(dir, 'nope'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no event store in .*nope/);
  });
  it('a bad time is an error', async () => {
    const r = await run('--kql', 'a:1', '--events', file, '--from', 'yesterday-ish');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/invalid time for --from/);
  });
});

describe('d4c query output formats', () => {
  const tty = (argv: string[], columns = 200) => runMain(['query', ...argv], { terminal: { columns } });
  const rows = (out: string) => out.split('\n').filter(Boolean);

  it('piped, NDJSON stays the default (the lines scripts read)', async () => {
    const r = await runMain(['query', '--kql', 'event.id:e1', '--events', file]);
    expect(r.out).toBe(`${JSON.stringify(EVENTS[0])}\n`);
  });
  it('on a terminal: a table of the ECS fields the hits have', async () => {
    const r = await tty(['--kql', 'process.name:bash', '--events', file]);
    expect(r.code).toBe(0);
    expect(rows(r.out)).toEqual([
      '@timestamp                action    namespace  process  file',
      '2026-01-01T00:00:00.000Z  exec      prod       bash',
      '2026-01-01T00:00:01.000Z  creation  prod       bash     /usr/bin/x',
    ]);
    expect(r.err).toBe('');
    // --format ndjson on a terminal is the NDJSON of a pipe.
    const n = await tty(['--kql', 'process.name:bash', '--events', file, '--format', 'ndjson']);
    expect(rows(n.out).map((l) => JSON.parse(l))).toEqual([EVENTS[0], EVENTS[1]]);
  });
  it('ES|QL: the result columns, numbers right-aligned; fitted to a narrow terminal', async () => {
    const q = 'FROM logs-* | STATS events = COUNT(*) BY orchestrator.namespace | SORT orchestrator.namespace';
    const r = await tty(['--esql', q, '--store', storeDir]);
    expect(rows(r.out)).toEqual(['events  orchestrator.namespace', '     1  dev', '     3  prod']);
    const narrow = await tty(['--esql', q, '--store', storeDir], 22);
    expect(rows(narrow.out)).toEqual(['events  orchestrator.…', '     1  dev', '     3  prod']);
    // Narrower than the second column's minimum (its header's first 12): it is left out, and said.
    const tiny = await tty(['--esql', q, '--store', storeDir], 16);
    expect(rows(tiny.out)).toEqual(['events', '     1', '     3']);
    expect(tiny.err).toBe(
      'd4c query: no room for orchestrator.namespace (a wider terminal, or --fields, shows them)\n',
    );
  });
  it('--fields chooses the columns (nested paths, arrays), for table and csv', async () => {
    const r = await tty([
      '--eql',
      'any where true',
      '--events',
      file,
      '--fields',
      'event.id,event.category,pid',
    ]);
    expect(rows(r.out)).toEqual([
      'event.id  event.category  pid',
      'e1        process',
      'e2        file',
      'e3        process',
      'e4        process',
    ]);
    const c = await runMain([
      'query',
      '--kql',
      'event.id:e1',
      '--events',
      file,
      '--format',
      'csv',
      '--fields',
      'event.id,event.type,process.pid,process.interactive',
    ]);
    expect(c.out).toBe('event.id,event.type,process.pid,process.interactive\r\ne1,"[""start""]",5,true\r\n');
  });
  it('CSV without --fields: the full default header, the same whatever the hits', async () => {
    const r = await runMain(['query', '--kql', 'event.id:e4', '--events', file, '--format', 'csv']);
    expect(r.out).toBe(
      '@timestamp,kibana.alert.rule.name,rule.name,event.action,orchestrator.namespace,orchestrator.resource.name,container.name,process.name,process.args,file.path,destination.address,destination.port\r\n' +
        '2026-01-01T00:05:00.000Z,,,exec,dev,,,sh,,,,\r\n',
    );
    const none = await runMain(['query', '--kql', 'event.id:nope', '--events', file, '--format', 'csv']);
    expect(none.out.split('\r\n')).toHaveLength(2);
  });
  it("a document's control characters reach a terminal escaped; piped CSV keeps them (quoted)", async () => {
    const evil = join(dir, 'evil.ndjson');
    writeFileSync(
      evil,
      `${JSON.stringify({ file: { path: '/tmp/\x1b[2Jx\ny,z' }, process: { name: 'sh' } })}\n`,
    );
    const t = await tty(['--kql', 'process.name:sh', '--events', evil]);
    expect(t.out).toBe('process  file\nsh       /tmp/\\u001b[2Jx\\ny,z\n');
    const args = ['--kql', 'process.name:sh', '--events', evil, '--format', 'csv', '--fields', 'file.path'];
    expect((await tty(args)).out).toBe('file.path\r\n"/tmp/\\u001b[2Jx\\ny,z"\r\n');
    expect((await runMain(['query', ...args])).out).toBe('file.path\r\n"/tmp/\x1b[2Jx\ny,z"\r\n');
  });
  it('EQL sequences: a row per event, numbered by match', async () => {
    const q =
      'sequence with maxspan=1m [file where event.type == "creation"] by file.path [process where true] by process.executable';
    const r = await tty(['--eql', q, '--events', file, '--fields', 'event.id,process.name']);
    expect(rows(r.out)).toEqual([
      'sequence  event.id  process.name',
      '       1  e2        bash',
      '       1  e3        x',
    ]);
    const c = await runMain([
      'query',
      '--eql',
      q,
      '--events',
      file,
      '--format',
      'csv',
      '--fields',
      'event.id',
    ]);
    expect(c.out).toBe('sequence,event.id\r\n1,e2\r\n1,e3\r\n');
  });
  it('no results: said so in a table; --limit reached is noted on stderr', async () => {
    const r = await tty(['--kql', 'event.id:nope', '--events', file]);
    expect(r.out).toBe('(no results)\n');
    const l = await tty(['--kql', 'process.name:*', '--events', file, '--limit', '2']);
    expect(rows(l.out)).toHaveLength(3);
    expect(l.err).toBe('d4c query: the first 2 results; there may be more (--limit N)\n');
  });
  it('a bad --format, or --fields with NDJSON, is a usage error (exit 2) naming it', async () => {
    const r = await runMain(['query', '--kql', 'a:1', '--events', file, '--format', 'yaml']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^d4c query: --format takes ndjson, table, csv, not "yaml"\nusage: d4c query/);
    const f = await runMain(['query', '--kql', 'a:1', '--events', file, '--fields', 'a']);
    expect(f.code).toBe(2);
    expect(f.err).toMatch(/--fields applies to --format table and csv/);
  });
});
