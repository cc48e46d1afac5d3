import { afterAll, beforeAll, expect, it } from 'vitest';
import { recordLastUse } from '../../src/jobs/record-last-use.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { expectProblem } from '../helpers/problems.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { loginAs, registerUser, type TestUser } from '../helpers/users.js';

const KEYS = '/api/v1/auth/api-keys';
const ME = '/api/v1/auth/me';
const DAY = 86_400_000;
const ADMIN = { email: 'keys-admin@example.com', password: 'api key suite admin phrase' };

describeEachDatabase('API keys', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ dialect, env: { RATE_LIMIT_ENABLED: 'false', ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password } });
  });
  afterAll(() => server.close());

  async function newKey(user: TestUser, body: Record<string, unknown> = { name: 'ci' }) {
    const { accessToken } = await loginAs(server, user);
    const response = await server.request('POST', KEYS, { token: accessToken, json: body });
    expect(response.status, response.text).toBe(201);
    return { accessToken, key: response.body.key as string, id: response.body.id as string, body: response.body };
  }
  const withKey = (key: string) => ({ headers: { 'x-api-key': key } });

  it('shows a new key once, stores only its hash, and lists keys without it', async () => {
    const user = await registerUser(server);
    const { accessToken, key, body } = await newKey(user, { name: 'deploy bot', expires_in_days: 30 });
    expect(key).toMatch(/^tk_[A-Za-z0-9_-]{43}$/);
    expect(body).toMatchObject({ name: 'deploy bot', prefix: key.slice(0, 11), scopes: ['read', 'write', 'admin', 'introspect'], last_used_at: null });
    expect(Date.parse(body.expires_at) - Date.parse(body.created_at)).toBe(30 * DAY);

    const listed = await server.request('GET', KEYS, { token: accessToken });
    expect(listed.body.total).toBe(1);
    expect(listed.body.items[0]).toEqual({ ...body, key: undefined });
    expect(listed.text).not.toContain(key);
    const rows = await server.database.db.selectFrom('api_keys').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(key);
    expect(JSON.stringify(rows)).not.toContain(key.slice(11));
  });

  it('authenticates by X-API-Key and by Authorization: Bearer tk_…, and records last use by the minute job', async () => {
    const user = await registerUser(server);
    const { accessToken, key } = await newKey(user);
    for (const options of [withKey(key), { token: key }]) {
      const me = await server.request('GET', ME, options);
      expect(me.status, me.text).toBe(200);
      expect(me.body.id).toBe(user.id);
    }
    server.clock.advance(5000);
    await server.request('GET', ME, withKey(key));
    await recordLastUse(server.ctx).run();
    const [listed] = (await server.request('GET', KEYS, { token: accessToken })).body.items;
    expect(listed.last_used_at).toBe(new Date(server.clock.now()).toISOString());
    expect(server.logs.join('\n')).not.toContain(key);
  });

  it('accepts ?api_key= only with API_KEY_QUERY_PARAM=true, and never logs it', async () => {
    const user = await registerUser(server);
    const { key } = await newKey(user);
    expectProblem(await server.request('GET', `${ME}?api_key=${key}`), 401, 'not_authenticated');
    const lenient = await startTestServer({ dialect, env: { API_KEY_QUERY_PARAM: 'true' }, database: undefined });
    try {
      const other = await registerUser(lenient);
      const { accessToken } = await loginAs(lenient, other);
      const created = await lenient.request('POST', KEYS, { token: accessToken, json: { name: 'query' } });
      const me = await lenient.request('GET', `${ME}?api_key=${created.body.key}`);
      expect(me.status).toBe(200);
      expect(lenient.logs.join('\n')).not.toContain(created.body.key);
      expect(lenient.logs.join('\n')).toContain('api_key=[REDACTED]');
    } finally {
      await lenient.close();
    }
  });

  it('narrows the owner’s rights to the key’s scopes', async () => {
    const user = await registerUser(server);
    const { key: readOnly } = await newKey(user, { name: 'reader', scopes: ['read'] });
    const { key: writeOnly } = await newKey(user, { name: 'writer', scopes: ['write'] });
    expect((await server.request('GET', ME, withKey(readOnly))).status).toBe(200);
    expectProblem(await server.request('PATCH', '/api/v1/users/me', { ...withKey(readOnly), json: { display_name: 'x' } }), 403, 'forbidden');
    expectProblem(await server.request('GET', ME, withKey(writeOnly)), 403, 'forbidden');
    expect((await server.request('PATCH', '/api/v1/users/me', { ...withKey(writeOnly), json: { display_name: 'Via key' } })).body.display_name).toBe('Via key');

    // The admin API needs an admin owner and the admin scope.
    const target = await registerUser(server);
    const unlock = `/api/v1/admin/users/${target.id}/unlock`;
    const { key: userKey } = await newKey(user, { name: 'not an admin' });
    expectProblem(await server.request('POST', unlock, withKey(userKey)), 403, 'forbidden');
    const admin = { ...ADMIN, id: '', username: '' };
    const { key: adminNoScope } = await newKey(admin, { name: 'admin without scope', scopes: ['read', 'write'] });
    expectProblem(await server.request('POST', unlock, withKey(adminNoScope)), 403, 'forbidden');
    const { key: adminKey } = await newKey(admin, { name: 'admin', scopes: ['write', 'admin'] });
    expect((await server.request('POST', unlock, withKey(adminKey))).status).toBe(200);
  });

  it('cannot manage keys, change the password or email, delete the account or log out', async () => {
    const user = await registerUser(server);
    const { key, id } = await newKey(user);
    const refused: Array<[string, string, unknown]> = [
      ['GET', KEYS, undefined],
      ['POST', KEYS, { name: 'another' }],
      ['DELETE', `${KEYS}/${id}`, undefined],
      ['POST', '/api/v1/auth/regenerate-api-key', undefined],
      ['POST', '/api/v1/auth/password/change', { current_password: user.password, new_password: 'a new long phrase here' }],
      ['PATCH', '/api/v1/users/me', { email: 'new@example.com', current_password: user.password }],
      ['DELETE', '/api/v1/users/me', { password: user.password }],
      ['POST', '/api/v1/auth/logout', undefined],
      ['DELETE', '/api/v1/auth/sessions', undefined],
    ];
    for (const [method, path, json] of refused) {
      expectProblem(await server.request(method, path, { ...withKey(key), ...(json !== undefined && { json }) }), 403, 'forbidden');
    }
    expect((await server.request('GET', ME, withKey(key))).body.email).toBe(user.email);
    expect((await server.request('GET', '/api/v1/auth/sessions', withKey(key))).status).toBe(200);
  });

  it('deletes a key so it stops at once; another user’s key is a 404 and keeps working', async () => {
    const user = await registerUser(server);
    const mine = await newKey(user);
    const theirs = await newKey(await registerUser(server));
    expect((await server.request('GET', ME, withKey(mine.key))).status).toBe(200); // cached from here on
    expectProblem(await server.request('DELETE', `${KEYS}/${theirs.id}`, { token: mine.accessToken }), 404, 'not_found');
    expect((await server.request('GET', ME, withKey(theirs.key))).status).toBe(200);
    expect((await server.request('DELETE', `${KEYS}/${mine.id}`, { token: mine.accessToken })).status).toBe(204);
    expectProblem(await server.request('GET', ME, withKey(mine.key)), 401, 'invalid_token');
    expectProblem(await server.request('DELETE', `${KEYS}/${mine.id}`, { token: mine.accessToken }), 404, 'not_found');
  });

  it('refuses expired keys, keys of suspended owners at once, and anything that is not a key', async () => {
    const user = await registerUser(server);
    const { key } = await newKey(user, { name: 'short', expires_in_days: 1 });
    const { key: lasting } = await newKey(user, { name: 'lasting' });
    server.clock.advance(DAY + 1000);
    expectProblem(await server.request('GET', ME, withKey(key)), 401, 'token_expired');
    expect((await server.request('GET', ME, withKey(lasting))).status).toBe(200);

    const { accessToken: adminToken } = await loginAs(server, ADMIN);
    expect((await server.request('POST', `/api/v1/admin/users/${user.id}/suspend`, { token: adminToken, json: {} })).status).toBe(200);
    expectProblem(await server.request('GET', ME, withKey(lasting)), 403, 'account_suspended');

    for (const bad of ['tk_', 'tk_nope', `tk_${'a'.repeat(500)}`, 'not-a-key', lasting.toUpperCase()]) {
      expectProblem(await server.request('GET', ME, withKey(bad)), 401, 'invalid_token');
    }
  });

  it('regenerates the default key for old clients, leaving other keys alone', async () => {
    const user = await registerUser(server);
    const { key: oldDefault, accessToken } = await newKey(user, { name: 'default' });
    const { key: other } = await newKey(user, { name: 'other' });
    const regenerated = await server.request('POST', '/api/v1/auth/regenerate-api-key', { token: accessToken });
    expect(regenerated.status).toBe(201);
    expect(regenerated.body).toMatchObject({ name: 'default', key: expect.stringMatching(/^tk_/) });
    expectProblem(await server.request('GET', ME, withKey(oldDefault)), 401, 'invalid_token');
    expect((await server.request('GET', ME, withKey(regenerated.body.key))).status).toBe(200);
    expect((await server.request('GET', ME, withKey(other))).status).toBe(200);
  });

  it('caps each user at 100 keys', async () => {
    const user = await registerUser(server);
    const { accessToken: token } = await loginAs(server, user);
    for (let i = 0; i < 100; i++) expect((await server.request('POST', KEYS, { token, json: { name: `key ${i}` } })).status).toBe(201);
    const refused = await server.request('POST', KEYS, { token, json: { name: 'one too many' } });
    expectProblem(refused, 422, 'validation_failed');
    expect(refused.body.detail).toMatch(/100 API keys; delete one first/);
    expect((await server.request('GET', KEYS, { token })).body.total).toBe(100);
  });

  it('validates what it is given', async () => {
    const user = await registerUser(server);
    const { accessToken: token } = await loginAs(server, user);
    for (const json of [{}, { name: '' }, { name: '   ' }, { name: 'x', scopes: ['root'] }, { name: 'x', scopes: [] }, { name: 'x', expires_in_days: 0 }, { name: 'x', role: 'admin' }, { name: 5 }]) {
      expectProblem(await server.request('POST', KEYS, { token, json }), 422, 'validation_failed');
    }
    expectProblem(await server.request('POST', KEYS, { token, raw: '{"name":', headers: { 'content-type': 'application/json' } }), 400, 'bad_request');
    expectProblem(await server.request('POST', KEYS, { json: { name: 'x' } }), 401, 'not_authenticated');
    expect((await server.request('GET', KEYS, { token })).body.total).toBe(0);
  });
});
