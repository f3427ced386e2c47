// Prints the plain closing line CI reads (`N passed, N failed, N skipped`) after Vitest's own.
import { writeSync } from 'node:fs';
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const m of modules) {
      for (const t of m.children.allTests()) {
        const s = t.result().state;
        if (s === 'passed') passed++;
        else if (s === 'failed') failed++;
        else skipped++;
      }
      // A file that failed to load has no tests: count it as a failure, not as nothing.
      if (m.state() === 'failed' && [...m.children.allTests()].length === 0) failed++;
    }
    // Written at exit so that it is the run's last line, after Vitest's own summary.
    const line = `\n${passed} passed, ${failed} failed, ${skipped} skipped\n`;
    process.once('exit', () => writeSync(1, line));
  }
}
