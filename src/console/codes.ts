// Stable error codes of the console (`d4c console`, `d4c agent --console`): its listen options
// and the answers of its API (HTTP 400 with `{ error: { code, message } }`). Never renumber:
// users grep for them.
import { errorCodes } from '../util/index.js';

export const CONSOLE_CODES = errorCodes('CONSOLE', {
  noTls: [
    1,
    'refusing to serve the console on <host> without TLS: give --tls-cert FILE --tls-key FILE (or --insecure-listen)',
  ],
  badTime: [2, 'invalid time for <param>: <value> (epoch ms or an ISO date)'],
  tlsPair: [3, 'give both --tls-cert and --tls-key, or neither'],
  cannotListen: [
    4,
    'cannot listen on <host>:<port>: <reason> (is the port in use? choose another: d4c console --listen, d4c agent --console HOST:PORT)',
  ],
  noStore: [5, 'no event store in <dir> (give --store DIR)'],
  storeHeld: [
    6,
    'the event store in <dir> is held by a running agent: serve the console from it with `d4c agent --console HOST:PORT`',
  ],
  noSessionId: [10, 'give ?id=ENTRY_LEADER or ?entity=PROCESS'],
  noProcess: [11, 'no events of process <entity> in the store'],
  noSession: [12, 'no session <leader> in the store'],
  badLang: [20, 'unknown query language <lang>: kql, eql or esql'],
  emptyQuery: [21, 'an empty query'],
  draftTooLarge: [30, 'a draft policy larger than 1 MiB'],
  postureBy: [40, 'posture: by takes workload or image'],
  postureWindow: [41, 'posture: a bad window (since: a duration such as 2h; until: ISO-8601 or epoch ms)'],
  noToken: [
    401,
    'a valid console token is required (HTTP 401): open the address the console printed (it carries the token; a restart makes a new one)',
  ],
});
