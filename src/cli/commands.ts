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
  'rules test',
  'run detection rules (Elastic TOML: EQL, KQL) over NDJSON events',
  async () => (await import('./rules.js')).runTest,
);
register(
  'rules list',
  'list detection rules (id, name, language, severity)',
  async () => (await import('./rules.js')).runList,
);
