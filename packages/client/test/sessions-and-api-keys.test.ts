import { afterAll, beforeAll, expect, it } from 'vitest';
import { clientOf, describeEachDatabase, NO_LIMITS, signedInClient, startTestServer, type TestServer } from './helpers/gatehouse.js';

describeEachDatabase('the caller’s sessions and API keys', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ dialect, env: NO_LIMITS });
  });
  afterAll(() => server.close());

  it('lists sessions, revokes one, and signs out everywhere else', async () => {
    const { client: laptop, user } = await signedInClient(server);
    const phone = clientOf(server);
    await phone.login({ username: user.email, password: user.password, device_name: 'phone' });
    const tablet = clientOf(server);
    await tablet.login({ username: user.email, password: user.password, device_name: 'tablet' });

    const { items } = await laptop.sessions.list();
    expect(items).toHaveLength(3);
    expect(items.filter((session) => session.current).map((session) => session.id)).toEqual([(await laptop.tokens())?.session_id]);

    await laptop.sessions.revoke((await phone.tokens())?.session_id as string);
    await expect(phone.me()).rejects.toMatchObject({ status: 401, code: 'session_revoked' });
    await laptop.sessions.revokeOthers();
    await expect(tablet.me()).rejects.toMatchObject({ status: 401, code: 'session_revoked' });
    expect((await laptop.sessions.list()).items).toHaveLength(1);
  });

  it('creates an API key (shown once) that authenticates, lists it without the key, and revokes it', async () => {
    const { client, user } = await signedInClient(server);
    const created = await client.apiKeys.create({ name: 'ci', scopes: ['read'], expires_in_days: 30 });
    expect(created.key).toMatch(/^tk_/);
    expect(created.scopes).toEqual(['read']);

    const listed = await client.apiKeys.list();
    expect(listed).toEqual([expect.objectContaining({ id: created.id, name: 'ci', prefix: created.key.slice(0, 11) })]);
    expect(JSON.stringify(listed)).not.toContain(created.key);
    const withKey = await server.request('GET', '/api/v1/users/me', { headers: { 'x-api-key': created.key } });
    expect(withKey.body.id).toBe(user.id);

    await client.apiKeys.revoke(created.id);
    expect(await client.apiKeys.list()).toEqual([]);
    expect((await server.request('GET', '/api/v1/users/me', { headers: { 'x-api-key': created.key } })).status).toBe(401);
    await expect(client.apiKeys.revoke(created.id)).rejects.toMatchObject({ status: 404, code: 'not_found' });
  });
});
