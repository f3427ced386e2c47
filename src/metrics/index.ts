// The agent's own observability: Prometheus endpoint + /healthz, heartbeat and metrics documents.
export type { HeartbeatOptions, HeartbeatScheduler } from './heartbeat.js';
export { startHeartbeats } from './heartbeat.js';
export type { AgentStatsSnapshot, Health, MetricsServer, MetricsServerOptions } from './server.js';
export { agentRegistry, startMetricsServer } from './server.js';
