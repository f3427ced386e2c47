// The Elasticsearch output: a SpoolOutput (disk spool, retries, dead letters) around EsSender.
import { SpoolOutput, type SpoolOutputOptions } from '../spool/output.js';
import { type EsOptions, EsSender } from './sender.js';

export { ES_CODES } from './codes.js';
export type { EsOptions } from './sender.js';
export { EsSender, redactor } from './sender.js';
export { MANAGED_BY, TEMPLATE_VERSION, templates } from './templates.js';

export type EsOutputOptions = EsOptions & Omit<SpoolOutputOptions, 'sender'>;

/** An Output writing through a disk spool (at `dir`) to Elasticsearch. */
export function createEsOutput(opts: EsOutputOptions): SpoolOutput {
  return new SpoolOutput({ ...opts, sender: new EsSender(opts) });
}
