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
  async () => (await import('./policy.js')).runTest,
);
register(
  'sensor events',
  'run the eBPF sensor and print its records as NDJSON (root)',
  async () => (await import('./sensor.js')).runEvents,
);
