// `d4c policy test --store`: a real DuckDB store of realistic documents, replayed through the real
// CLI. The totals must equal what `policy test --events` (the same evaluator, document by
// document) says over the same documents; an event's alert copy and detection alerts are not
// counted twice; the window bounds what is read; what history cannot judge is said; and the same
// report comes back through the query socket while another process holds the store.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli } from '../../test/cli.js';
import type { EcsDoc } from '../output/index.js';
import { type QueryServer, serveQueries } from '../query/index.js';
import { EventStore } from '../store/index.js';
import { sampleDocs } from '../store/sample-docs.fixture.js';

// biome-ignore lint/suspicious/noExplicitAny: the JSON report is read as plain JSON
type J = any;

const root = mkdtempSync(join(tmpdir(), 'd4c-replay-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const T0 = Date.UTC(2026, 0, 1);
const POLICY = `process:
  selectors:
    - name: allExecs
      operation: [exec]
    - name: shells
      operation: [exec]
      processExecutable: [/bin/sh]
    - name: nginx
      containerImageFullName: [docker.io/library/nginx]
  responses:
    - match: [allExecs]
      actions: [log]
    - match: [shells]
      exclude: [nginx]
      actions: [alert]
file:
  selectors:
    - name: etc
      operation: [modifyFile]
      targetFilePath: [/etc/**]
    - name: deletes
      operation: [deleteFile]
  responses:
    - match: [etc]
      actions: [alert, block]
    - match: [deletes]
      actions: [log]
network:
  selectors:
    - name: connects
      operation: [connect]
  responses:
    - match: [connects]
      actions: [alert]
`;

/** The documents: the store's sample process/file events (fork, exec, end; create, modify, delete). */
const samples = sampleDocs(3000, { startMs: T0, stepMs: 1000, containers: 12 });
// An event that was only alerted on (not logged) is in the alerts stream only: it counts too.
const alertOnly: EcsDoc = {
  ...(samples[5]?.doc as EcsDoc),
  event: { ...(samples[5]?.doc.event as object), id: 'alert-only-1', kind: 'alert' },
};
const docs: EcsDoc[] = [...samples.map((s) => s.doc), alertOnly];

/** The JSON report of `policy test --store` (stdout parsed), its exit code and stderr. */
function replayAsync(args: string[]): Promise<{ code: number | null; report: J; err: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [BIN, 'policy', 'test', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    c.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
    });
    c.stderr.setEncoding('utf8').on('data', (s: string) => {
      err += s;
    });
    c.on('close', (code) => resolve({ code, report: out ? JSON.parse(out) : undefined, err }));
  });
}

