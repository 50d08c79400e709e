import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['journeys/**/*.e2e.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two journeys at a time: each waits on its browser and server more than it computes, and every
    // journey has its own database, server port and browser profile.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
