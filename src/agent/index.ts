// The agent: one process per node wiring the sensor, process table, container metadata, policy,
// ECS documents, outputs and detection rules. See docs/agent.md.
export { AGENT_VERSION, type AgentOptions } from './agent-options.js';
export { detectionDoc } from './detections.js';
export type { BlockMode, EnforceOptions } from './enforcement.js';
export { agentMetrics, metricsSnapshot } from './observe.js';
export { Pipeline, type PipelineParts } from './pipeline.js';
/** The node agent (the runtime; `Agent` is its name for callers). */
export { Runtime as Agent, Runtime, type RuntimeOptions } from './runtime.js';
export type { ServiceName, ServiceOptions, Services } from './services.js';
export { type AgentCounters, type AgentStats, formatStats } from './stats.js';
export { TTY_DEFAULTS, TtyOutput } from './tty-output.js';
