// The lab plays the API server's part for its own execs: `d4c lab exec [--as USER]` appends
// the audit events kube-apiserver would write for that pods/exec request to LABDIR/audit/audit.log
// (ResponseStarted when the stream opens, ResponseComplete when it ends), so an agent following
// that file (--k8s-audit-log) names the user on the session (docs/sessions.md).
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { execAuditEvent } from '../k8s/audit/index.js';
import type { LabPaths } from './node.js';

/** Who `d4c lab exec` is without --as: the admin user kubeadm's admin.conf holds. */
export const LAB_DEFAULT_USER = 'kubernetes-admin';

export interface LabExecAudit {
  namespace: string;
  pod: string;
  container: string;
  command: string[];
  user?: string;
  stdin: boolean;
  tty: boolean;
}

/** Writes the opening event now; the returned function writes the closing one. */
export function auditExec(p: LabPaths, x: LabExecAudit): () => void {
  const auditID = randomUUID();
  const receivedMs = Date.now();
  const user = x.user ?? LAB_DEFAULT_USER;
  const ev = (stage: 'ResponseStarted' | 'ResponseComplete') =>
    execAuditEvent({
      auditID,
      stage,
      namespace: x.namespace,
      pod: x.pod,
      container: x.container,
      command: x.command,
      user: {
        username: user,
        groups:
          x.user === undefined
            ? ['kubeadm:cluster-admins', 'system:authenticated']
            : ['system:authenticated'],
      },
      sourceIPs: ['127.0.0.1'],
      userAgent: 'd4c-lab-exec',
      stdin: x.stdin,
      tty: x.tty,
      receivedMs,
      stageMs: Date.now(),
    });
  append(p, ev('ResponseStarted'));
  return () => append(p, ev('ResponseComplete'));
}

function append(p: LabPaths, ev: object): void {
  mkdirSync(dirname(p.audit), { recursive: true, mode: 0o700 });
  // One write per line: a reader never sees half of one.
  appendFileSync(p.audit, `${JSON.stringify(ev)}\n`, { mode: 0o600 });
}
