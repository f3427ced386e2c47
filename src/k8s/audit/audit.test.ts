// Kubernetes audit without root: parsing, the file follower (rotation, truncation, partial
// lines, file:line of malformed ones), the exec/session join both ways, the audit documents and
// Elastic's four D4C + audit-log rules over them, the webhook (loopback rule, batches).
import { appendFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  auditDocument,
  checkWebhookListen,
  type ExecEventInput,
  ExecJoin,
  execAuditEvent,
  execRequestOf,
  FileFollower,
  K8sAudit,
  parseAuditLine,
  parseWebhookBody,
} from './index.js';

// biome-ignore lint/suspicious/noExplicitAny: documents are read field by field, as JSON
type Doc = any;

const T0 = Date.parse('2026-12-07T10:00:00.000Z');

function execEvent(over: Partial<ExecEventInput> = {}) {
  return execAuditEvent({
    auditID: 'a-1',
    stage: 'ResponseComplete',
    namespace: 'shop',
    pod: 'web',
    container: 'web',
    command: ['sh'],
    user: { username: 'alice@example.com', uid: 'u-1', groups: ['dev', 'system:authenticated'] },
    sourceIPs: ['10.0.0.9'],
    userAgent: 'kubectl/v1.31.0',
    stdin: true,
    tty: true,
    receivedMs: T0,
    stageMs: T0 + 50,
    ...over,
  });
}

/** A process document of an exec'd session (the fields the join reads). */
function sessionDoc(
  o: {
    eid?: string;
    startMs?: number;
    args?: string[];
    pod?: string;
    container?: string;
    entry?: string;
  } = {},
) {
  const args = o.args ?? ['sh'];
  return {
    '@timestamp': new Date((o.startMs ?? T0 + 300) + 5).toISOString(),
    event: { kind: 'event', action: 'exec' },
    container: { id: 'c1', name: o.container ?? 'web' },
    orchestrator: { namespace: 'shop', resource: { name: o.pod ?? 'web', type: 'pod' } },
    process: {
      name: args[0],
      container_entry: o.entry ?? 'exec',
      entry_leader: {
        entity_id: o.eid ?? 'E1',
        name: args[0],
        args,
        start: new Date(o.startMs ?? T0 + 300).toISOString(),
      },
    },
  } as Record<string, unknown> & { kubernetes?: { audit?: Record<string, unknown> } };
}

describe('audit events', () => {
  it('parses an exec event and its request', () => {
    const p = parseAuditLine(JSON.stringify(execEvent({ command: ['sh', '-c', 'id; ls /'] })));
    expect(p.ok).toBe(true);
    if (!p.ok) return;
    expect(execRequestOf(p.event)).toMatchObject({
      kind: 'exec',
      namespace: 'shop',
      pod: 'web',
      container: 'web',
      command: ['sh', '-c', 'id; ls /'],
      atMs: T0,
      user: { username: 'alice@example.com' },
    });
  });

  it('says why a line is no audit event', () => {
    expect(parseAuditLine('{"kind":"Event"')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^not JSON/),
    });
    expect(parseAuditLine('[1]')).toEqual({ ok: false, reason: 'not a JSON object' });
    expect(parseAuditLine('{"kind":"Pod"}')).toEqual({ ok: false, reason: 'kind Pod, not Event' });
    const noId = { ...execEvent(), auditID: undefined };
    expect(parseAuditLine(JSON.stringify(noId))).toEqual({ ok: false, reason: 'no auditID' });
    const badTime = { ...execEvent(), requestReceivedTimestamp: 'yesterday' };
    expect(parseAuditLine(JSON.stringify(badTime))).toMatchObject({ ok: false });
  });

  it('takes exec and attach that were let through, at ResponseStarted or ResponseComplete', () => {
    expect(execRequestOf(execEvent({ stage: 'ResponseStarted' }))).toBeDefined();
    expect(execRequestOf({ ...execEvent(), stage: 'RequestReceived' })).toBeUndefined();
    expect(execRequestOf({ ...execEvent(), responseStatus: { code: 403 } })).toBeUndefined();
    const attach = {
      ...execEvent(),
      objectRef: { resource: 'pods', namespace: 'shop', name: 'web', subresource: 'attach' },
    };
    expect(execRequestOf(attach)).toMatchObject({ kind: 'attach', command: [] });
    const get = { ...execEvent(), objectRef: { resource: 'secrets', namespace: 'shop', name: 'x' } };
    expect(execRequestOf(get)).toBeUndefined();
  });

  it('reads webhook EventList batches item by item', () => {
    const body = JSON.stringify({
      kind: 'EventList',
      apiVersion: 'audit.k8s.io/v1',
      items: [execEvent(), { kind: 'Event' }],
    });
    const r = parseWebhookBody(body);
    expect('items' in r && r.items.map((p) => p.ok)).toEqual([true, false]);
    expect(parseWebhookBody('nope')).toMatchObject({ error: expect.stringMatching(/^not JSON/) });
  });

  it("writes Elastic's audit_logs layout: annotations de-dotted, object metadata dropped", () => {
    const ev = { ...execEvent(), requestObject: { metadata: { name: 'x' }, spec: { a: 1 } } };
    const d = auditDocument(ev, { namespace: 'default', nowMs: T0 + 1000 }) as Doc;
    expect(d.data_stream).toEqual({ type: 'logs', dataset: 'kubernetes.audit_logs', namespace: 'default' });
    expect(d['@timestamp']).toBe('2026-12-07T10:00:00.000Z');
    expect(d.kubernetes.audit.annotations).toEqual({
      'authorization_k8s_io/decision': 'allow',
      'authorization_k8s_io/reason': '',
    });
    expect(d.kubernetes.audit.requestObject).toEqual({ spec: { a: 1 } });
    expect(d.kubernetes.audit.user.username).toBe('alice@example.com');
    expect(d.event.id).toBe('a-1-ResponseComplete');
  });
});

