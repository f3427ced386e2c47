// Public entry of the block action (issue 7): fanotify enforcement driven by the policy.
export { type EnforcementReport, enforcementReport, type LsmStatus, lsmBackendStatus } from './caps.js';
export { ENFORCE_CODES } from './codes.js';
export {
  CONNECT_BLOCK_HELPER,
  type ConnectBlocker,
  type ConnectBlockOptions,
  MAX_CONNECT_RULES,
  startConnectBlock,
} from './connect-block.js';
export { DEFAULT_HELPER, type Enforcer, type EnforcerOptions, startEnforcer } from './enforcer.js';
export { HELPER_COUNTERS, type HelperCounters } from './protocol.js';
export { type ContainerFacts, type DeniedInfo, type EnforcerStats, LATENCY_BUCKETS_US } from './types.js';
