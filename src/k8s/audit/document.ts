// An audit event as a document of `logs-kubernetes.audit_logs-<ns>`, in the layout Elastic's
// Kubernetes integration writes (the whole event under kubernetes.audit, annotation keys with
// their dots made underscores, request/response object metadata dropped), so that rules
// written for that stream (Elastic's multi-source D4C + audit rules) run over it unchanged.
import type { AuditEvent } from './event.js';

export const AUDIT_DATASET = 'kubernetes.audit_logs';

export interface AuditDocOptions {
  /** data_stream.namespace (the agent's, default `default`). */
  namespace?: string;
  /** event.ingested / event.created (default now). */
  nowMs?: number;
}

export function auditDocument(ev: AuditEvent, o: AuditDocOptions = {}): Record<string, unknown> {
  const audit: Record<string, unknown> = { ...ev };
  if (ev.annotations) {
    const a: Record<string, string> = {};
    for (const [k, v] of Object.entries(ev.annotations)) a[k.replaceAll('.', '_')] = v;
    audit.annotations = a;
  }
  for (const k of ['requestObject', 'responseObject'] as const) {
    const obj = ev[k];
    if (obj && typeof obj === 'object' && !Array.isArray(obj)) {
      const { metadata: _, ...rest } = obj as Record<string, unknown>;
      audit[k] = rest;
    }
  }
  const now = new Date(o.nowMs ?? Date.now()).toISOString();
  return {
    '@timestamp': new Date(Date.parse(ev.requestReceivedTimestamp)).toISOString(),
    // One document per event and stage (a request has one auditID for all its stages).
    event: {
      id: `${ev.auditID}-${ev.stage}`,
      kind: 'event',
      module: 'kubernetes',
      dataset: AUDIT_DATASET,
      created: now,
      ingested: now,
    },
    data_stream: { type: 'logs', dataset: AUDIT_DATASET, namespace: o.namespace ?? 'default' },
    ecs: { version: '8.11.0' },
    kubernetes: { audit },
  };
}
