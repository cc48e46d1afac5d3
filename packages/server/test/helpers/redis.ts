import { describe, it } from 'vitest';

const redisUrl = process.env.TEST_REDIS_URL;

/** Runs a suite against the real Redis of TEST_REDIS_URL; under CI=true its absence fails instead of skipping. */
export function describeWithRedis(name: string, suite: (url: string) => void): void {
  if (redisUrl) {
    describe(`${name} [redis]`, () => suite(redisUrl));
  } else if (process.env.CI === 'true') {
    describe(`${name} [redis]`, () => {
      it('needs TEST_REDIS_URL under CI=true', () => {
        throw new Error('TEST_REDIS_URL is not set: under CI=true the Redis suites must run, not skip');
      });
    });
  } else {
    console.log(`Redis suite "${name}" not run: set TEST_REDIS_URL=redis://... to run it`);
  }
}