describe('d4c policy test --store', () => {
  const dir = join(root, 'store');
  const policy = join(root, 'policy.yaml');
  const events = join(root, 'events.ndjson');

  beforeAll(async () => {
    writeFileSync(policy, POLICY);
    writeFileSync(events, `${docs.map((d) => JSON.stringify(d)).join('\n')}\n`);
    const store = await EventStore.open({ dir });
    for (const s of samples) {
      store.write(s.doc, s.stream);
      if (s === samples[5]) store.write(alertOnly, 'logs-cloud_defend.alerts-default');
      // An alerted event is stored twice (its stream and the alerts stream, same event.id).
      if ((s.doc.event as { action: string }).action === 'modification')
        store.write(
          { ...s.doc, event: { ...(s.doc.event as object), kind: 'alert' } },
          'logs-cloud_defend.alerts-default',
        );
    }
    // A detection alert is not an event.
    store.write(
      {
        ...docs[1],
        cloud_defend: { detection: { rule_id: 'r', event_ids: ['x'] } },
        event: { ...(docs[1]?.event as object), id: 'det-1', kind: 'alert' },
      },
      'logs-cloud_defend.alerts-default',
    );
    await store.close();
  }, 60_000);

  it('counts what policy test --events counts over the same documents', async () => {
    const ref = runCli(['policy', 'test', '--policy', policy, '--events', events, '--no-summary']);
    expect(ref.code).toBe(0);
    const lines = ref.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { actions: string[] });
    const want = { log: 0, alert: 0, block: 0 };
    for (const l of lines) for (const a of l.actions) want[a as keyof typeof want]++;
    expect(want.alert).toBeGreaterThan(0);
    expect(want.block).toBeGreaterThan(0);

    const r = await replayAsync(['--policy', policy, '--store', dir, '--json', '--samples', '2']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const rep = r.report;
    expect(rep.totals.log).toBe(want.log);
    expect(rep.totals.alert).toBe(want.alert);
    expect(rep.totals.block).toBe(want.block);
    // Every fork/exec and create/modify/delete is judged once; `end` is not a policy event.
    const ends = docs.filter((d) => (d.event as { action: string }).action === 'end').length;
    expect(rep.totals.events).toBe(docs.length - ends);
    expect(rep.skipped).toBe(ends);
    const etc = rep.responses.find((x: J) => x.section === 'file' && x.index === 0);
    expect(etc.actions).toEqual(['alert', 'block']);
    expect(etc.events).toBe(want.block);
    expect(etc.samples).toHaveLength(2);
    expect(etc.samples[0]).toMatchObject({
      workload: expect.any(String),
      path: expect.stringMatching(/^\/etc\//),
    });
    expect(Date.parse(etc.samples[0].time)).toBeGreaterThanOrEqual(T0);
    const shells = rep.selectors.find((x: J) => x.name === 'shells');
    expect(shells.events).toBe(
      docs.filter((d: J) => d.event.action === 'exec' && d.process.executable === '/bin/sh').length,
    );
    // No network events are stored: the connect alert cannot be judged from this history.
    expect(rep.notJudged).toEqual([
      expect.objectContaining({
        section: 'network',
        operation: 'connect',
        responses: ['network.responses[0]'],
      }),
    ]);
  }, 60_000);

  it('replays only the window given', async () => {
    const until = new Date(T0 + 2000 * 1000).toISOString();
    const r = await replayAsync([
      '--policy',
      policy,
      '--store',
      dir,
      '--json',
      '--since',
      '10m',
      '--until',
      until,
    ]);
    expect(r.code).toBe(0);
    const inWindow = docs.filter((d) => {
      const t = Date.parse(String(d['@timestamp']));
      return (
        t >= T0 + 1400 * 1000 && t < T0 + 2000 * 1000 && (d.event as { action: string }).action !== 'end'
      );
    }).length;
    expect(r.report.totals.events).toBe(inWindow);
    expect(r.report.window).toEqual({ since: new Date(T0 + 1400 * 1000).toISOString(), until });
  }, 30_000);

  it('prints a readable report without --json', async () => {
    const r = runCli(['policy', 'test', '--policy', policy, '--store', dir]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^replayed \d+ stored events \(the first stored event to now, store .*\): would log \d+, alert on \d+, block \d+/,
    );
    expect(r.out).toContain('samples of file.responses[0] (alert, block):');
    expect(r.out).toMatch(/not judged .*\n {2}network connect \(network\.responses\[0\]\)/);
  });

  it('rejects bad flags with a usage error', () => {
    expect(runCli(['policy', 'test', '--policy', policy, '--store', dir, '--since', '10']).err).toMatch(
      /--since takes a duration/,
    );
    expect(runCli(['policy', 'test', '--policy', policy, '--store', dir, '--events', events]).code).toBe(2);
    expect(runCli(['policy', 'test', '--policy', policy, '--events', events, '--json']).err).toMatch(
      /--json is for --store/,
    );
    const none = runCli(['policy', 'test', '--policy', policy, '--store', join(root, 'nope')]);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/no event store in .*nope/);
  });

  describe('while another process holds the store', () => {
    let store: EventStore;
    let server: QueryServer;
    let direct: J;
    beforeAll(async () => {
      direct = (await replayAsync(['--policy', policy, '--store', dir, '--json'])).report;
      store = await EventStore.open({ dir });
      server = await serveQueries(store, dir);
    }, 60_000);
    afterAll(async () => {
      await server?.close();
      await store?.close();
    });

    it('replays through its query socket with the same report', async () => {
      const r = await replayAsync(['--policy', policy, '--store', dir, '--json']);
      expect(r.code).toBe(0);
      expect(r.err).toMatch(/held by a running agent; replaying through it \(.*query\.sock\)/);
      expect(r.report.via).toMatch(/query socket/);
      expect({ ...r.report, via: '' }).toEqual({ ...direct, via: '' });
    }, 60_000);
  });
});
