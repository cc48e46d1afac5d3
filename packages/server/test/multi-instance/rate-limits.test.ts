import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { createUser } from '../helpers/admin.js';
import { loginAs } from '../helpers/users.js';
import { ADMIN, deploymentEnv, describeWithPostgresAndRedis, type Instance, startInstance } from './instances.js';

const PER_DAY = 6;

/** API.md "Rate limits": with Redis, a caller's limits are counted once across every instance, not per instance. */
describeWithPostgresAndRedis('rate limits across two instances', (redisUrl) => {
  const running: Instance[] = [];
  let database: TestDatabase;
  let a: Instance;
  let b: Instance;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    // Windows start on the real clock here (these are real processes); the day window binds, so the test fails
    // only if it runs across midnight UTC, where a minute or an hour window would restart far more often.
    const env = deploymentEnv(database, redisUrl, { RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_USER_PER_DAY: String(PER_DAY) });
    a = await startInstance('A', env, running);
    b = await startInstance('B', env, running);
  });
  afterAll(async () => {
    for (const instance of running) instance.kill();
    await database?.drop();
  });

  it('requests split across A and B count against one limit', async () => {
    const admin = await loginAs(a, ADMIN);
    const user = await createUser(a, admin.accessToken);
    const session = await loginAs(b, user);
    const remaining: string[] = [];
    // Alternating: three on each instance. Counted per instance, neither would get near the limit.
    for (let n = 0; n < PER_DAY; n++) {
      const response = await (n % 2 === 0 ? a : b).request('GET', '/api/v1/auth/me', { token: session.accessToken });
      expect(response.status, response.text).toBe(200);
      remaining.push(response.headers.get('ratelimit-remaining') ?? 'missing');
    }
    expect(remaining).toEqual(['5', '4', '3', '2', '1', '0']);
    for (const instance of [a, b]) {
      const refused = await instance.request('GET', '/api/v1/auth/me', { token: session.accessToken });
      expect(refused.status, `${instance.name}: ${refused.text}`).toBe(429);
      expect(refused.body.code).toBe('rate_limited');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  });
});
