// `d4c query`: KQL, EQL and ES|QL over an NDJSON file and over a temp store (written with the
// store's API), output and exit codes, run in-process through main().
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain } from '../../test/run-main.js';
import { EventStore } from '../output/store/index.js';

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