describe('the exec/session join', () => {
  const req = (over: Partial<ExecEventInput> = {}) => execRequestOf(execEvent(over))!;

  it('stamps a session whose request came first, on every document of it', () => {
    const j = new ExecJoin();
    j.request(req());
    const d1 = sessionDoc();
    j.enrich(d1);
    expect(d1.kubernetes?.audit).toMatchObject({
      auditID: 'a-1',
      user: { username: 'alice@example.com', uid: 'u-1', groups: ['dev', 'system:authenticated'] },
      sourceIPs: ['10.0.0.9'],
      userAgent: 'kubectl/v1.31.0',
      objectRef: { subresource: 'exec' },
    });
    const child = sessionDoc({ args: ['sh'] });
    (child.process as Doc).name = 'cat';
    j.enrich(child);
    expect(child.kubernetes?.audit?.auditID).toBe('a-1');
    expect(j.counters).toMatchObject({ requests: 1, attributed: 1, docsStamped: 2 });
  });

  it('updates a session that started before its request arrived, from its next document on', () => {
    const j = new ExecJoin();
    const first = sessionDoc();
    j.enrich(first);
    expect(first.kubernetes).toBeUndefined();
    j.request(req());
    const next = sessionDoc();
    j.enrich(next);
    expect(next.kubernetes?.audit?.user).toMatchObject({ username: 'alice@example.com' });
  });

  it('keeps other pods, containers, times and the container init out', () => {
    const j = new ExecJoin();
    j.request(req());
    for (const d of [
      sessionDoc({ eid: 'P', pod: 'api' }),
      sessionDoc({ eid: 'C', container: 'sidecar' }),
      sessionDoc({ eid: 'L', startMs: T0 + 11_000 }),
      sessionDoc({ eid: 'B', startMs: T0 - 2_500 }),
      sessionDoc({ eid: 'I', entry: 'init' }),
    ]) {
      j.enrich(d);
      expect(d.kubernetes, JSON.stringify(d.process)).toBeUndefined();
    }
  });

  it('joins two concurrent execs by their commands', () => {
    const j = new ExecJoin();
    j.request(req({ auditID: 'a-sh', command: ['sh'], user: { username: 'alice' } }));
    j.request(req({ auditID: 'a-top', command: ['top', '-b'], user: { username: 'bob' } }));
    const top = sessionDoc({ eid: 'T', args: ['top', '-b'] });
    const sh = sessionDoc({ eid: 'S', args: ['sh'] });
    j.enrich(top);
    j.enrich(sh);
    expect(top.kubernetes?.audit?.user).toEqual({ username: 'bob' });
    expect(sh.kubernetes?.audit?.user).toEqual({ username: 'alice' });
  });

  it('counts the second stage of a request once, and a session without a request as unattributed', () => {
    const j = new ExecJoin({ lateMs: 1000 });
    j.request(req({ stage: 'ResponseStarted' }));
    j.request(req({ stage: 'ResponseComplete' }));
    expect(j.counters.requests).toBe(1);
    const lone = sessionDoc({ eid: 'X', pod: 'api' });
    j.enrich(lone);
    j.tick(T0 + 300 + 500);
    expect(j.counters.unattributed).toBe(0);
    j.tick(T0 + 300 + 1500);
    expect(j.counters.unattributed).toBe(1);
    expect(j.pending.sessions).toBe(0);
    j.flush();
    expect(j.counters.unmatchedRequests).toBe(1);
  });

  it('attach names the user on the container init documents from the attach on', () => {
    const j = new ExecJoin();
    const attach = {
      ...execEvent(),
      objectRef: { resource: 'pods', namespace: 'shop', name: 'web', subresource: 'attach' },
    };
    j.request(
      execRequestOf({ ...attach, requestURI: '/api/v1/namespaces/shop/pods/web/attach?container=web' })!,
    );
    const before = sessionDoc({ eid: 'I', entry: 'init', startMs: T0 - 10_000 });
    before['@timestamp'] = new Date(T0 - 5000).toISOString();
    const after = sessionDoc({ eid: 'I', entry: 'init' });
    j.enrich(before);
    j.enrich(after);
    expect(before.kubernetes).toBeUndefined();
    expect(after.kubernetes?.audit?.objectRef).toEqual({ subresource: 'attach' });
  });
});

