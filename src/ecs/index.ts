// ECS documents for D4C's data streams: typed inputs (the contract with the sensor and the
// process table), compiled builders, and the helpers the process table and the policy share.

export type {
  AgentMetrics,
  EcsBuilderOptions,
  EcsBuilderStats,
  HeartbeatInput,
  HelperRestartInput,
} from './builder.js';
export { createEcsBuilder, EcsBuilder } from './builder.js';
export {
  allCapsMask,
  CAP_ALL,
  CAP_NAMES,
  CapabilityNames,
  capMask,
  capNames,
  DEFAULT_LAST_CAP,
} from './capabilities.js';
export { dnsFields } from './dns.js';
export { decodeEntityId, entityId, entityIdFromTicks, startTicks, USER_HZ } from './entity-id.js';
export type { EventIdGenerator } from './event-id.js';
export { randomEventIds, sequentialEventIds } from './event-id.js';
export type { FieldDef, FieldOrigin, FieldType } from './fields.js';
export { FIELDS, fieldDef, flattenFieldNames, LEADER_FIELDS, LEADERS } from './fields.js';
export type { ImageRef, ImageRefResult } from './image.js';
export { DEFAULT_DOMAIN, normaliseImageName, parseImageRef, tryParseImageRef } from './image.js';
export type * from './input.js';
export { serializeDoc } from './json.js';
export { baseName, fileType, octalMode, pathParts } from './path.js';
export { filePolicyEvent, networkPolicyEvent, processPolicyEvent } from './policy-event.js';
export type { EntryCandidate, EntryDecision, EntryParent, TtyKind } from './session.js';
export { classifyEntry, isContainerRuntimeName, isInteractive, ttyKind } from './session.js';
export { AGENT_TYPE, ECS_VERSION, keyValueList } from './static.js';
export type { DataStream, Stream } from './streams.js';
export { dataStream, dataStreamName, dataStreams, routeEvent, STREAMS, validNamespace } from './streams.js';
export type * from './types.js';
