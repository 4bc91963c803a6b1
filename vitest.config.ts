import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Wire-timing tests share two cores; keep parallelism modest so pacing figures stay honest.
    maxWorkers: 2,
    pool: 'forks',
  },
});
