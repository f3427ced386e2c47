// Elastic's published D4C detection rules are third-party files a user brings (a copy of
// elastic/detection-rules); the tests that run them take the folder from D4C_ELASTIC_RULES,
// defaulting to the workspace's `../shared/reference/elastic-detection-rules` when it exists.
// Missing: those tests are skipped (one notice from test/global-setup.ts), unless
// D4C_REQUIRE_ELASTIC_RULES=1 (CI), when a missing folder fails the run.
import { describe } from 'vitest';
import { locateElasticRules } from './elastic-rules-dir.js';

export { ELASTIC_RULES_ENV, locateElasticRules, REQUIRE_ENV } from './elastic-rules-dir.js';

const location = locateElasticRules();
if (location.problem && location.required) {
  throw new Error(location.problem);
}

/** The rules folder, or '' when the tests that need it are skipped (see `describeElastic`). */
export const ELASTIC_RULES_DIR: string = location.dir ?? '';
export const HAVE_ELASTIC_RULES = location.dir !== undefined;

/** `describe` for tests that run Elastic's rules: skipped when the folder is not there. */
export const describeElastic: typeof describe.skip = HAVE_ELASTIC_RULES ? describe : describe.skip;
