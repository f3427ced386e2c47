// Prints the plain closing line CI reads (`N passed, N failed, N skipped`) after Vitest's own.
import { writeSync } from 'node:fs';
import type { Reporter, TestModule } from 'vitest/node';
import type { LeftoverCount } from './leftovers.js';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, errors: ReadonlyArray<unknown> = []): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const m of modules) {
      let failedHere = 0;
      for (const t of m.children.allTests()) {
        const s = t.result().state;
        if (s === 'passed') passed++;
        else if (s === 'failed') failedHere++;
        else skipped++;
      }
      // A file that failed to load, or whose beforeAll failed (its tests then count as skipped),
      // failed: count it as a failure, not as nothing.
      if (m.state() === 'failed' && failedHere === 0) failedHere = 1;
      failed += failedHere;
    }
    // Errors outside any test (an unhandled rejection) fail the run.
    failed += errors.length;
    // Written at exit so that it is the run's last line, after Vitest's own summary and after
    // the global teardown, whose leftovers (test/global-setup.ts) count as one failure.
    process.once('exit', () => {
      const f = failed + ((process as LeftoverCount).d4cLeftovers ? 1 : 0);
      writeSync(1, `\n${passed} passed, ${f} failed, ${skipped} skipped\n`);
    });
  }
}
