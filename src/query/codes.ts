// Stable error codes of `d4c query` and the agent's query socket. Never renumber: users grep for
// them. Syntax errors of the query itself carry the front end's codes (EQL, KQL, ES|QL).
import { errorCodes } from '../util/index.js';

export const QUERY_CODES = errorCodes('QUERY', {
  badTime: [1, 'invalid time for --<option>: <value>'],
  unreadable: [2, 'cannot read <file>: <reason>'],
  badEvents: [3, 'invalid JSON / an event must be a JSON object (in the events file)'],
  noStore: [4, 'no event store in <dir> (give --store DIR, or --events FILE.ndjson)'],
  agentUnreachable: [
    5,
    'the store is in use and no agent serves queries / the agent stopped answering on <socket>',
  ],
  timeout: [6, 'query timed out after <n> ms'],
  badRequest: [7, 'bad query request: <reason>'],
  badSocket: [8, 'query socket <path> has mode <mode>, not 600 / path too long'],
  readOnly: [9, 'only read queries are served'],
  clientGone: [10, 'the client went away'],
  busy: [11, 'the agent is busy with other queries; try again'],
  outOfMemory: [12, 'the query needed more than the <n> MB of memory a served query may use; it was stopped'],
  workerFailed: [13, 'the query worker stopped: <reason>'],
});
