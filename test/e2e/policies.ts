// Policy sections the live tests share (YAML text for startAgent's `policy`); a test appends
// the sections of its own subject.
import { ELASTIC_DEFAULT_POLICY } from '../../src/policy/default.js';

/** Every exec logged, as selector `execs`: the process events a test reads its workload by. */
export const LOG_EXECS = `process:
  selectors:
    - name: execs
      operation: [exec]
  responses:
    - match: [execs]
      actions: [log]
`;

/** Every fork and exec logged, as selector `allProcesses`: the process section of Elastic's default. */
export const LOG_PROCESSES = ELASTIC_DEFAULT_POLICY.slice(0, ELASTIC_DEFAULT_POLICY.indexOf('\nfile:') + 1);

/** Writes under /etc alerted and blocked, as selector `etcWrites`. */
export const BLOCK_ETC_WRITES = `file:
  selectors:
    - name: etcWrites
      operation: [modifyFile]
      targetFilePath: [/etc/**]
  responses:
    - match: [etcWrites]
      actions: [alert, block]
`;
