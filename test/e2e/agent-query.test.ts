// `d4c query` while a real agent holds the store: the agent (real CLI, eBPF sensor, default
// policy) records a podman container's execs into its store; `d4c query` (real CLI, another
// process) cannot open the locked DuckDB file and goes through the agent's query socket;
// KQL, EQL and ES|QL answer with the container's events. After the agent is killed with -9 the
// store opens directly again and the same events are there.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { D4C, type Doc, type RunningAgent, startAgent } from './agent-runner.js';
import { removeAll, runContainer, type TestContainer } from './containers.js';
import { describeLive } from './gate.js';

function query(args: string[]): Promise<{ code: number | null; out: string; err: string; docs: Doc[] }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [D4C, 'query', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
    });
    c.stderr.setEncoding('utf8').on('data', (s: string) => {
      err += s;
    });
    c.on('close', (code) =>
      resolve({
        code,
        out,
        err,
        docs: out
          .split('\n')
          .filter((l) => l.length > 0)
          .map((l) => JSON.parse(l)),
      }),
    );
  });
}

const NOTE = /^d4c query: the store is held by a running agent; querying through it \(.*query\.sock\)$/m;

describeLive('podman')('d4c query while the agent holds the store (live)', () => {
  let dir: string;
  let store: string;
  let agent: RunningAgent | undefined;
  let box: TestContainer;
  let first: Awaited<ReturnType<typeof query>>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'd4c-agent-query-'));
    store = join(dir, 'store');
    chmodSync(dir, 0o755); // as /var/lib is: only the store's own modes keep others out
    agent = await startAgent(['--store', store]);
    box = await runContainer({});
    await box.exec(['sh', '-c', 'cat /etc/hostname > /dev/null; cat /etc/passwd > /dev/null']);
    // Batches reach the store within the flush interval: ask until they are there.
    const deadline = Date.now() + 30_000;
    do {
      first = await query(['--kql', `container.id:${box.id} and event.action:exec`, '--store', store]);
      if (first.docs.some((d) => d.process?.args?.[1] === '/etc/passwd')) break;
      await new Promise((r) => setTimeout(r, 250));
    } while (Date.now() < deadline);
  }, 60_000);

  afterAll(async () => {
    await agent?.stop();
    await removeAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the store root’s alone: another user cannot read it', () => {
    expect(statSync(store).mode & 0o777).toBe(0o700);
    expect(statSync(join(store, 'events.duckdb')).mode & 0o077).toBe(0);
    const r = spawnSync('runuser', ['-u', 'nobody', '--', 'cat', join(store, 'events.duckdb')], {
      encoding: 'utf8',
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/Permission denied/);
  });

  it('answers KQL through the agent and says so once on stderr', () => {
    expect(agent?.stderr()).toMatch(/ready \(.*store .*\(queries on .*query\.sock\)/);
    expect(first.code).toBe(0);
    expect(first.err.match(new RegExp(NOTE, 'gm'))).toHaveLength(1);
    // busybox applets: process.name is busybox, the arguments say which.
    const args = first.docs.map((d) => d.process.args.join(' '));
    expect(args).toEqual(
      expect.arrayContaining([
        'sh -c cat /etc/hostname > /dev/null; cat /etc/passwd > /dev/null',
        'cat /etc/hostname',
        'cat /etc/passwd',
      ]),
    );
    for (const d of first.docs) {
      expect(d.container.id).toBe(box.id);
      expect(d.event.action).toBe('exec');
    }
  });

  it('answers EQL and ES|QL through the agent', async () => {
    const eql = await query([
      '--eql',
      `process where event.action == "exec" and container.id == "${box.id}" and process.args : "/etc/hostname"`,
      '--store',
      store,
    ]);
    expect(eql.code).toBe(0);
    expect(eql.err).toMatch(NOTE);
    expect(eql.docs.map((d) => d.process.args.join(' '))).toEqual(['cat /etc/hostname']);
    const esql = await query([
      '--esql',
      `FROM logs-cloud_defend.process-* | WHERE container.id == "${box.id}" AND event.action == "exec" | STATS n = COUNT(*) BY process.name | SORT process.name`,
      '--store',
      store,
      '--explain',
    ]);
    expect(esql.code).toBe(0);
    expect(esql.err).toContain('esql: translated to SQL');
    const rows = new Map(esql.docs.map((r) => [r['process.name'], r.n]));
    expect(rows.get('busybox')).toBeGreaterThanOrEqual(2);
  });

  it('reports a query error as the direct path does (position, no stack trace)', async () => {
    const r = await query(['--esql', 'FROM logs-* | WHERE process.name ==', '--store', store]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^<query>:1:\d+: error: /m);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('answers the fuzzing reproducers with positioned errors and stays up (issue 22)', async () => {
    const cases: [string, string, RegExp][] = [
      ['--esql', `FROM logs-* | EVAL x = 1${' + 1'.repeat(4000)}`, /nested or chained more than 200 levels/],
      ['--esql', 'FROM logs-* | EVAL x = 9223372036854775807 + 1 | KEEP x', /the store could not evaluate/],
      ['--esql', 'FROM logs-* | EVAL x = REPLACE(process.name, "(", "y")', /invalid regular expression/],
      ['--kql', `${'a.'.repeat(5000)}b : 1`, /more than 64 segments/],
    ];
    for (const [lang, text, msg] of cases) {
      const r = await query([lang, text, '--store', store]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/^<query>:1:\d+: error: /m);
      expect(r.err).toMatch(msg);
      expect(r.err).not.toMatch(/\n\s+at /);
    }
    // The agent is still there and answers.
    expect(existsSync(join(store, 'query.sock'))).toBe(true);
    const again = await query(['--kql', `container.id:${box.id} and event.action:exec`, '--store', store]);
    expect(again.code).toBe(0);
    expect(again.docs.length).toBe(first.docs.length);
  });

  it('after the agent is killed with -9, the store opens directly with the same events', async () => {
    const a = agent as RunningAgent;
    agent = undefined;
    a.child.kill('SIGKILL');
    await a.stop();
    expect(existsSync(join(store, 'query.sock'))).toBe(true); // left behind, and ignored
    const r = await query(['--kql', `container.id:${box.id} and event.action:exec`, '--store', store]);
    expect(r.code).toBe(0);
    expect(r.err).not.toMatch(NOTE);
    const ids = new Set(r.docs.map((d) => d.event.id));
    for (const d of first.docs) expect(ids.has(d.event.id)).toBe(true);
  });
});
