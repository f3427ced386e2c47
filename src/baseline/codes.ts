// Stable error codes of `d4c baseline` (reading the stored events of a window, writing the learned
// policy). Never renumber: users grep for them.
import { errorCodes } from '../util/index.js';

export const BASELINE_CODES = errorCodes('BASE', {
  noStore: [1, 'no event store in <dir> (give --store DIR)'],
  storeBusy: [
    2,
    'the event store in <dir> is in use by another process and no agent serves queries on <socket>: wait for that process to end, or stop it',
  ],
  samePage: [
    3,
    'more than <n> stored events share one timestamp; cannot page through the agent (stop the agent to read the store directly)',
  ],
  badPolicy: [
    10,
    'the learned policy does not validate: <diagnostic> (<line>); a bug: report it with the line',
  ],
});
