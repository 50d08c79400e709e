import { defineConfig } from 'vitest/config';

/**
 * The fleet suite: two server processes on one PostgreSQL database and one Redis per file. Files run one
 * at a time, so that each file's timings are measured on a machine the other files are not loading.
 */
export default defineConfig({
  test: {
    include: ['test/fleet/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 90_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
