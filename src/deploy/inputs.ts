// What `d4c deploy manifests` puts into its ConfigMaps, read and checked as the agent would check
// it at start: a policy with errors or a rule that does not load fails here, with the file and
// position, instead of in a crash-looping pod on every node.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import {
  DEFAULT_ENFORCEMENT_CAPS,
  DEFAULT_POLICY,
  DEFAULT_POLICY_NAME,
  parsePolicy,
  withConnectBlock,
} from '../policy/index.js';
import { loadRules } from '../rules/index.js';
import { D4cError, type Diagnostic } from '../util/index.js';
import { DEPLOY_CODES } from './codes.js';

/** Thrown with every diagnostic of the input; `format()` gives the first, `diagnostics` all. */
export class DeployInputError extends D4cError {
  constructor(
    message: string,
    readonly diagnostics: readonly Diagnostic[],
    file?: string,
    code: string = DEPLOY_CODES.invalid.code,
  ) {
    super(code, message, file, diagnostics[0]?.pos);
    this.name = 'DeployInputError';
  }
}

// etcd's object limit is 1.5 MiB; a ConfigMap's data must stay under 1 MiB.
const CONFIGMAP_MAX_BYTES = 1024 * 1024;
const KEY = /^[-._a-zA-Z0-9]+$/;

export interface PolicyInput {
  /** Where it came from (the file, or `<default policy>`). */
  source: string;
  text: string;
  /** Warnings of a valid policy (printed, not fatal). */
  warnings: Diagnostic[];
}

/** The policy file (or d4c's default policy), validated as the agent loads it. */
export function readPolicy(file: string | undefined): PolicyInput {
  let text = DEFAULT_POLICY;
  const source = file ?? DEFAULT_POLICY_NAME;
  if (file !== undefined) {
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code ?? String(e);
      throw new DeployInputError(`cannot read the policy: ${why}`, [], file, DEPLOY_CODES.unreadable.code);
    }
  }
  const parsed = parsePolicy(text, source, { enforcementCaps: withConnectBlock(DEFAULT_ENFORCEMENT_CAPS) });
  const errors = parsed.diagnostics.filter((d) => d.severity === 'error');
  if (!parsed.policy || errors.length > 0)
    throw new DeployInputError(
      `the policy has ${errors.length} error(s)`,
      errors.length ? errors : parsed.diagnostics,
      source,
    );
  return { source, text, warnings: parsed.diagnostics.filter((d) => d.severity !== 'error') };
}

export interface RulesInput {
  dir: string;
  /** ConfigMap key (the file's name) → TOML text, in the loader's order. */
  files: Record<string, string>;
}

/** Every rule file under DIR, loaded as the agent loads them; keys are the file names. */
export function readRules(dir: string): RulesInput {
  const loaded = loadRules([dir]);
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new DeployInputError(`the rules have ${errors.length} error(s)`, errors, dir);
  const files: Record<string, string> = {};
  const from = new Map<string, string>();
  for (const r of loaded.rules) {
    const file = r.meta.file;
    const key = basename(file);
    if (!KEY.test(key))
      throw new DeployInputError(
        `${file}: a ConfigMap key allows letters, digits, '-', '_' and '.' only: rename the file`,
        [],
        file,
        DEPLOY_CODES.tooLarge.code,
      );
    const seen = from.get(key);
    if (seen === file) continue; // one file, several rules
    if (seen !== undefined)
      throw new DeployInputError(
        `${file} and ${seen} would be the same ConfigMap key ${key}: rename one`,
        [],
        file,
        DEPLOY_CODES.tooLarge.code,
      );
    from.set(key, file);
    files[key] = readFileSync(file, 'utf8');
  }
  if (Object.keys(files).length === 0)
    throw new DeployInputError('no rule file (*.toml) found', [], dir, DEPLOY_CODES.unreadable.code);
  return { dir, files };
}

/** Refuses a ConfigMap kubectl would refuse (with the sizes, so the fix is clear). */
export function checkConfigMapSize(name: string, data: Record<string, string>): void {
  const bytes = Object.entries(data).reduce(
    (n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v),
    0,
  );
  if (bytes > CONFIGMAP_MAX_BYTES)
    throw new DeployInputError(
      `ConfigMap ${name} would hold ${bytes} bytes; Kubernetes allows ${CONFIGMAP_MAX_BYTES}: give fewer rules, or build them into the image`,
      [],
      undefined,
      DEPLOY_CODES.tooLarge.code,
    );
}