describe('the file follower', () => {
  let dir = '';
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads appended lines from the end, whole, through rotation and truncation', () => {
    dir = mkdtempSync(join(tmpdir(), 'd4c-audit-'));
    const file = join(dir, 'audit.log');
    writeFileSync(file, 'old 1\nold 2\n');
    const got: string[] = [];
    const f = new FileFollower(file, { onLine: (l, n) => got.push(`${n}:${l}`), pollMs: 60_000 });
    f.start();
    appendFileSync(file, 'new 3\nhalf');
    f.poll();
    expect(got).toEqual(['3:new 3']);
    appendFileSync(file, ' done\n');
    f.poll();
    expect(got).toEqual(['3:new 3', '4:half done']);
    // Rotation: the tail of the old file is read before the new one.
    appendFileSync(file, 'last of old\n');
    renameSync(file, `${file}.1`);
    writeFileSync(file, 'first of new\n');
    f.poll();
    expect(got.slice(2)).toEqual(['5:last of old', '1:first of new']);
    expect(f.rotations).toBe(1);
    truncateSync(file, 0);
    // (A truncated file refilled past the old offset before a poll cannot be told from growth.)
    appendFileSync(file, 'cut\n');
    f.poll();
    expect(got.at(-1)).toBe('1:cut');
    f.stop();
  });

  it('reads a file that appears later from its first line', () => {
    dir = mkdtempSync(join(tmpdir(), 'd4c-audit-'));
    const file = join(dir, 'later.log');
    const got: string[] = [];
    const f = new FileFollower(file, { onLine: (l) => got.push(l), pollMs: 60_000 });
    f.start();
    f.poll();
    writeFileSync(file, 'one\ntwo\n');
    f.poll();
    expect(got).toEqual(['one', 'two']);
    f.stop();
  });
});

describe('K8sAudit', () => {
  let dir = '';
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('counts malformed lines and reports FILE:LINE, and goes on', async () => {
    dir = mkdtempSync(join(tmpdir(), 'd4c-audit-'));
    const file = join(dir, 'audit.log');
    writeFileSync(file, '');
    const warnings: string[] = [];
    const docs: Doc[] = [];
    const a = new K8sAudit({ logFile: file, pollMs: 20, onWarning: (m) => warnings.push(m) });
    await a.start((d) => docs.push(d));
    appendFileSync(
      file,
      `${JSON.stringify(execEvent())}\n{broken\n\n${JSON.stringify(execEvent({ auditID: 'a-2' }))}\n`,
    );
    await a.stop();
    expect(docs.map((d) => d.kubernetes.audit.auditID)).toEqual(['a-1', 'a-2']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(new RegExp(`^k8s audit: ${file}:2: skipped, not JSON`));
    expect(a.stats()).toMatchObject({ events: 2, malformed: 1, lastMalformed: `${file}:2`, requests: 2 });
  });

  it('takes webhook batches on loopback, refuses other addresses without TLS', async () => {
    expect(() => checkWebhookListen({ host: '0.0.0.0' })).toThrow(/needs --k8s-audit-tls-cert/);
    expect(() => checkWebhookListen({ host: '127.0.0.1', tlsCert: 'c' })).toThrow(/go together/);
    const docs: Doc[] = [];
    const warnings: string[] = [];
    const a = new K8sAudit({ webhook: { host: '127.0.0.1', port: 0 }, onWarning: (m) => warnings.push(m) });
    await a.start((d) => docs.push(d));
    try {
      const url = new URL(a.webhookUrl!);
      const post = (body: string) =>
        new Promise<number>((resolve, reject) => {
          const r = request(
            {
              host: url.hostname,
              port: url.port,
              method: 'POST',
              path: '/',
              headers: { 'content-type': 'application/json' },
            },
            (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            },
          );
          r.on('error', reject);
          r.end(body);
        });
      const list = {
        kind: 'EventList',
        apiVersion: 'audit.k8s.io/v1',
        items: [execEvent(), { kind: 'Event' }],
      };
      expect(await post(JSON.stringify(list))).toBe(200);
      expect(await post('{')).toBe(400);
    } finally {
      await a.stop();
    }
    expect(docs).toHaveLength(1);
    expect(warnings).toEqual([
      'k8s audit: webhook batch 1 item 2: skipped, no auditID',
      expect.stringMatching(/^k8s audit: webhook batch 2: skipped, not JSON/),
    ]);
    expect(a.stats()).toMatchObject({ events: 1, malformed: 2, webhookBatches: 2 });
  });
});
