// Stable error codes of the agent's output configuration (the --config file, the environment and
// the output flags). Never renumber: users grep for them. 005 was published but never thrown:
// it stays unused.
import { errorCodes } from '../util/index.js';

export const CONFIG_CODES = errorCodes('CFG', {
  read: [1, 'cannot read configuration file: <errno> (the --config path must be a readable file)'],
  syntax: [2, 'YAML or JSON syntax error, including a duplicate key: <parser message>'],
  invalid: [
    3,
    'schema violation: unknown key (at the key), wrong type, bad size, duration, URL or address (the first by position, and <n> more problems)',
  ],
  flag: [
    4,
    '--<flag>: <problem> (a bad flag value or combination, e.g. --es-api-key with --es-username, auth flags without --es-url)',
  ],
  exposed: [
    6,
    'holds a secret (elasticsearch.<key>) and is readable/writable by other users (mode <mode>): chmod o-rw it (e.g. 0600), or pass the secret in the environment (D4C_ES_API_KEY, D4C_ES_PASSWORD)',
  ],
  insecure: [7, '--es-url: "<url>" would send credentials in clear text: use https://, or --allow-insecure'],
});
