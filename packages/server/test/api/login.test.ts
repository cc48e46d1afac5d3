import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../helpers/databases.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { GOOD_PASSWORD, loginAs, registerUser, uniqueEmail } from '../helpers/users.js';

const LOGIN = '/api/v1/auth/login';

describeEachDatabase('POST /auth/login', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    // Five wrong variants and then the right password: above the default lockout threshold (tested in lockout.test.ts).
    server = await startTestServer({ dialect, env: { RATE_LIMIT_ENABLED: 'false', LOCKOUT_THRESHOLD: '10' } });
  });
  afterAll(() => server.close());

  it('logs in by email or username in any case and returns the token object of API.md', async () => {
    const user = await registerUser(server);
    for (const identifier of [user.email, user.email.toUpperCase(), user.username, user.username.toUpperCase()]) {
      const response = await server.request('POST', LOGIN, { json: { username: identifier, password: user.password } });
      expect(response.status, identifier).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.body).toEqual({
        access_token: expect.stringMatching(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/),
        refresh_token: expect.stringMatching(/^rt_[\w-]{43}$/),
        token_type: 'bearer',
        expires_in: 1800,
        refresh_expires_in: 7 * 86_400,
        session_id: expect.any(String),
      });
    }
  });

  it('issues at+jwt EdDSA tokens with the claims of API.md', async () => {
    const user = await registerUser(server);
    const { accessToken, sessionId } = await loginAs(server, user);
    const [header, payload] = accessToken
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
    const jwks = await server.request('GET', '/.well-known/jwks.json');
    expect(header).toEqual({ alg: 'EdDSA', typ: 'at+jwt', kid: jwks.body.keys[0].kid });
    expect(payload).toEqual({
      iss: 'http://gatehouse.test',
      aud: 'gatehouse',
      sub: user.id,
      sid: sessionId,
      jti: expect.any(String),
      role: 'user',
      iat: Math.floor(server.clock.now() / 1000),
      exp: Math.floor(server.clock.now() / 1000) + 1800,
    });
  });

  it('gives a wrong password and an unknown user the same 401', async () => {
    const user = await registerUser(server);
    const wrong = await server.request('POST', LOGIN, { json: { username: user.email, password: 'not the password' } });
    const unknown = await server.request('POST', LOGIN, { json: { username: uniqueEmail('nobody'), password: 'not the password' } });
    const unknownName = await server.request('POST', LOGIN, { json: { username: 'nobody_at_all', password: 'not the password' } });
    for (const response of [wrong, unknown, unknownName]) {
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(response.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    }
    expect(unknown.text).toBe(wrong.text);
    expect(unknownName.text).toBe(wrong.text);
    expect(wrong.body).toEqual({
      type: 'about:blank',
      title: 'Unauthorized',
      status: 401,
      detail: 'Incorrect username or password',
      code: 'invalid_credentials',
    });
  });

  it('spends a password verification on unknown users too, so timing does not reveal accounts', async () => {
    const user = await registerUser(server);
    const time = async (username: string) => {
      const start = performance.now();
      await server.request('POST', LOGIN, { json: { username, password: 'not the password' } });
      return performance.now() - start;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 6; i++) {
      known.push(await time(user.email));
      unknown.push(await time(uniqueEmail('ghost')));
    }
    const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1] as number;
    // Without the dummy verification an unknown user answers in ~1 ms against ~20 ms for argon2id.
    expect(median(unknown) / median(known)).toBeGreaterThan(0.5);
  });

  it('does not truncate or fold the password', async () => {
    const password = `${'Zz9!'.repeat(20)}tail`;
    const user = await registerUser(server, { password });
    for (const attempt of [password.slice(0, 72), `${password}x`, password.toLowerCase(), ` ${password}`, `${password} `]) {
      const response = await server.request('POST', LOGIN, { json: { username: user.email, password: attempt } });
      expect(response.status).toBe(401);
    }
    expect((await server.request('POST', LOGIN, { json: { username: user.email, password } })).status).toBe(200);
  });

  it('normalises passwords with NFKC, so composed and decomposed forms are one password', async () => {
    const user = await registerUser(server, { password: 'caf\u00e9 au lait noir' });
    const response = await server.request('POST', LOGIN, { json: { username: user.email, password: 'cafe\u0301 au lait noir' } });
    expect(response.status).toBe(200);
  });

  it('gives every login a new session and records device and history', async () => {
    const user = await registerUser(server);
    const first = await loginAs(server, user, 'Ada’s Phone (work)');
    const second = await loginAs(server, user);
    expect(first.sessionId).not.toBe(second.sessionId);
    const session = await server.ctx.repos.sessions.findById(first.sessionId);
    expect(session?.clientId).toBe(`${user.id.slice(-6)}-ada-s-phone-work`);
    expect(session?.deviceName).toBe('Ada’s Phone (work)');
    expect((await server.ctx.repos.sessions.findById(second.sessionId))?.clientId).toBe(`${user.id.slice(-6)}-default`);
    await server.request('POST', LOGIN, {
      json: { username: user.email, password: 'wrong password' },
      headers: { 'user-agent': '<script>alert(1)</script>' },
    });
    const history = await server.ctx.repos.loginHistory.listForUser(user.id, 10);
    expect(history.map((entry) => [entry.success, entry.reason])).toEqual([
      [false, 'bad_password'],
      [true, null],
      [true, null],
    ]);
    expect(history[0]?.ip).toBe('127.0.0.1');
    const me = await server.request('GET', '/api/v1/auth/me', { token: second.accessToken });
    expect(me.body.last_login_at).toBe(new Date(server.clock.now()).toISOString());
  });

  it('accepts the OAuth2 password form on /auth/login/form', async () => {
    const user = await registerUser(server);
    const ok = await server.request('POST', '/api/v1/auth/login/form', {
      form: { username: user.email, password: user.password, grant_type: 'password', scope: '' },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.token_type).toBe('bearer');
    const bad = await server.request('POST', '/api/v1/auth/login/form', { form: { username: user.email, password: 'nope nope nope' } });
    expect(bad.status).toBe(401);
    const grant = await server.request('POST', '/api/v1/auth/login/form', {
      form: { username: user.email, password: user.password, grant_type: 'client_credentials' },
    });
    expect(grant.status).toBe(422);
    const extra = await server.request('POST', '/api/v1/auth/login/form', { form: { username: user.email, password: user.password, role: 'admin' } });
    expect(extra.status).toBe(422);
    const twice = await server.request('POST', '/api/v1/auth/login/form', {
      raw: `username=${encodeURIComponent(user.email)}&password=a&password=b`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(twice.status).toBe(422);
  });

  it('refuses a form body on the JSON login route (no CORS-simple content types)', async () => {
    const user = await registerUser(server);
    const response = await server.request('POST', LOGIN, { form: { username: user.email, password: user.password } });
    expect(response.status).toBe(415);
    expect(response.body.code).toBe('unsupported_media_type');
    const text = await server.request('POST', LOGIN, {
      raw: JSON.stringify({ username: user.email, password: user.password }),
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
  });

  it('does not take a client-sent X-Forwarded-For as the client IP unless TRUST_PROXY is on', async () => {
    const user = await registerUser(server);
    await server.request('POST', LOGIN, { json: { username: user.email, password: GOOD_PASSWORD }, headers: { 'x-forwarded-for': '203.0.113.9' } });
    const [latest] = await server.ctx.repos.loginHistory.listForUser(user.id, 1);
    expect(latest?.ip).toBe('127.0.0.1');
  });
});
