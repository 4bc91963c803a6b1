import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Every temp dir a test makes lands under one per run, removed at its end.
    globalSetup: ['test/support/temp-root.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Wire-timing tests share two cores; keep parallelism modest so pacing figures stay honest.
    maxWorkers: 2,
    pool: 'forks',
    // On CI a test that fails is run once more: a few PTY/Redis timing tests (sim serial faults,
    // cluster session takeover) have timed out once each under the full suite on two cores. A
    // real failure fails twice; vitest reports the retried ones (see the closing notes).
    retry: process.env.CI ? 1 : 0,
  },
});
