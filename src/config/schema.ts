// JSON schema of the agent's configuration file (validated with ajv). Keys are snake_case as in
// Elastic Agent's configuration; every key has a flag (docs/outputs.md lists both).

import { DURATION_PATTERN, SIZE_PATTERN } from './units.js';

const size = {
  anyOf: [
    { type: 'integer', minimum: 0 },
    { type: 'string', pattern: SIZE_PATTERN },
  ],
};
const duration = {
  anyOf: [
    { type: 'integer', minimum: 0 },
    { type: 'string', pattern: DURATION_PATTERN },
  ],
};
const str = { type: 'string', minLength: 1 };

export const CONFIG_SCHEMA = {
  $id: 'https://d4c.dev/schema/agent-config.json',
  type: 'object',
  additionalProperties: false,
  properties: {
    namespace: { type: 'string', pattern: '^[a-z0-9_][a-z0-9_.]{0,99}$' },
    store: {
      type: 'object',
      additionalProperties: false,
      properties: { enabled: { type: 'boolean' }, dir: str, max_age: duration, max_size: size },
    },
    elasticsearch: {
      type: 'object',
      additionalProperties: false,
      properties: {
        hosts: {
          anyOf: [
            { type: 'array', items: { type: 'string', pattern: '^https?://' }, minItems: 1 },
            { type: 'string', pattern: '^https?://' },
          ],
        },
        api_key: str,
        username: str,
        password: { type: 'string' },
        ca: str,
        verify_tls: { type: 'boolean' },
        skip_templates: { type: 'boolean' },
        timeout: duration,
        batch_docs: { type: 'integer', minimum: 1, maximum: 100_000 },
        batch_size: size,
        compression: { type: 'boolean' },
        backoff_max: duration,
      },
    },
    spool: {
      type: 'object',
      additionalProperties: false,
      properties: {
        dir: str,
        max_size: size,
        full_policy: { enum: ['drop_oldest', 'drop_newest'] },
        fsync: { type: 'boolean' },
        dead_letter: str,
      },
    },
    kubernetes: {
      type: 'object',
      additionalProperties: false,
      properties: {
        cluster_name: str,
        cluster_id: str,
        kubeconfig: str,
        node_name: str,
        api: { type: 'boolean' },
        timeout: duration,
      },
    },
    metrics: {
      type: 'object',
      additionalProperties: false,
      properties: {
        addr: { type: 'string', pattern: '^(off|(\\[[0-9a-fA-F:.]+\\]|[^:\\[\\]\\s]*):\\d{1,5})$' },
        heartbeat_period: duration,
        metrics_period: duration,
      },
    },
  },
} as const;
