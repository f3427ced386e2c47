// Kubernetes API access for the agent: cluster identity (orchestrator.cluster.*, cloud.*).
export { type ApiSource, type ApiSourceKind, findApiSource, SERVICE_ACCOUNT_DIR } from './config.js';
export {
  type ClusterIdentity,
  type ClusterIdentityCounters,
  type ClusterIdentityOptions,
  ClusterIdentitySource,
  cloudFromNode,
} from './identity.js';
