// Reads the agent's configuration file (YAML or JSON: JSON is parsed as YAML 1.2), validates it
// with ajv and reports the first problems as D4cErrors at FILE:LINE:COL.

import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { isMap, isNode, LineCounter, type Node, parseDocument } from 'yaml';
import { D4cError, type Position } from '../util/index.js';
import { CONFIG_CODES } from './codes.js';
import { CONFIG_SCHEMA } from './schema.js';

/** The configuration file as written (snake_case keys; sizes and durations still unparsed). */
export interface ConfigFile {
  namespace?: string;
  store?: { enabled?: boolean; dir?: string; max_age?: string | number; max_size?: string | number };
  elasticsearch?: {
    hosts?: string[] | string;
    api_key?: string;
    username?: string;
    password?: string;
    ca?: string;
    verify_tls?: boolean;
    skip_templates?: boolean;
    timeout?: string | number;
    batch_docs?: number;
    batch_size?: string | number;
    compression?: boolean;
    backoff_max?: string | number;
  };
  spool?: {
    dir?: string;
    max_size?: string | number;
    full_policy?: 'drop_oldest' | 'drop_newest';
    fsync?: boolean;
    dead_letter?: string;
  };
  kubernetes?: {
    cluster_name?: string;
    cluster_id?: string;
    kubeconfig?: string;
    node_name?: string;
    api?: boolean;
    timeout?: string | number;
  };
  metrics?: { addr?: string; heartbeat_period?: string | number; metrics_period?: string | number };
}

let validator: ReturnType<Ajv['compile']> | undefined;
function validate() {
  validator ??= new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(CONFIG_SCHEMA);
  return validator;
}

/** Where the value at a JSON pointer (ajv's instancePath) was written. */
export interface Located {
  pos(path: readonly (string | number)[], key?: string): Position;
}

/** Parses text into the raw object and a locator; throws D4cError on syntax errors. */
export function parseConfigText(text: string, file: string): { value: unknown; locate: Located } {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  const err = doc.errors[0];
  if (err) {
    const lp = lc.linePos(err.pos[0]);
    throw new D4cError(CONFIG_CODES.syntax.code, err.message.split('\n')[0] ?? 'syntax error', file, {
      line: lp.line,
      col: lp.col,
    });
  }
  const at = (offset: number): Position => {
    const lp = lc.linePos(offset);
    return { line: lp.line, col: lp.col };
  };
  const locate: Located = {
    pos(path, key) {
      let node: unknown = path.length === 0 ? doc.contents : doc.getIn(path, true);
      // Walk up to the nearest node that exists.
      let p = [...path];
      while (!isNode(node) && p.length > 0) {
        p = p.slice(0, -1);
        node = p.length === 0 ? doc.contents : doc.getIn(p, true);
      }
      if (key !== undefined && isMap(node)) {
        const pair = node.items.find((it) => isNode(it.key) && (it.key as { value?: unknown }).value === key);
        const k = pair?.key as Node | undefined;
        if (k?.range) return at(k.range[0]);
      }
      const range = (node as Node | undefined)?.range;
      return range ? at(range[0]) : { line: 1, col: 1 };
    },
  };
  return { value: doc.toJS({ maxAliasCount: 100 }) ?? {}, locate };
}

function describe(e: ErrorObject): { message: string; key?: string } {
  const where = e.instancePath ? e.instancePath.slice(1).replaceAll('/', '.') : 'the file';
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      return { message: `unknown key "${key}" in ${e.instancePath ? where : 'the top level'}`, key };
    }
    case 'enum':
      return {
        message: `${where} must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`,
      };
    case 'pattern':
      return { message: `${where} has an invalid value (${patternHint(e.instancePath)})` };
    case 'anyOf':
      return { message: `${where} has an invalid value (${patternHint(e.instancePath)})` };
    case 'type':
      return { message: `${where} must be ${(e.params as { type: string }).type}` };
    default:
      return { message: `${where} ${e.message ?? 'is invalid'}` };
  }
}

function patternHint(path: string): string {
  if (/max_size|batch_size/.test(path)) return 'a size such as 512MiB, 1GB or a byte count';
  if (/timeout|period|max_age|backoff/.test(path)) return 'a duration such as 30s, 5m, 1h or milliseconds';
  if (/hosts/.test(path)) return 'an http:// or https:// URL';
  if (/addr/.test(path)) return 'HOST:PORT or off';
  if (/namespace/.test(path)) return 'lowercase letters, digits, _ and . only';
  return 'see docs/outputs.md';
}

/** Validates a parsed file; throws the first problem (by position) as a D4cError naming FILE:LINE:COL. */
export function checkConfig(value: unknown, locate: Located, file: string): ConfigFile {
  const v = validate();
  if (v(value)) return value as ConfigFile;
  const errs = (v.errors ?? []).filter((e) => e.keyword !== 'if');
  // anyOf also reports each branch's failure. If some branch failed deeper down (an array item),
  // that is the useful message; otherwise keep the anyOf error and drop the branches' type errors.
  const anyOfPaths = new Set(errs.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  const deeper = (p: string) => errs.some((e) => e.instancePath.startsWith(`${p}/`));
  const kept = errs.filter((e) =>
    e.keyword === 'anyOf' ? !deeper(e.instancePath) : !anyOfPaths.has(e.instancePath),
  );
  const problems = kept.map((e) => {
    const d = describe(e);
    const path = e.instancePath
      .split('/')
      .slice(1)
      .map((s) => (/^\d+$/.test(s) ? Number(s) : s.replaceAll('~1', '/').replaceAll('~0', '~')));
    return { message: d.message, pos: locate.pos(path, d.key) };
  });
  problems.sort((a, b) => a.pos.line - b.pos.line || a.pos.col - b.pos.col);
  const first = problems[0] as { message: string; pos: Position };
  const more =
    problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
  throw new D4cError(CONFIG_CODES.invalid.code, `${first.message}${more}`, file, first.pos);
}

/** Keys of the file that are secrets: the file then must not be readable by other users. */
const SECRET_KEYS = ['api_key', 'password'] as const;

/** Reads and validates a configuration file. */
export function loadConfig(path: string): ConfigFile {
  let text: string;
  let mode: number;
  try {
    // One descriptor for the mode and the text: the file checked is the file read.
    const fd = openSync(path, 'r');
    try {
      mode = fstatSync(fd).mode;
      text = readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    throw new D4cError(
      CONFIG_CODES.read.code,
      `cannot read configuration file: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
      path,
    );
  }
  const { value, locate } = parseConfigText(text, path);
  const cfg = checkConfig(value, locate, path);
  checkSecretMode(cfg, mode, locate, path);
  return cfg;
}

/**
 * A file holding an API key or password that other users can read leaks it; one anyone can
 * write lets them point the agent elsewhere with it. Refused (issue 22, finding 9).
 */
function checkSecretMode(cfg: ConfigFile, mode: number, locate: Located, path: string): void {
  const es = cfg.elasticsearch as Record<string, unknown> | undefined;
  const key = SECRET_KEYS.find((k) => es?.[k] !== undefined);
  if (key === undefined || (mode & 0o006) === 0) return;
  const m = (mode & 0o777).toString(8).padStart(4, '0');
  throw new D4cError(
    CONFIG_CODES.exposed.code,
    `holds a secret (elasticsearch.${key}) and is ${mode & 0o004 ? 'readable' : 'writable'} by other users (mode ${m}): chmod o-rw it (e.g. 0600), or pass the secret in the environment (D4C_ES_API_KEY, D4C_ES_PASSWORD)`,
    path,
    locate.pos(['elasticsearch', key], key),
  );
}
