import { afterAll, beforeAll, expect, it } from 'vitest';
import { purgeExpired } from '../../src/jobs/purge-expired.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { loginAs, registerUser } from '../helpers/users.js';

const DAY = 86_400_000;

describeEachDatabase('DELETE /users/me, GET /users/me/export and login-history retention', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ dialect });
  });
  afterAll(() => server.close());

  const count = async (table: 'users' | 'sessions' | 'refresh_tokens' | 'login_history' | 'account_tokens', userId: string) => {
    const db = server.database.db;
    if (table === 'users') return (await db.selectFrom('users').select('id').where('id', '=', userId).execute()).length;
    if (table === 'refresh_tokens') {
      return (
        await db
          .selectFrom('refresh_tokens')
          .innerJoin('sessions', 'sessions.id', 'refresh_tokens.session_id')
          .select('token_hash')
          .where('sessions.user_id', '=', userId)
          .execute()
      ).length;
    }
    return (await db.selectFrom(table).select('user_id').where('user_id', '=', userId).execute()).length;
  };

  it('deletes the account with everything attached once the password confirms it, and its tokens stop at once', async () => {
    const user = await registerUser(server);
    const first = await loginAs(server, user);
    const second = await loginAs(server, user, 'phone');
    await server.request('POST', '/api/v1/auth/login', { json: { username: user.email, password: 'wrong password here' } });
    expect(await count('sessions', user.id)).toBe(2);
    expect(await count('account_tokens', user.id)).toBe(1); // the sign-up verification token

    const deleted = await server.request('DELETE', '/api/v1/users/me', { token: first.accessToken, json: { password: user.password } });
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');

    for (const token of [first.accessToken, second.accessToken]) {
      const me = await server.request('GET', '/api/v1/auth/me', { token });
      expect(me.status).toBe(401);
    }
    expect((await server.request('POST', '/api/v1/auth/refresh', { json: { refresh_token: second.refreshToken } })).status).toBe(401);
    const login = await server.request('POST', '/api/v1/auth/login', { json: { username: user.email, password: user.password } });
    expect(login.body.code).toBe('invalid_credentials');
    for (const table of ['users', 'sessions', 'refresh_tokens', 'login_history', 'account_tokens'] as const) {
      expect(await count(table, user.id), table).toBe(0);
    }
    // The audit trail keeps the fact of the deletion.
    const [entry] = await server.ctx.repos.audit.listInvolving(user.id, 1);
    expect(entry).toMatchObject({ action: 'user.deleted', actorId: user.id });
    // The email is free again.
    expect((await server.request('POST', '/api/v1/auth/register', { json: { email: user.email, password: user.password } })).status).toBe(201);
  });

  it('refuses a wrong, missing or oddly typed password and deletes nothing', async () => {
    const user = await registerUser(server);
    const { accessToken: token } = await loginAs(server, user);
    const wrong = await server.request('DELETE', '/api/v1/users/me', { token, json: { password: 'not my password' } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.code).toBe('invalid_password');
    for (const json of [{}, { password: 123 }, { password: user.password, confirm: true }, { password: 'x'.repeat(5000) }]) {
      const response = await server.request('DELETE', '/api/v1/users/me', { token, json });
      expect(response.status, JSON.stringify(json).slice(0, 50)).toBe(422);
    }
    expect((await server.request('DELETE', '/api/v1/users/me', { token, raw: '{"password":', headers: { 'content-type': 'application/json' } })).status).toBe(400);
    expect((await server.request('DELETE', '/api/v1/users/me', { json: { password: user.password } })).status).toBe(401);
    expect(await count('users', user.id)).toBe(1);
    expect((await server.request('GET', '/api/v1/auth/me', { token })).status).toBe(200);
  });

  it('exports everything held about the caller and nothing secret', async () => {
    const user = await registerUser(server);
    const first = await loginAs(server, user, 'Laptop');
    await server.request('POST', '/api/v1/auth/login', { json: { username: user.email, password: 'wrong password here' } });
    await server.request('PATCH', '/api/v1/users/me', { token: first.accessToken, json: { display_name: 'Ada' } });
    await server.request('POST', '/api/v1/auth/logout', { token: (await loginAs(server, user)).accessToken });

    const response = await server.request('GET', '/api/v1/users/me/export', { token: first.accessToken });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toContain('attachment');
    const data = response.body;
    expect(data.user).toMatchObject({ id: user.id, email: user.email, display_name: 'Ada', suspended_reason: null, suspended_until: null });
    expect(data.sessions).toHaveLength(2);
    expect(data.sessions.find((session: { device_name: string }) => session.device_name === 'Laptop')).toMatchObject({ revoked_at: null, method: 'password' });
    expect(data.sessions.filter((session: { revoked_at: string | null }) => session.revoked_at !== null)).toHaveLength(1);
    expect(data.login_history.map((attempt: { success: boolean }) => attempt.success).sort()).toEqual([false, true, true]);
    expect(data.audit_events.map((event: { action: string }) => event.action)).toEqual(expect.arrayContaining(['user.registered', 'user.updated', 'session.revoked']));

    // No password hash, token or token hash anywhere in the document.
    const text = response.text;
    const secrets = await server.database.db.selectFrom('users').select('password_hash').where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(text).not.toContain(secrets.password_hash);
    expect(text).not.toMatch(/\$argon2|password_hash|token_hash|rt_[A-Za-z0-9_-]{20}/);
    expect(text).not.toContain(first.refreshToken);
    expect(text).not.toContain(first.accessToken);

    // Another user's export holds none of this one's data.
    const other = await registerUser(server);
    const theirs = await server.request('GET', '/api/v1/users/me/export', { token: (await loginAs(server, other)).accessToken });
    expect(theirs.text).not.toContain(user.id);
    expect(theirs.text).not.toContain(user.email);
    expect((await server.request('GET', '/api/v1/users/me/export')).status).toBe(401);
  });

  it('purges login history older than LOGIN_HISTORY_DAYS and mailed tokens past their expiry', async () => {
    const user = await registerUser(server);
    await loginAs(server, user);
    server.clock.advance(89 * DAY);
    await loginAs(server, user);
    server.clock.advance(2 * DAY); // the first login is now 91 days old, the second 2 days
    await purgeExpired(server.ctx).run();
    const history = await server.ctx.repos.loginHistory.listForUser(user.id, 10);
    expect(history).toHaveLength(1);
    expect(history[0]?.at).toBe(server.clock.now() - 2 * DAY);
    expect(await count('account_tokens', user.id)).toBe(0); // the 24 h verification token of the sign-up
  });
});
