import { configDefaults, defineConfig } from 'vitest/config';

// Suites with nothing to run without the real PostgreSQL and Redis. Under CI=true they always run (and fail when a
// variable is missing); on a laptop without the variables they are left out, with a line saying so.
const SERVICE_SUITES = ['packages/server/test/multi-instance/**', 'packages/server/test/api/redis-stall.test.ts'];
const servicesMissing = process.env.CI !== 'true' && (!process.env.TEST_DATABASE_URL || !process.env.TEST_REDIS_URL);
if (servicesMissing) {
  console.log('Multi-instance and Redis-failure suites not run: set TEST_DATABASE_URL and TEST_REDIS_URL to run them');
}

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    exclude: servicesMissing ? [...configDefaults.exclude, ...SERVICE_SUITES] : configDefaults.exclude,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', './test-support/summary-reporter.ts'],
  },
});
