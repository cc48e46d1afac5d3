import { afterAll, beforeAll, expect, it } from 'vitest';
import { clientOf, describeEachDatabase, GOOD_PASSWORD, NO_LIMITS, recordingFetch, registerUser, startTestServer, type TestServer } from './helpers/gatehouse.js';

describeEachDatabase('signing up, in and out', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ dialect, env: NO_LIMITS });
  });
  afterAll(() => server.close());

  it('registers, logs in (storing the tokens), reads the caller, and logs out (ending the session on the server)', async () => {
    const recorder = recordingFetch();
    const client = clientOf(server, { fetch: recorder.fetch });
    const email = `ada-${Date.now()}@example.com`;
    const created = await client.register({ email, password: GOOD_PASSWORD, display_name: 'Ada' });
    expect(created).toMatchObject({ email, display_name: 'Ada', role: 'user' });
    expect(await client.tokens()).toBeNull();

    await client.login({ username: email, password: GOOD_PASSWORD, device_name: 'laptop' });
    const tokens = await client.tokens();
    expect(tokens).toMatchObject({ token_type: 'bearer', expires_in: 1800 });
    expect(await client.me()).toMatchObject({ id: created.id, email });

    await client.logout();
    expect(await client.tokens()).toBeNull();
    // The server ended the session: the old access token is refused at once.
    const after = await server.request('GET', '/api/v1/auth/me', { token: tokens?.access_token });
    expect(after.body).toMatchObject({ status: 401, code: 'session_revoked' });
    expect(recorder.count('POST /api/v1/auth/logout')).toBe(1);
    // Logging out again has nothing to do.
    await client.logout();
    expect(recorder.count('POST /api/v1/auth/logout')).toBe(1);
  });

  it('logout forgets the tokens even when the server had already ended the session', async () => {
    const user = await registerUser(server);
    const client = clientOf(server);
    await client.login({ username: user.email, password: user.password });
    const other = clientOf(server);
    await other.login({ username: user.email, password: user.password });
    await other.sessions.revokeOthers();
    await client.logout();
    expect(await client.tokens()).toBeNull();
  });

  it('updates the profile and refuses mass assignment with the server’s 422', async () => {
    const user = await registerUser(server);
    const client = clientOf(server);
    await client.login({ username: user.email, password: user.password });
    expect(await client.updateProfile({ display_name: 'Grace H.' })).toMatchObject({ display_name: 'Grace H.' });
    // The types forbid it; a JavaScript caller can still send it, and the server says no.
    await expect(client.updateProfile({ role: 'admin' } as never)).rejects.toMatchObject({ status: 422, code: 'validation_failed' });
  });

  it('changes the password: the current session goes on, the new password logs in, the old one does not', async () => {
    const user = await registerUser(server);
    const client = clientOf(server);
    await client.login({ username: user.email, password: user.password });
    await expect(client.password.change({ current_password: 'wrong wrong wrong', new_password: 'a brand new passphrase' })).rejects.toMatchObject({
      status: 400,
      code: 'invalid_password',
    });
    expect(await client.password.change({ current_password: user.password, new_password: 'a brand new passphrase' })).toMatchObject({ success: true });
    expect((await client.me()).id).toBe(user.id);
    await expect(clientOf(server).login({ username: user.email, password: user.password })).rejects.toMatchObject({ code: 'invalid_credentials' });
    await clientOf(server).login({ username: user.email, password: 'a brand new passphrase' });
  });

  it('deletes the account with the password and forgets the tokens', async () => {
    const user = await registerUser(server);
    const client = clientOf(server);
    await client.login({ username: user.email, password: user.password });
    await client.deleteAccount(user.password);
    expect(await client.tokens()).toBeNull();
    await expect(clientOf(server).login({ username: user.email, password: user.password })).rejects.toMatchObject({ code: 'invalid_credentials' });
  });
});
