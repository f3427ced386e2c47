// Where Elastic's published D4C rules are for the tests (no vitest import: the global setup
// uses it too). D4C_ELASTIC_RULES names the folder; by default the workspace's
// `../shared/reference/elastic-detection-rules` when it exists.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

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
    problem: `Elastic's detection rules not found: set ${ELASTIC_RULES_ENV} to a folder holding them (cloud_defend/, multi_source/) to run their tests${required ? ` (${REQUIRE_ENV}=1: they must run)` : ''}`,
  };
}
