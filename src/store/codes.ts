// Stable error codes of the event store (DuckDB) and its query API. Never renumber: users grep
// for them.
import { errorCodes } from '../util/index.js';

export const STORE_CODES = errorCodes('STORE', {
  cannotOpen: [1, 'cannot open the event store: <reason> (already open, in use, worker failed)'],
  closed: [2, 'the event store is closed'],
  badOption: [3, 'invalid store option <name>: <value>'],
  badField: [10, 'invalid field name <name>: expected an ECS dotted name'],
  badQuery: [11, 'invalid value, filter, order, metric or entity id in a store query: <detail>'],
  badStreams: [12, 'streams must be a non-empty list of data streams'],
  badTime: [13, 'invalid time for <what>: <value>'],
  badLimit: [14, 'invalid limit <n>: expected an integer from 1 to 1000000'],
});
