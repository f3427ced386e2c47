// The agent: one process per node wiring the sensor, process table, container metadata, policy,
// ECS documents, outputs and detection rules. See docs/agent.md.
export { AGENT_VERSION, Agent, type AgentOptions } from './agent.js';
export { detectionDoc } from './detections.js';
export type { BlockMode, EnforceOptions } from './enforcement.js';
export { agentMetrics, metricsSnapshot } from './observe.js';
export { type AgentCounters, type AgentStats, formatStats } from './stats.js';
export { TTY_DEFAULTS, TtyOutput } from './tty-output.js';
