// Vitest's global setup, once around the whole run (vitest.config.ts `globalSetup`).
import { locateElasticRules } from './elastic-rules-dir.js';
import {
  type Leftover,
  type LeftoverCount,
  leftovers,
  RUN_ENV,
  type Snapshot,
  snapshot,
  workers,
} from './leftovers.js';

let before: Snapshot;
let run: string;

export function setup(): void {
  // Elastic's rules are the user's to bring: one line when their tests are skipped; with
  // D4C_REQUIRE_ELASTIC_RULES=1 (CI) or a D4C_ELASTIC_RULES that is not there, the run stops.
  const elastic = locateElasticRules();
  if (elastic.problem && elastic.required) throw new Error(elastic.problem);
  if (elastic.problem) process.stderr.write(`d4c tests: ${elastic.problem}; skipping them\n`);

  // Inherited by every worker and everything a test starts: how the teardown knows them.
  run = `${process.pid}-${Date.now()}`;
  process.env[RUN_ENV] = run;
  before = snapshot();
}

/**
 * After the run, passing or failing, nothing the tests started may remain. A worker's own exit
 * handlers may still be removing its containers: wait until nothing is left, for at most 15 s.
 */
export async function teardown(): Promise<void> {
  const until = Date.now() + 15_000;
  const pids = workers(run, true);
  let left: Leftover[] = leftovers(before, run, pids);
  while (left.length > 0 && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 500));
    left = leftovers(before, run, pids);
  }
  if (left.length === 0) return;
  // Not thrown: Vitest would then exit (1) before test/summary-reporter.ts prints the closing
  // line; this way the run fails and that line counts the leftovers as one failure.
  const lines = left.map((l) => `  ${l.kind} ${l.what}`).join('\n');
  process.stderr.write(`\nFAIL global teardown: the tests left ${left.length} thing(s) behind:\n${lines}\n`);
  (process as LeftoverCount).d4cLeftovers = left.length;
  process.exitCode = 1;
}
