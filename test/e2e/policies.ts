// Policy sections the live tests share (YAML text for startAgent's `policy`); a test appends
// the sections of its own subject.

/** Every exec logged, as selector `execs`: the process events a test reads its workload by. */
export const LOG_EXECS = `process:
  selectors:
    - name: execs
      operation: [exec]
  responses:
    - match: [execs]
      actions: [log]
`;

/** Every fork and exec logged, as selector `allProcesses`. */
export const LOG_PROCESSES = `process:
  selectors:
    - name: allProcesses
      operation: [fork, exec]
  responses:
    - match: [allProcesses]
      actions: [log]
`;

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
