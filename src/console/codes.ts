// Stable error codes of the console (`d4c console`, `d4c agent --console`, its API). Never
// renumber: users grep for them. The API answers them as `{error: {code, message}}` (400).
import { errorCodes } from '../util/index.js';

export const CONSOLE_CODES = errorCodes('CONSOLE', {
  needsTls: [
    1,
    'refusing to serve the console on <host> without TLS (give --tls-cert and --tls-key, or --insecure-listen)',
  ],
  badTime: [2, 'invalid time for <parameter>: <value>'],
  tlsPair: [3, 'give both --tls-cert and --tls-key, or neither'],
  cannotListen: [4, 'cannot listen on <host>:<port>: <reason>'],
  noStore: [5, 'no event store in <dir> (give --store DIR)'],
  storeHeld: [
    6,
    'the event store in <dir> is held by a running agent: serve the console from it (d4c agent --console)',
  ],
  sessionParams: [10, 'give ?id=ENTRY_LEADER or ?entity=PROCESS'],
  noProcess: [11, 'no events of process <entity> in the store'],
  noSession: [12, 'no session <leader> in the store'],
  huntLang: [20, 'unknown query language <lang>: kql, eql or esql'],
  huntEmpty: [21, 'an empty query'],
  draftTooLarge: [30, 'a draft policy larger than 1 MiB'],
  postureBy: [40, 'posture: by takes workload or image'],
  postureWindow: [41, 'posture: a bad window (since: a duration such as 2h; until: ISO-8601 or epoch ms)'],
  token: [401, 'a valid console token is required (HTTP 401)'],
});
