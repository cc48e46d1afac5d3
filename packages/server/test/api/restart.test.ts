import { expect, it } from 'vitest';
import { createTestDatabase, describeEachDatabase } from '../helpers/databases.js';
import { startTestServer } from '../helpers/test-server.js';
import { loginAs, registerUser } from '../helpers/users.js';

describeEachDatabase('a restart', (dialect) => {
  it('keeps refusing the access tokens of sessions revoked before it', async () => {
    const database = await createTestDatabase(dialect);
    const before = await startTestServer({ database });
    const user = await registerUser(before);
    const revoked = await loginAs(before, user);
    const live = await loginAs(before, user);
    expect((await before.request('POST', '/api/v1/auth/logout', { token: revoked.accessToken })).status).toBe(200);
    await before.close();

    // The revoked-session set is in memory: a new process rebuilds it from the database at start.
    const after = await startTestServer({ database });
    try {
      const refused = await after.request('GET', '/api/v1/auth/me', { token: revoked.accessToken });
      expect(refused.status).toBe(401);
      expect(refused.body.code).toBe('session_revoked');
      expect((await after.request('GET', '/api/v1/auth/me', { token: live.accessToken })).status).toBe(200);
    } finally {
      await after.close();
      await database.drop();
    }
  });
});
