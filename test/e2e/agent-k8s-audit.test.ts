// Kubernetes audit attribution, live (issue 17): the lab plays the API server and writes the
// pods/exec audit events of `d4c lab exec --as alice@example.com -it web -- sh` to its audit
// log; the agent follows that log (--k8s-audit-log) and names alice on the session's documents
// and on its interactive-shell alert. The same agent takes the webhook: a batch naming bob for
// an exec names bob on that session. An exec that bypasses the API (ctr straight to
// containerd) is counted unattributed; a malformed line is reported as FILE:LINE and skipped.
import { execFile, spawn } from 'node:child_process';
import { appendFileSync, existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execAuditEvent } from '../../src/k8s/audit/index.js';
import { labDown, labPaths, labUp, runPod } from '../../src/lab/index.js';
import { D4C, type Doc, startAgent, waitFor } from './agent-runner.js';

const pexec = promisify(execFile);
const SHELL_RULE = '48c69ff3-8133-4d18-951e-5332861d03b2';
const USER = 'alice@example.com';
const labOk = process.getuid?.() === 0 && existsSync('/usr/bin/containerd') && existsSync('/usr/bin/podman');

/** Runs `line` under script(1) (a terminal), typing `input` into it. */
function underTerminal(line: string, input: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', line, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
    child.stdin.end(input);
    setTimeout(() => child.kill('SIGKILL'), 30_000).unref();
  });
}

const ctrExec = (socket: string, cid: string, id: string, cmd: string[]) =>
  pexec('ctr', ['-a', socket, '-n', 'k8s.io', 'tasks', 'exec', '--exec-id', id, cid, ...cmd]);

