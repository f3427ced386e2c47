// Kubernetes API access for the agent: cluster identity (orchestrator.cluster.*, cloud.*).

export {
  type AuditAttachment,
  type AuditEvent,
  auditDocument,
  checkWebhookListen,
  ExecJoin,
  execAuditEvent,
  execRequestOf,
  K8sAudit,
  type K8sAuditOptions,
  type K8sAuditStats,
  microTime,
  WebhookError,
} from './audit/index.js';
export { type ApiSource, type ApiSourceKind, findApiSource, SERVICE_ACCOUNT_DIR } from './config.js';
export {
  type ClusterIdentity,
  type ClusterIdentityCounters,
  type ClusterIdentityOptions,
  ClusterIdentitySource,
  cloudFromNode,
} from './identity.js';
