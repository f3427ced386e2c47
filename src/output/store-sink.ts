// The embedded store as an output. The store (src/store) is a database that query, rules, the
// console and the agent share; it keeps the Output contract without importing src/output, and
// this is where that is checked, at compile time.
import type { EventStore } from '../store/index.js';
import type { Output } from './output.js';

export function storeSink(store: EventStore): Output {
  return store;
}