describe.skipIf(!labOk)('Kubernetes audit attribution with d4c lab exec --as (live)', () => {
  const p = labPaths(`/tmp/d4c-lab-audit-${process.pid}`);
  let docs: Doc[] = [];
  let stats: Doc;
  let stderr = '';
  let cid = '';
  const MARK = 'audit-marker';
  const BYPASS = 'bypass-marker';
  const HOOKED = ['sh', '-c', '/bin/echo hooked-marker; /bin/echo again'];

  beforeAll(async () => {
    await labUp(p, []);
    const agent = await startAgent(
      ['--cri-socket', p.socket, '--k8s-audit-log', p.audit, '--k8s-audit-webhook', '127.0.0.1:0'],
      { defaultRules: true },
    );
    const hook = /webhook (http:\/\/127\.0\.0\.1:\d+\/)/.exec(agent.stderr())?.[1];
    try {
      cid = (
        await runPod(p, {
          namespace: 'shop',
          pod: 'web',
          labels: { app: 'web' },
          command: ['sh', '-c', 'while :; do sleep 1; done'],
        })
      ).containerId;
      await agent.waitForDoc(
        (d) => d.container?.id === cid && d.event?.action === 'exec' && d.process?.args?.[0] === 'sleep',
        "the pod's own sleep",
      );
      const line = `${process.execPath} ${D4C} lab exec --as ${USER} -it --dir ${p.dir} web -- sh`;
      const r = await underTerminal(line, `/bin/echo ${MARK}-$((6*7)); cat /etc/hostname; exit\n`);
      expect(r.out).toContain(`${MARK}-42`);
      // The webhook: bob's request, then the exec it asked for (ctr plays the kubelet).
      expect(hook, agent.stderr()).toBeDefined();
      const now = Date.now();
      const batch = {
        kind: 'EventList',
        apiVersion: 'audit.k8s.io/v1',
        items: [
          execAuditEvent({
            auditID: `hook-${process.pid}`,
            stage: 'ResponseStarted',
            namespace: 'shop',
            pod: 'web',
            container: 'web',
            command: HOOKED,
            user: { username: 'bob', groups: ['ops', 'system:authenticated'] },
            sourceIPs: ['192.0.2.7'],
            userAgent: 'kubectl/v1.31.2',
            stdin: false,
            tty: false,
            receivedMs: now,
            stageMs: now,
          }),
        ],
      };
      const res = await fetch(hook!, { method: 'POST', body: JSON.stringify(batch) });
      expect(res.status).toBe(200);
      await ctrExec(p.socket, cid, `hooked-${process.pid}`, HOOKED);
      await agent.waitForDoc(
        (d) =>
          (d.process?.args ?? []).includes('hooked-marker') && d.kubernetes?.audit?.user?.username === 'bob',
        "bob's exec, attributed",
      );
      // Straight to containerd, no API server: no audit event for it.
      await ctrExec(p.socket, cid, `bypass-${process.pid}`, ['sh', '-c', `/bin/echo ${BYPASS}`]);
      appendFileSync(p.audit, '{"kind":"Event", broken\n');
      await agent.waitForDoc(
        (d) =>
          d.event?.kind === 'alert' &&
          d.rule?.id === SHELL_RULE &&
          d.container?.id === cid &&
          d.kubernetes?.audit?.user?.username === USER,
        "alice's interactive-shell alert",
        60_000,
      );
      await agent.waitForDoc(
        (d) => d.container?.id === cid && (d.process?.args ?? []).includes(BYPASS),
        'the bypassing exec',
      );
      await waitFor(
        () => /k8s audit: .*audit\.log:\d+: skipped/.test(agent.stderr()),
        'the malformed line reported',
      );
    } finally {
      const out = await agent.stop();
      docs = out.docs;
      stats = out.stats;
      stderr = out.stderr;
    }
  }, 240_000);

  afterAll(async () => {
    await labDown(p).catch(() => {});
  }, 60_000);

  it("names alice on the session's documents and on its interactive-shell alert", () => {
    const marker = docs.find(
      (d) =>
        d.event?.action === 'exec' &&
        d.container?.id === cid &&
        (d.process?.args ?? []).some((a: string) => a.startsWith(MARK)),
    );
    expect(marker, 'exec document of the marker').toBeDefined();
    const session = marker.process.entry_leader.entity_id;
    const mine = docs.filter((d) => d.process?.entry_leader?.entity_id === session);
    expect(mine.length).toBeGreaterThan(2);
    for (const d of mine) {
      expect(d.kubernetes?.audit?.user?.username, `${d.event.action} ${JSON.stringify(d.process.args)}`).toBe(
        USER,
      );
      expect(d.kubernetes.audit.user.groups).toEqual(['system:authenticated']);
      expect(d.kubernetes.audit.objectRef).toEqual({ subresource: 'exec' });
      expect(d.kubernetes.audit.sourceIPs).toEqual(['127.0.0.1']);
    }
    // Its terminal output too.
    expect(mine.some((d) => d.event.action === 'text_output')).toBe(true);
    const alert = docs.find(
      (d) => d.event?.kind === 'alert' && d.rule?.id === SHELL_RULE && d.container?.id === cid,
    );
    expect(alert.kubernetes.audit.user.username).toBe(USER);
  });

  it('names bob, from the webhook, on the session his request started', () => {
    const hooked = docs.filter(
      (d) => d.container?.id === cid && (d.process?.args ?? []).includes('hooked-marker'),
    );
    expect(hooked.length).toBeGreaterThan(0);
    for (const d of hooked)
      expect(d.kubernetes?.audit).toMatchObject({ user: { username: 'bob' }, sourceIPs: ['192.0.2.7'] });
  });

  it('writes the audit events as logs-kubernetes.audit_logs documents', () => {
    const audit = docs.filter(
      (d) => d.data_stream?.dataset === 'kubernetes.audit_logs' && d.kubernetes.audit.user.username === USER,
    );
    expect(audit.map((d) => d.kubernetes.audit.stage).sort()).toEqual([
      'ResponseComplete',
      'ResponseStarted',
    ]);
    for (const d of audit) {
      expect(d.data_stream).toEqual({ type: 'logs', dataset: 'kubernetes.audit_logs', namespace: 'default' });
      expect(d.kubernetes.audit).toMatchObject({
        verb: 'create',
        objectRef: { resource: 'pods', subresource: 'exec', namespace: 'shop', name: 'web' },
        user: { username: USER },
        annotations: { 'authorization_k8s_io/decision': 'allow' },
      });
    }
  });

  it('leaves the exec without an API request unattributed, and counts it and the malformed line', () => {
    const bypass = docs.filter((d) => d.container?.id === cid && (d.process?.args ?? []).includes(BYPASS));
    expect(bypass.length).toBeGreaterThan(0);
    for (const d of bypass) expect(d.kubernetes).toBeUndefined();
    expect(stats.k8sAudit).toMatchObject({
      events: 3,
      malformed: 1,
      requests: 2,
      attributed: 2,
      webhookBatches: 1,
    });
    expect(stats.k8sAudit.unattributed).toBeGreaterThanOrEqual(1);
    expect(stderr).toMatch(new RegExp(`k8s audit: ${p.audit}:3: skipped, not JSON`));
  });
});
