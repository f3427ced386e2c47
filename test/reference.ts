// Elastic's published D4C detection rules are third-party files a user brings (a copy of
// elastic/detection-rules); the tests that run them take the folder from D4C_ELASTIC_RULES,
// defaulting to the workspace's `../shared/reference/elastic-detection-rules` when it exists.
// Missing: those tests are skipped (one notice from test/global-setup.ts), unless
// D4C_REQUIRE_ELASTIC_RULES=1 (CI), when a missing folder fails the run.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe } from 'vitest';

export const ELASTIC_RULES_ENV = 'D4C_ELASTIC_RULES';
export const REQUIRE_ENV = 'D4C_REQUIRE_ELASTIC_RULES';

const REPO = resolve(import.meta.dirname, '..');
const WORKSPACE_DEFAULT = resolve(REPO, '../shared/reference/elastic-detection-rules');

export interface ElasticRulesLocation {
  /** The folder, when there is one to run. */
  dir?: string;
  /** Why there is none, or why the one named is unusable (an error even when not required). */
  problem?: string;
  required: boolean;
}

export function locateElasticRules(env: NodeJS.ProcessEnv = process.env): ElasticRulesLocation {
  const required = env[REQUIRE_ENV] === '1';
  const named = env[ELASTIC_RULES_ENV];
  if (named) {
    const dir = resolve(named);
    // A folder the user named and that is not there is a mistake, not a reason to skip.
    if (!existsSync(dir) || !statSync(dir).isDirectory())
      return { required: true, problem: `${ELASTIC_RULES_ENV}=${named}: no such folder` };
    return { dir, required };
  }
  if (existsSync(WORKSPACE_DEFAULT)) return { dir: WORKSPACE_DEFAULT, required };
  return {
    required,
    problem: `Elastic's detection rules not found: set ${ELASTIC_RULES_ENV} to a folder holding them (cloud_defend/, multi_source/) to run their tests`,
  };
}

const location = locateElasticRules();
if (location.problem && location.required) {
  throw new Error(
    `${location.problem}${process.env[REQUIRE_ENV] === '1' ? ` (${REQUIRE_ENV}=1: they must run)` : ''}`,
  );
}

/** The rules folder, or '' when the tests that need it are skipped (see `describeElastic`). */
export const ELASTIC_RULES_DIR: string = location.dir ?? '';
export const HAVE_ELASTIC_RULES = location.dir !== undefined;

/** `describe` for tests that run Elastic's rules: skipped when the folder is not there. */
export const describeElastic: typeof describe.skip = HAVE_ELASTIC_RULES ? describe : describe.skip;
