// Stable error codes of the disk spool (the Elasticsearch output's buffer). Never renumber.
import { errorCodes } from '../../util/error-codes.js';

export const SPOOL_CODES = errorCodes('SPOOL', {
  tooSmall: [1, 'spool size must be at least 4096 bytes'],
  cannotOpen: [2, 'cannot create, open or lock spool <dir>: <reason>'],
  closed: [3, 'spool is closed'],
  inUse: [4, 'spool <dir> is in use by process <pid> / is locked'],
});
