// `d4c agent --k8s-audit-log FILE | --k8s-audit-webhook HOST:PORT`: the flags, checked before
// the agent starts (a refused address is a usage error), into the audit attachment.
import { checkWebhookListen, type K8sAudit, type K8sAuditOptions, WebhookError } from '../k8s/audit/index.js';
import { UsageError } from './args.js';

export const K8S_AUDIT_OPTIONS = {
  'k8s-audit-log': { type: 'string' },
  'k8s-audit-webhook': { type: 'string' },
  'k8s-audit-tls-cert': { type: 'string' },
  'k8s-audit-tls-key': { type: 'string' },
} as const;

interface Values {
  'k8s-audit-log'?: string;
  'k8s-audit-webhook'?: string;
  'k8s-audit-tls-cert'?: string;
  'k8s-audit-tls-key'?: string;
}

/** The attachment's options the flags ask for; undefined without them. */
export function k8sAuditFromFlags(v: Values): K8sAuditOptions | undefined {
  const hook = v['k8s-audit-webhook'];
  const cert = v['k8s-audit-tls-cert'];
  const key = v['k8s-audit-tls-key'];
  if (hook === undefined && (cert !== undefined || key !== undefined))
    throw new UsageError('--k8s-audit-tls-cert and --k8s-audit-tls-key need --k8s-audit-webhook');
  let webhook: { host: string; port: number; tlsCert?: string; tlsKey?: string } | undefined;
  if (hook !== undefined) {
    const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(hook);
    const port = Number(m?.[3]);
    if (!m || !(port >= 0 && port <= 65535))
      throw new UsageError('--k8s-audit-webhook takes HOST:PORT (e.g. 127.0.0.1:9466)');
    webhook = {
      host: (m[1] ?? m[2]) as string,
      port,
      ...(cert !== undefined ? { tlsCert: cert } : {}),
      ...(key !== undefined ? { tlsKey: key } : {}),
    };
    try {
      checkWebhookListen(webhook);
    } catch (e) {
      if (e instanceof WebhookError) throw new UsageError(e.message);
      throw e;
    }
  }
  const file = v['k8s-audit-log'];
  if (file === undefined && webhook === undefined) return undefined;
  return { ...(file !== undefined ? { logFile: file } : {}), ...(webhook ? { webhook } : {}) };
}

/** Its part of the ready line. */
export function k8sAuditLine(a: K8sAudit): string {
  const parts = [];
  if (a.logFile !== undefined) parts.push(`log ${a.logFile}`);
  if (a.webhookUrl !== undefined) parts.push(`webhook ${a.webhookUrl}`);
  return `k8s audit ${parts.join(' + ')}`;
}
