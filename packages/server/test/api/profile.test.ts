import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../helpers/databases.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { loginAs, registerUser, uniqueEmail } from '../helpers/users.js';

describeEachDatabase('GET/PATCH /users/me and GET /auth/me', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ dialect });
  });
  afterAll(() => server.close());

  async function caller() {
    const user = await registerUser(server);
    return { user, token: (await loginAs(server, user)).accessToken };
  }

  it('answers 401 with WWW-Authenticate: Bearer to anonymous callers', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/auth/me'],
      ['GET', '/api/v1/users/me'],
      ['PATCH', '/api/v1/users/me'],
      ['POST', '/api/v1/auth/logout'],
    ] as const) {
      const response = await server.request(method, path, method === 'PATCH' ? { json: {} } : {});
      expect(response.status, path).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(response.body.code).toBe('not_authenticated');
    }
  });

  it('returns the same user on /auth/me and /users/me', async () => {
    const { user, token } = await caller();
    const me = await server.request('GET', '/api/v1/auth/me', { token });
    const profile = await server.request('GET', '/api/v1/users/me', { token });
    expect(me.status).toBe(200);
    expect(profile.body).toEqual(me.body);
    expect(me.body.id).toBe(user.id);
  });

  it('updates display_name (or its alias full_name) and username, and the change is visible at once', async () => {
    const { token } = await caller();
    const username = `renamed_${Date.now()}`;
    const patched = await server.request('PATCH', '/api/v1/users/me', { token, json: { display_name: 'Ada Lovelace', username } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ display_name: 'Ada Lovelace', username });
    expect((await server.request('GET', '/api/v1/auth/me', { token })).body.username).toBe(username);
    const alias = await server.request('PATCH', '/api/v1/users/me', { token, json: { full_name: 'Countess' } });
    expect(alias.body.display_name).toBe('Countess');
    const cleared = await server.request('PATCH', '/api/v1/users/me', { token, json: { display_name: null } });
    expect(cleared.body.display_name).toBeNull();
  });

  it('refuses role, flags and other unknown fields with 422 and changes nothing', async () => {
    const { token } = await caller();
    for (const body of [
      { role: 'admin' },
      { is_active: false },
      { is_verified: true },
      { is_superuser: true },
      { id: 'x' },
      { rate_limit_per_minute: 1e6 },
      { password: 'x' },
    ]) {
      const response = await server.request('PATCH', '/api/v1/users/me', { token, json: body });
      expect(response.status, JSON.stringify(body)).toBe(422);
    }
    const me = await server.request('GET', '/api/v1/auth/me', { token });
    expect(me.body).toMatchObject({ role: 'user', is_active: true, is_verified: false });
  });

  it('refuses prototype pollution attempts', async () => {
    const { token } = await caller();
    const proto = await server.request('PATCH', '/api/v1/users/me', {
      token,
      raw: '{"__proto__":{"role":"admin"}}',
      headers: { 'content-type': 'application/json' },
    });
    expect(proto.status).toBe(400);
    const ctor = await server.request('PATCH', '/api/v1/users/me', { token, json: { constructor: { prototype: { role: 'admin' } } } });
    expect(ctor.status).toBe(400);
    const fresh = await caller();
    expect((await server.request('GET', '/api/v1/auth/me', { token: fresh.token })).body.role).toBe('user');
  });

  it('answers 409 when the new username or email belongs to someone else', async () => {
    const other = await registerUser(server);
    const { user, token } = await caller();
    const taken = await server.request('PATCH', '/api/v1/users/me', { token, json: { username: other.username.toUpperCase() } });
    expect(taken.status).toBe(409);
    expect(taken.body.code).toBe('username_taken');
    const email = await server.request('PATCH', '/api/v1/users/me', { token, json: { email: other.email, current_password: user.password } });
    expect(email.status).toBe(409);
    expect(email.body.code).toBe('email_taken');
  });

  it('changes the email only with the current password, and clears is_verified', async () => {
    const { user, token } = await caller();
    const newEmail = uniqueEmail('moved');
    const without = await server.request('PATCH', '/api/v1/users/me', { token, json: { email: newEmail } });
    expect(without.status).toBe(422);
    expect(without.body.errors[0].path).toBe('/current_password');
    const wrong = await server.request('PATCH', '/api/v1/users/me', { token, json: { email: newEmail, current_password: 'not my password' } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.code).toBe('invalid_password');
    expect((await server.request('GET', '/api/v1/auth/me', { token })).body.email).toBe(user.email);
    await server.database.db.updateTable('users').set({ is_verified: 1 }).where('id', '=', user.id).execute();
    server.ctx.users.invalidate(user.id);
    const ok = await server.request('PATCH', '/api/v1/users/me', { token, json: { email: newEmail.toUpperCase(), current_password: user.password } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ email: newEmail, is_verified: false });
    const relogin = await server.request('POST', '/api/v1/auth/login', { json: { username: newEmail, password: user.password } });
    expect(relogin.status).toBe(200);
  });

  it('writes an audit entry for profile changes', async () => {
    const { user, token } = await caller();
    await server.request('PATCH', '/api/v1/users/me', { token, json: { display_name: 'Audited' } });
    const [entry] = await server.ctx.repos.audit.listInvolving(user.id, 1);
    expect(entry).toMatchObject({ action: 'user.updated', actorId: user.id, targetId: user.id, details: { fields: ['displayName'] } });
  });

  it('rejects control characters in display names', async () => {
    const { token } = await caller();
    for (const name of ['a\nb', 'nul\u0000', 'rtl\u202eevil', 'x'.repeat(101)]) {
      expect((await server.request('PATCH', '/api/v1/users/me', { token, json: { display_name: name } })).status).toBe(422);
    }
  });
});
