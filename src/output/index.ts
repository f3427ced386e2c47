// Outputs: where ECS documents go (the embedded store, NDJSON, Elasticsearch through its spool).
// Each output takes documents without blocking the caller and batches them on its own schedule.
export type { EcsDoc } from '../ecs/index.js';
export { createEsOutput, ES_CODES } from './elasticsearch/index.js';
export { NdjsonSink } from './ndjson-sink.js';
export { type OpenedOutputs, type OpenOutputsOptions, openOutputs } from './open.js';
export type { Output, OutputStats } from './output.js';
export { SPOOL_CODES } from './spool/codes.js';
export { SpoolOutput } from './spool/index.js';
export { storeSink } from './store-sink.js';
