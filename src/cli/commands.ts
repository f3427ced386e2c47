// The command table. Each entry names a module under src/cli/ exporting `run(argv)`.
import { register } from './registry.js';

register(
  'policy default',
  "print Elastic's default D4C policy",
  async () => (await import('./policy.js')).runDefault,
);
register(
  'policy validate',
  'validate policy files (exit 1 on errors)',
  async () => (await import('./policy.js')).runValidate,
);
register(
  'policy test',
  'evaluate a policy over recorded ECS events',
  async () => (await import('./policy-test.js')).runTest,
);
register(
  'policy schema',
  'print the JSON Schema of the policy language (for editors)',
  async () => (await import('./policy.js')).runSchema,
);
register(
  'lab up',
  'start the local containerd/CRI lab node and import images',
  async () => (await import('./lab.js')).runUp,
);
register(
  'lab down',
  'stop the lab node, remove its pods and state',
  async () => (await import('./lab.js')).runDown,
);
register(
  'lab run',
  'create a pod the way a kubelet does; prints the container id',
  async () => (await import('./lab.js')).runRun,
);
register(
  'lab exec',
  'run a command in a lab pod (-it for a terminal)',
  async () => (await import('./lab.js')).runExec,
);
register('lab rm', 'stop and remove a lab pod', async () => (await import('./lab.js')).runRm);
register('lab ps', 'list the lab pods and their containers', async () => (await import('./lab.js')).runPs);
register(
  'agent',
  'run the node agent: sensor, policy, ECS documents to NDJSON/store, rules (root)',
  async () => (await import('./agent.js')).run,
);
register(
  'demo',
  'the agent, default policy, embedded store and rule pack on a local lab of real pods (root)',
  async () => (await import('./demo.js')).run,
);
register(
  'sensor events',
  'run the eBPF sensor and print its records as NDJSON (root)',
  async () => (await import('./sensor.js')).runEvents,
);
register(
  'rules test',
  'run detection rules (Elastic TOML: EQL, KQL) over NDJSON events',
  async () => (await import('./rules.js')).runTest,
);
register(
  'rules list',
  'list detection rules (id, name, language, severity)',
  async () => (await import('./rules.js')).runList,
);
register(
  'rules export',
  "export rules as NDJSON for Kibana's detection-rule import",
  async () => (await import('./rules-export.js')).runExport,
);
register(
  'query',
  'run a KQL, EQL or ES|QL query over NDJSON events or the store',
  async () => (await import('./query.js')).run,
);
