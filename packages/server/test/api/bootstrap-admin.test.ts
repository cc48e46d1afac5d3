import { expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { createTestDatabase, describeEachDatabase } from '../helpers/databases.js';
import { startTestServer } from '../helpers/test-server.js';

describeEachDatabase('admin bootstrap', (dialect) => {
  it('creates the ADMIN_EMAIL admin once and never overwrites it', async () => {
    const database = await createTestDatabase(dialect);
    const env = { ADMIN_EMAIL: 'Root@Example.com', ADMIN_PASSWORD: 'bootstrap admin password' };
    const first = await startTestServer({ database, env });
    const login = await first.request('POST', '/api/v1/auth/login', { json: { username: 'root@example.com', password: env.ADMIN_PASSWORD } });
    expect(login.status).toBe(200);
    const me = await first.request('GET', '/api/v1/auth/me', { token: login.body.access_token });
    expect(me.body).toMatchObject({ email: 'root@example.com', role: 'admin', is_superuser: true, is_verified: true });
    const [audit] = await first.ctx.repos.audit.listInvolving(me.body.id, 5);
    expect(audit?.action).toBe('admin.bootstrapped');
    await first.close();

    // A restart with a different ADMIN_PASSWORD must not reset the existing admin's password.
    const second = await startTestServer({ database, env: { ...env, ADMIN_PASSWORD: 'another admin password' } });
    try {
      expect(
        (await second.request('POST', '/api/v1/auth/login', { json: { username: env.ADMIN_EMAIL, password: 'another admin password' } })).status,
      ).toBe(401);
      expect((await second.request('POST', '/api/v1/auth/login', { json: { username: env.ADMIN_EMAIL, password: env.ADMIN_PASSWORD } })).status).toBe(
        200,
      );
      const count = await second.database.db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirst();
      expect(Number(count?.n)).toBe(1);
    } finally {
      await second.close();
      await database.drop();
    }
  });

  it('refuses to start with a weak ADMIN_PASSWORD, naming the variable', async () => {
    const database = await createTestDatabase(dialect);
    try {
      const starting = startTestServer({ database, env: { ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: 'password' } });
      await expect(starting).rejects.toBeInstanceOf(ConfigError);
      await expect(starting).rejects.toThrow(/^ADMIN_PASSWORD is not acceptable: .*too common/);
    } finally {
      await database.drop();
    }
  });
});
