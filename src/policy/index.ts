// Public entry of the policy module: load/validate, the default policy, the JSON Schema.

export { policyIdentity } from './agent-input.js';
export {
  DEFAULT_ENFORCEMENT_CAPS,
  type EnforcementCaps,
  FULL_ENFORCEMENT_CAPS,
  withConnectBlock,
} from './check.js';
export { CODES } from './codes.js';
export { compilePolicy } from './compile.js';
export { CONDITION_BY_NAME, CONDITIONS, type ConditionSpec, selectorOperations } from './conditions.js';
export {
  CONNECT_OP_BIND,
  CONNECT_OP_CONNECT,
  CONNECT_PROTO_TCP,
  CONNECT_PROTO_UDP,
  type ConnectRule,
  connectBlockProblem,
  connectBlockRules,
} from './connect-rules.js';
export { DEFAULT_POLICY, DEFAULT_POLICY_NAME, ELASTIC_DEFAULT_POLICY } from './default.js';
export { updateGenerated } from './docs.js';
export { type CompiledPolicy, firingResponses, readPathPrefixes } from './evaluate.js';
export { ecsField, policyEventFromEcs } from './from-ecs.js';
export { interpret } from './interpret.js';
export { LEARNING_POLICY, LEARNING_POLICY_NAME } from './learning.js';
export { type ParseOptions, type ParseResult, parsePolicy } from './load.js';
export * from './model.js';
export { imageReferenceTag, imageRepositoryName, normalizeImageName } from './patterns.js';
export { buildPolicy, elasticDefaultPolicy, type SelectorSpec } from './policy-builder.js';
export { policyJsonSchema } from './schema.js';
export { MAX_FILE_BYTES } from './source.js';
