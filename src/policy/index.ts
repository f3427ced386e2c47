// Public entry of the policy module: load/validate, the default policy, the JSON Schema.
export {
  DEFAULT_ENFORCEMENT_CAPS,
  type EnforcementCaps,
  FULL_ENFORCEMENT_CAPS,
  withConnectBlock,
} from './check.js';
export { CODES } from './codes.js';
export { CONDITIONS, type ConditionSpec } from './conditions.js';
export { type ConnectRule, connectBlockProblem, connectBlockRules } from './connect-rules.js';
export { DEFAULT_POLICY, DEFAULT_POLICY_NAME, ELASTIC_DEFAULT_POLICY } from './default.js';
export { LEARNING_POLICY, LEARNING_POLICY_NAME } from './learning.js';
export { type ParseOptions, type ParseResult, parsePolicy } from './load.js';
export * from './model.js';
export { policyJsonSchema } from './schema.js';
