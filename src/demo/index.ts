// `d4c demo`'s terminal view: one line per document and the closing summary.
export { formatDocLine } from './format.js';
export { AlertSummary } from './summary.js';
