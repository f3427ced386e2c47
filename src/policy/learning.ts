// The learning policy (`d4c agent --learn`, `d4c policy default --learning`): `d4c baseline`
// learns a workload from its stored execs, file changes and connections, which d4c's default
// policy does not all log. It logs every operation of every section except reads (readFile
// must be named with paths) and alerts on and blocks nothing, so running it changes nothing in
// the containers. The agent watches containers only unless --include-host.

/** How the agent names the learning policy in its ready line. */
export const LEARNING_POLICY_NAME =
  'd4c learning (logs every exec, file change and connection; alerts on and blocks nothing)';

export const LEARNING_POLICY = `# d4c's learning policy: what \`d4c baseline\` needs in the store to learn each workload.
# Logs every process, file-change and network operation in containers; alerts on nothing and
# blocks nothing. Run it with \`d4c agent --learn\` for the learning window, then
# \`d4c baseline --store DIR\` writes the policy of what each workload did (docs/baseline.md).
process:
  selectors:
    # Every fork and exec: the executables each workload runs.
    - name: learnProcesses
      operation: [fork, exec]
  responses:
    - match: [learnProcesses]
      actions: [log]
file:
  selectors:
    # Every create, modify and delete: the paths each workload writes.
    - name: learnFileChanges
      operation: [createExecutable, modifyExecutable, createFile, modifyFile, deleteFile]
  responses:
    - match: [learnFileChanges]
      actions: [log]
network:
  selectors:
    # Every connect, accept, bind and listen: each workload's destinations and services.
    - name: learnNetwork
      operation: [connect, accept, bind, listen]
  responses:
    - match: [learnNetwork]
      actions: [log]
`;
