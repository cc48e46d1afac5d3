import { decodeJwt } from 'jose';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { describeEachDatabase } from '../helpers/databases.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { type LoggedIn, loginAs, registerUser, type TestUser } from '../helpers/users.js';

/**
 * POST /api/v1/auth/introspect (RFC 7662): a resource server, authenticated by an API key with the `introspect`
 * scope, asks whether a credential is live right now. Anything not live is `{active: false}` and nothing more.
 */

const INTROSPECT = '/api/v1/auth/introspect';

describeEachDatabase('token introspection (RFC 7662)', (dialect) => {
  let server: TestServer;
  let owner: TestUser;
  let introspectKey: string;
  let user: TestUser;
  let session: LoggedIn;

  async function createKey(scopes: string[]): Promise<string> {
    const { accessToken } = await loginAs(server, owner);
    const response = await server.request('POST', '/api/v1/auth/api-keys', { token: accessToken, json: { name: `rs ${scopes.join(' ')}`, scopes } });
    expect(response.status, response.text).toBe(201);
    return response.body.key;
  }

  const introspect = (form: Record<string, string>, key = introspectKey) => server.request('POST', INTROSPECT, { form, headers: { 'x-api-key': key } });

  beforeAll(async () => {
    server = await startTestServer({ dialect, env: { RATE_LIMIT_ENABLED: 'false' } });
    owner = await registerUser(server);
    introspectKey = await createKey(['introspect']);
    user = await registerUser(server);
  });
  afterAll(() => server.close());
  beforeEach(async () => {
    session = await loginAs(server, user, 'Notes API');
  });

  it('describes a live access token, form-encoded as RFC 7662 asks, and says no-store', async () => {
    const response = await introspect({ token: session.accessToken });
    expect(response.status, response.text).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const claims = decodeJwt(session.accessToken);
    expect(response.body).toEqual({
      active: true,
      sub: user.id,
      sid: session.sessionId,
      role: 'user',
      scope: 'read write',
      client_id: `${user.id.slice(-6)}-notes-api`,
      token_type: 'access_token',
      iss: 'http://gatehouse.test',
      aud: 'gatehouse',
      iat: claims.iat,
      exp: claims.exp,
    });
  });

  it('accepts a JSON body too, and a hint it does not know (ignored, as §2.1 asks)', async () => {
    const response = await server.request('POST', INTROSPECT, {
      json: { token: session.accessToken, token_type_hint: 'refresh_token' },
      headers: { 'x-api-key': introspectKey },
    });
    expect(response.status, response.text).toBe(200);
    expect(response.body.active).toBe(true);
  });

  it('answers active false at once after the session is revoked (logout)', async () => {
    expect((await introspect({ token: session.accessToken })).body.active).toBe(true);
    expect((await server.request('POST', '/api/v1/auth/logout', { token: session.accessToken })).status).toBe(200);
    const response = await introspect({ token: session.accessToken });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ active: false });
  });

  it('reads the session row too: a revocation this instance has not been told about is still seen', async () => {
    // Grey-box: the row is revoked without the event that feeds the in-memory set (as when another instance revoked
    // it and the bus message is still in flight). The ordinary request path still accepts the token; introspection not.
    await server.ctx.repos.sessions.revoke(session.sessionId, server.clock.now(), 'test');
    expect((await server.request('GET', '/api/v1/auth/me', { token: session.accessToken })).status).toBe(200);
    expect((await introspect({ token: session.accessToken })).body).toEqual({ active: false });
  });

  it('answers active false for an expired token', async () => {
    const exp = decodeJwt(session.accessToken).exp as number;
    server.clock.advance((exp - Math.floor(server.clock.now() / 1000) + 31) * 1000);
    expect((await introspect({ token: session.accessToken })).body).toEqual({ active: false });
  });

  it('answers active false for forged and foreign credentials, never an error', async () => {
    const [header, payload, signature] = session.accessToken.split('.') as [string, string, string];
    const admin = Buffer.from(JSON.stringify({ ...decodeJwt(session.accessToken), role: 'admin' })).toString('base64url');
    for (const token of [`${header}.${admin}.${signature}`, `${header}.${payload}.`, session.refreshToken, introspectKey, 'not-a-token']) {
      const response = await introspect({ token });
      expect(response.status, response.text).toBe(200);
      expect(response.body).toEqual({ active: false });
    }
  });

  it('refuses a key without the introspect scope (403) and a key-less request (401)', async () => {
    const wideKey = await createKey(['read', 'write', 'admin']);
    const refused = await introspect({ token: session.accessToken }, wideKey);
    expect(refused.status, refused.text).toBe(403);
    expect(refused.body.code).toBe('forbidden');
    const anonymous = await server.request('POST', INTROSPECT, { form: { token: session.accessToken } });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.code).toBe('not_authenticated');
  });

  it("refuses a person's access token as the client credential (403): only a resource server's key may ask", async () => {
    const response = await server.request('POST', INTROSPECT, { form: { token: session.accessToken }, token: session.accessToken });
    expect(response.status, response.text).toBe(403);
    expect(response.body.code).toBe('forbidden');
  });

  it('redeems a WebSocket ticket once, with the ws_ticket hint', async () => {
    const issued = await server.request('POST', '/api/v1/auth/ws-ticket', { token: session.accessToken });
    expect(issued.status, issued.text).toBe(201);
    const first = await introspect({ token: issued.body.ticket, token_type_hint: 'ws_ticket' });
    expect(first.body).toMatchObject({ active: true, sub: user.id, sid: session.sessionId, role: 'user', token_type: 'ws_ticket' });
    expect((await introspect({ token: issued.body.ticket, token_type_hint: 'ws_ticket' })).body).toEqual({ active: false });
  });

  it('answers active false for the ticket of a revoked session', async () => {
    const issued = await server.request('POST', '/api/v1/auth/ws-ticket', { token: session.accessToken });
    await server.request('POST', '/api/v1/auth/logout', { token: session.accessToken });
    expect((await introspect({ token: issued.body.ticket, token_type_hint: 'ws_ticket' })).body).toEqual({ active: false });
  });

  it('never writes the token or the key to the log', async () => {
    await introspect({ token: session.accessToken });
    const logs = server.logs.join('\n');
    expect(logs).not.toContain(session.accessToken);
    expect(logs).not.toContain(introspectKey);
  });
});
