// The embedded event store (DuckDB). See docs/store.md.

export { STORE_CODES } from './codes.js';
export {
  FALLBACK_MAX_DOCS,
  NoSql,
  runOnStore,
  type StoreRunInfo,
  type StoreRunOptions,
  translate,
} from './esql.js';
export { makeStoreDir, STORE_DIR_MODE, STORE_FILE_MODE, storeDirWarning } from './modes.js';
export type {
  AggregateRow,
  ProcessTree,
  RetentionResult,
  StoreOptions,
  StoreStats,
  StoreUsage,
} from './options.js';
export type {
  AggregateOptions,
  Filter,
  FilterOp,
  Metric,
  MetricOp,
  QueryOptions,
  Scalar,
  TimeBound,
} from './query.js';
export { timeMicros } from './query.js';
export { PROMOTED } from './schema.js';
export { EventStore } from './store.js';
