import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Privileged/kernel tests share the kernel and the container runtime: keep files serial there.
    pool: 'forks',
    reporters: ['default', './test/summary-reporter.ts'],
    // Fails the run naming any process, container, mount or cgroup the tests left behind.
    globalSetup: ['./test/global-setup.ts'],
    setupFiles: ['./test/worker-mark.ts'],
  },
});
