// The decision thread's decision, without the helper: container facts pushed by cgroup path,
// the terminal read from /proc (a fake one here), unknown containers, late verdicts.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePolicy } from '../policy/index.js';
import { Decider } from './decide.js';
import { KIND_EXEC, KIND_WRITE, type Request } from './protocol.js';

const proc = mkdtempSync(join(tmpdir(), 'd4c-decide-'));
afterAll(() => rmSync(proc, { recursive: true, force: true }));

/** A process in the fake /proc: its stat line (session, tty_nr). */
function processAt(pid: number, tty = 0): void {
  mkdirSync(join(proc, String(pid)));
  // comm with a space and a parenthesis: fields count from the last ')'.
  writeFileSync(join(proc, String(pid), 'stat'), `${pid} (a b) c) S 1 ${pid} ${pid} ${tty} -1 4194560\n`);
}
processAt(100);
processAt(101);
processAt(102, (136 << 8) | 3); // /dev/pts/3

const POLICY = `
file:
  selectors:
    - name: etcByEvil
      operation: [modifyFile]
      targetFilePath: [/etc/**]
    - name: trusted
      containerImageName: [trusted]
  responses:
    - match: [etcByEvil]
      exclude: [trusted]
      actions: [alert, block]
process:
  selectors:
    - name: interactive
      operation: [exec]
      sessionLeaderInteractive: true
  responses:
    - match: [interactive]
      actions: [alert, block]
`;

function decider(o: { unknownDeny?: boolean; failClosed?: boolean } = {}) {
  const r = parsePolicy(POLICY, 'decide.yaml');
  if (!r.policy) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return new Decider(
    {
      policy: r.policy,
      monitoring: false,
      unknownDeny: o.unknownDeny ?? false,
      failClosed: o.failClosed ?? false,
      delayMs: 0,
      firstWaitMs: 0,
    },
    proc,
  );
}

let nextId = 1n;
function req(pid: number, path: string, cgroupPath: string, o: Partial<Request> = {}): Request {
  return {
    id: nextId++,
    kind: KIND_WRITE,
    tid: pid,
    pid,
    mode: 0o100644,
    flags: 1,
    path,
    cgroupPath,
    deadlineNs: process.hrtime.bigint() + 10_000_000_000n,
    ...o,
  };
}

describe('Decider', () => {
  it('decides an unknown container by unknownMetadata (the block depends on it) and asks for it', () => {
    const d = decider();
    const o = d.decide(req(100, '/etc/passwd', '/c1'));
    expect(o.line).toMatch(/^a \d+\n$/);
    expect(o.report?.report).toBe('waived');
    expect(o.ask).toBe('/c1');
    // Asked again only after a while.
    expect(d.decide(req(100, '/etc/passwd', '/c1')).ask).toBeUndefined();
    expect(decider({ unknownDeny: true }).decide(req(100, '/etc/passwd', '/c1')).line).toMatch(/^d /);
  });

  it('uses the pushed container facts', () => {
    const d = decider();
    d.setContainer('/c1', { containerImageFullName: 'docker.io/library/nginx' });
    d.setContainer('/c2', { containerImageFullName: 'docker.io/library/trusted' });
    const denied = d.decide(req(100, '/etc/passwd', '/c1'));
    expect(denied.line).toMatch(/^d /);
    expect(denied.report?.report).toBe('denied');
    expect(denied.report?.info).toMatchObject({
      enforced: true,
      unknownMetadata: false,
      path: '/etc/passwd',
    });
    expect(denied.report?.info.event.containerImageFullName).toBe('docker.io/library/nginx');
    expect(d.decide(req(100, '/etc/passwd', '/c2')).line).toMatch(/^a /); // the trusted image
    expect(d.decide(req(100, '/tmp/x', '/c1')).report).toBeUndefined();
    expect(d.stats()).toMatchObject({ requests: 3, denied: 1, allowed: 2, unknownMetadata: 0 });
  });

  it('reads an interactive session from the tty in /proc/PID/stat', () => {
    const d = decider();
    d.setContainer('/c1', {});
    const o = d.decide(req(102, '/bin/ls', '/c1', { kind: KIND_EXEC }));
    expect(o.line).toMatch(/^d /);
    expect(o.report?.info.event).toMatchObject({
      processExecutable: '/bin/ls',
      sessionLeaderInteractive: true,
    });
    expect(d.decide(req(101, '/bin/ls', '/c1', { kind: KIND_EXEC })).line).toMatch(/^a /);
  });

  it('a block decided past the deadline is late: the fail mode answered', () => {
    const d = decider();
    d.setContainer('/c1', {});
    const o = d.decide(req(100, '/etc/passwd', '/c1', { deadlineNs: 0n }));
    expect(o.line).toMatch(/^a /);
    expect(o.report?.report).toBe('late');
    const closed = decider({ failClosed: true });
    closed.setContainer('/c1', {});
    const c = closed.decide(req(100, '/etc/passwd', '/c1', { deadlineNs: 0n }));
    expect(c.line).toMatch(/^d /);
    expect(c.report?.report).toBe('denied');
    expect(d.stats().late).toBe(1);
  });

  it('a cgroup is at first sight once', () => {
    const d = decider();
    expect(d.firstSight('/c9', 0)).toBe(true);
    expect(d.firstSight('/c9', 0)).toBe(false);
    d.setContainer('/c8', {});
    expect(d.firstSight('/c8', 0)).toBe(false);
  });
});
