// Public entry of the policy evaluators: compile a validated Policy once, then decide per event.
// `interpret` is the plain reference evaluator (tests, differential checks, benchmarks).

export { type CompiledPolicy, compilePolicy } from './compile.js';
export { type EcsConversion, ecsField, modeIsExecutable, policyEventFromEcs } from './from-ecs.js';
export { firingResponses, interpret } from './interpret.js';
export { imageReferenceTag, imageRepositoryName, normalizeImageName } from './patterns.js';
export { buildPolicy, elasticDefaultPolicy } from './policy-builder.js';
export { literalPrefix, readPathPrefixes } from './read-prefixes.js';
