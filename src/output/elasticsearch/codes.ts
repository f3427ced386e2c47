// Stable error codes of the Elasticsearch output's settings (checked before the agent starts).
// Never renumber: users grep for them. Delivery failures are retried through the spool, not thrown.
import { errorCodes } from '../../util/index.js';

export const ES_CODES = errorCodes('ES', {
  badUrl: [
    1,
    'no Elasticsearch URL given / invalid Elasticsearch URL: <url> / Elasticsearch URL must be http(s): <url> (secrets redacted)',
  ],
  badCa: [2, 'cannot read CA file <file>: <errno>'],
});
