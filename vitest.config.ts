import { defineConfig } from 'vitest/config';

// Two projects (docs/testing.md). `unit`: src/**, in-process, no root, no kernel, no containers;
// what a developer runs on every change (`npm run test:unit`, under a minute). `integration`:
// test/** and src/**/*.int.test.ts — the real kernel, containers, Chromium, the CLI and writers
// as child processes, the fuzz suites. `npm test` (and so CI's `npm run check`) runs both.

const shared = {
  testTimeout: 30_000,
  hookTimeout: 120_000,
  // DuckDB's native bindings and the tests that fork children: processes, not threads.
  pool: 'forks',
  setupFiles: ['./test/worker-mark.ts'],
} as const;

export default defineConfig({
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    // Once around the whole run, whichever projects run (Vitest runs the root's global setup
    // always): fails the run naming any process, container, mount or cgroup the tests left behind.
    globalSetup: ['./test/global-setup.ts'],
    projects: [
      {
        test: {
          ...shared,
          name: 'unit',
          include: ['src/**/*.test.ts'],
          exclude: ['src/**/*.int.test.ts'],
        },
      },
      {
        test: {
          ...shared,
          name: 'integration',
          include: ['test/**/*.test.ts', 'src/**/*.int.test.ts'],
        },
      },
    ],
  },
});
