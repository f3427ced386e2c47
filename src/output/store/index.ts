// The embedded event store (DuckDB). See docs/store.md.
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
export { PROMOTED } from './schema.js';
export {
  type AggregateRow,
  EventStore,
  type ProcessTree,
  type RetentionResult,
  type StoreOptions,
  type StoreStats,
  type StoreUsage,
} from './store.js';
