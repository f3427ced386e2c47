// The agent's output configuration: file (YAML/JSON) + environment + flags → typed settings, and
// the outputs they describe. See docs/outputs.md.

export { CONFIG_CODES } from './codes.js';
export type { ConfigFile } from './load.js';
export { checkConfig, loadConfig, parseConfigText } from './load.js';
export { CONFIG_SCHEMA } from './schema.js';
export type {
  AgentOutputFlagValues,
  AgentOutputSettings,
  EsSettings,
  FullPolicy,
  KubernetesSettings,
} from './settings.js';
export {
  AGENT_OUTPUT_OPTIONS,
  DEFAULTS,
  describeSettings,
  ENV,
  parseAgentOutputFlags,
  resolveAgentOutputSettings,
} from './settings.js';
export { parseDuration, parseHostPort, parseSize } from './units.js';
