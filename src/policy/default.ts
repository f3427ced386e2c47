// Elastic's default D4C policy, as the cloud_defend integration ships it: process telemetry
// for every fork and exec, and an alert on container drift (executables created or modified).

export const DEFAULT_POLICY = `process:
  selectors:
    - name: allProcesses
      operation: [fork, exec]
  responses:
    - match: [allProcesses]
      actions: [log]
file:
  selectors:
    - name: executableChanges
      operation: [createExecutable, modifyExecutable]
  responses:
    - match: [executableChanges]
      actions: [alert]
`;
