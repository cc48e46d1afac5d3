import { afterAll, beforeAll, expect, it } from 'vitest';
import { bootstrapAdmin, createUser, loginAdmin } from '../helpers/admin.js';
import { FrozenClock } from '../helpers/clock.js';
import { describeEachDatabase, type Dialect } from '../helpers/databases.js';
import { expectProblem } from '../helpers/problems.js';
import { type HttpResponse, startTestServer, type TestServer } from '../helpers/test-server.js';
import { GOOD_PASSWORD, uniqueEmail, USER_FIELDS } from '../helpers/users.js';

/**
 * The compatibility routes (API.md "Compatibility routes" and "Details that settle edge cases"): what a client written
 * for a fastapi-users back end sends, answered as fastapi-users answers, by the same use-cases as the canonical
 * routes, so lockout, rate limits and the audit trail apply alike.
 */

const ADMIN = { email: 'compat-admin@example.com', password: 'compatibility suite admin phrase' };
const ORIGIN = 'http://gatehouse.test'; // the test servers' PUBLIC_URL
const WRONG = 'not the right password';
const COMPAT_ROUTES = [
  ['POST', '/auth/jwt/login'],
  ['POST', '/auth/cookie/login'],
  ['POST', '/auth/logout'],
  ['GET', '/api/users/me'],
  ['PATCH', '/api/users/me'],
  ['POST', '/api/create_user'],
] as const;

/**
 * A client as written for a fastapi-users back end, and nothing more: the OAuth2 password form with the email as
 * `username` on POST /auth/jwt/login, then `Authorization: Bearer` on /api/users/me. It knows nothing of Gatehouse.
 */
class FastapiUsersClient {
  private accessToken: string | undefined;

  constructor(private readonly baseUrl: string) {}

  async login(email: string, password: string): Promise<HttpResponse> {
    const response = await this.send('POST', '/auth/jwt/login', {
      'content-type': 'application/x-www-form-urlencoded',
    }, new URLSearchParams({ username: email, password }).toString());
    if (response.status === 200) this.accessToken = response.body.access_token;
    return response;
  }

  me(): Promise<HttpResponse> {
    return this.send('GET', '/api/users/me', this.bearer());
  }

  updateMe(changes: Record<string, unknown>): Promise<HttpResponse> {
    return this.send('PATCH', '/api/users/me', { ...this.bearer(), 'content-type': 'application/json' }, JSON.stringify(changes));
  }

  logout(): Promise<HttpResponse> {
    return this.send('POST', '/auth/logout', this.bearer());
  }

  private bearer(): Record<string, string> {
    return this.accessToken === undefined ? {} : { authorization: `Bearer ${this.accessToken}` };
  }

  private async send(method: string, path: string, headers: Record<string, string>, body?: string): Promise<HttpResponse> {
    const response = await fetch(this.baseUrl + path, { method, headers, body });
    const text = await response.text();
    const json = (response.headers.get('content-type') ?? '').includes('json') && text !== '';
    return { status: response.status, headers: response.headers, text, body: json ? JSON.parse(text) : text };
  }
}

/** fastapi-users' failed login: a 400 whose `detail` is its error string; still a problem document with our `code`. */
function expectFastapiUsersError(response: HttpResponse, detail: 'LOGIN_BAD_CREDENTIALS' | 'LOGIN_USER_NOT_VERIFIED'): void {
  expectProblem(response, 400, detail === 'LOGIN_BAD_CREDENTIALS' ? 'invalid_credentials' : 'email_not_verified');
  expect(response.body).toEqual({ type: 'about:blank', title: 'Bad Request', status: 400, detail, code: expect.any(String) });
  expect(response.body).not.toHaveProperty('access_token');
  expect(response.headers.getSetCookie()).toEqual([]);
}

function cookiesOf(response: HttpResponse): Record<string, string> {
  return Object.fromEntries(response.headers.getSetCookie().map((line) => line.split(';')[0]?.split('=') as [string, string]));
}

describeEachDatabase('compatibility routes for fastapi-users clients', (dialect: Dialect) => {
  let server: TestServer;
  let admin: { accessToken: string; id: string };

  beforeAll(async () => {
    // fastapi-users' `requires_verification=True`, so LOGIN_USER_NOT_VERIFIED has something to answer.
    server = await startTestServer({ dialect, env: { ...bootstrapAdmin(ADMIN), RATE_LIMIT_ENABLED: 'false', REQUIRE_EMAIL_VERIFICATION: 'true' } });
    admin = await loginAdmin(server, ADMIN);
  });
  afterAll(() => server.close());

  const formLogin = (username: string, password: string) => server.request('POST', '/auth/jwt/login', { form: { username, password } });

  it('serves a fastapi-users client unchanged: form login with the email, then Bearer on GET and PATCH /api/users/me', async () => {
    const user = await createUser(server, admin.accessToken);
    const client = new FastapiUsersClient(server.url);

    const login = await client.login(user.email, user.password);
    expect(login.status, login.text).toBe(200);
    expect(login.body).toEqual({ access_token: expect.any(String), token_type: 'bearer' });

    const me = await client.me();
    expect(me.status, me.text).toBe(200);
    expect(me.body).toMatchObject({ id: user.id, email: user.email, is_active: true, is_superuser: false, is_verified: true });

    const updated = await client.updateMe({ display_name: 'Ada L.' });
    expect(updated.status, updated.text).toBe(200);
    expect(updated.body).toMatchObject({ id: user.id, display_name: 'Ada L.' });
    expect((await client.me()).body.display_name).toBe('Ada L.');
  });

  it('answers /api/users/me exactly as /api/v1/users/me, and takes a username as well as an email', async () => {
    const user = await createUser(server, admin.accessToken);
    const login = await formLogin(user.username, user.password);
    expect(login.status, login.text).toBe(200);
    const token = login.body.access_token as string;
    const compat = await server.request('GET', '/api/users/me', { token });
    const canonical = await server.request('GET', '/api/v1/users/me', { token });
    expect(compat.status).toBe(200);
    expect(Object.keys(compat.body).sort()).toEqual(USER_FIELDS);
    expect(compat.body).toEqual(canonical.body);
    // The same rules too: no mass assignment, an email change needs the current password.
    expectProblem(await server.request('PATCH', '/api/users/me', { token, json: { role: 'admin' } }), 422, 'validation_failed');
    expectProblem(await server.request('PATCH', '/api/users/me', { token, json: { is_superuser: true } }), 422, 'validation_failed');
    expectProblem(await server.request('PATCH', '/api/users/me', { token, json: { email: uniqueEmail() } }), 422, 'validation_failed');
    expectProblem(await server.request('GET', '/api/users/me'), 401, 'not_authenticated');
  });

  it('answers bad credentials with 400 LOGIN_BAD_CREDENTIALS, the same for a wrong password, an unknown user and an inactive one', async () => {
    const user = await createUser(server, admin.accessToken);
    const wrongPassword = await formLogin(user.email, WRONG);
    expectFastapiUsersError(wrongPassword, 'LOGIN_BAD_CREDENTIALS');
    const unknown = await formLogin(uniqueEmail('nobody'), WRONG);
    expectFastapiUsersError(unknown, 'LOGIN_BAD_CREDENTIALS');
    expect(unknown.text).toBe(wrongPassword.text);

    // fastapi-users: `if user is None or not user.is_active` → LOGIN_BAD_CREDENTIALS, even with the right password.
    const inactive = await createUser(server, admin.accessToken);
    const deactivated = await server.request('PATCH', `/api/v1/users/${inactive.id}`, { token: admin.accessToken, json: { is_active: false } });
    expect(deactivated.status, deactivated.text).toBe(200);
    expectFastapiUsersError(await formLogin(inactive.email, inactive.password), 'LOGIN_BAD_CREDENTIALS');
    // The canonical route still tells the account's owner why.
    expectProblem(await server.request('POST', '/api/v1/auth/login', { json: { username: inactive.email, password: inactive.password } }), 403, 'account_inactive');
  });

  it('answers an unverified user with 400 LOGIN_USER_NOT_VERIFIED when verification is required, only after the right password', async () => {
    const email = uniqueEmail('unverified');
    const created = await server.request('POST', '/api/create_user', { token: admin.accessToken, json: { email, password: GOOD_PASSWORD } });
    expect(created.status, created.text).toBe(201);
    expect(created.body.is_verified).toBe(false);
    expectFastapiUsersError(await formLogin(email, GOOD_PASSWORD), 'LOGIN_USER_NOT_VERIFIED');
    expectFastapiUsersError(await formLogin(email, WRONG), 'LOGIN_BAD_CREDENTIALS');
  });

  it('locks an account after LOCKOUT_THRESHOLD failures: 429 account_locked, shared with the canonical login', async () => {
    const user = await createUser(server, admin.accessToken);
    // The failure that reaches the threshold (5) still answers as a failure.
    for (let i = 0; i < 5; i++) expectFastapiUsersError(await formLogin(user.email, WRONG), 'LOGIN_BAD_CREDENTIALS');
    const locked = await formLogin(user.email, user.password);
    expectProblem(locked, 429, 'account_locked');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    // One counter per account: its username, the cookie login and the canonical login are locked too.
    expectProblem(await formLogin(user.username, user.password), 429, 'account_locked');
    expectProblem(await server.request('POST', '/auth/cookie/login', { form: { username: user.email, password: user.password } }), 429, 'account_locked');
    expectProblem(await server.request('POST', '/api/v1/auth/login', { json: { username: user.email, password: user.password } }), 429, 'account_locked');
    // And an admin's unlock frees it for the compatibility route as well.
    expect((await server.request('POST', `/api/v1/admin/users/${user.id}/unlock`, { token: admin.accessToken, json: {} })).status).toBe(200);
    expect((await formLogin(user.email, user.password)).status).toBe(200);
  });

  it('signs a browser in with the form cookie login (204, gh_session and gh_csrf), and a cookie PATCH needs the CSRF check', async () => {
    const user = await createUser(server, admin.accessToken);
    const login = await server.request('POST', '/auth/cookie/login', { form: { username: user.email, password: user.password } });
    expect(login.status, login.text).toBe(204);
    const [session, csrf] = login.headers.getSetCookie();
    expect(session).toMatch(/^gh_session=[^;]+; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax$/);
    expect(csrf).toMatch(/^gh_csrf=[\w-]+; Max-Age=\d+; Path=\/; SameSite=Lax$/);
    const cookies = cookiesOf(login);
    const cookie = `gh_session=${cookies.gh_session}; gh_csrf=${cookies.gh_csrf}`;

    const read = await server.request('GET', '/api/users/me', { headers: { cookie } });
    expect(read.status, read.text).toBe(200);
    expect(read.body.id).toBe(user.id);
    const patch = (headers: Record<string, string>) => server.request('PATCH', '/api/users/me', { headers: { cookie, ...headers }, json: { display_name: 'By cookie' } });
    expectProblem(await patch({}), 403, 'csrf_failed');
    expectProblem(await patch({ origin: ORIGIN }), 403, 'csrf_failed');
    expectProblem(await patch({ origin: 'https://evil.example', 'x-csrf-token': cookies.gh_csrf as string }), 403, 'csrf_failed');
    const accepted = await patch({ origin: ORIGIN, 'x-csrf-token': cookies.gh_csrf as string });
    expect(accepted.status, accepted.text).toBe(200);
    expect(accepted.body.display_name).toBe('By cookie');

    expectFastapiUsersError(await server.request('POST', '/auth/cookie/login', { form: { username: user.email, password: WRONG } }), 'LOGIN_BAD_CREDENTIALS');
    // Login CSRF: a foreign page cannot sign a browser in.
    const foreign = await server.request('POST', '/auth/cookie/login', { form: { username: user.email, password: user.password }, headers: { origin: 'https://evil.example' } });
    expectProblem(foreign, 403, 'csrf_failed');
  });

  it('logs out: POST /auth/logout revokes the bearer session, or the cookie session (clearing its cookies), with 204', async () => {
    const user = await createUser(server, admin.accessToken);
    const client = new FastapiUsersClient(server.url);
    expect((await client.login(user.email, user.password)).status).toBe(200);
    const out = await client.logout();
    expect(out.status, out.text).toBe(204);
    expectProblem(await client.me(), 401, 'session_revoked');
    expectProblem(await client.logout(), 401, 'session_revoked');

    const login = await server.request('POST', '/auth/cookie/login', { form: { username: user.email, password: user.password } });
    const cookies = cookiesOf(login);
    const headers = { cookie: `gh_session=${cookies.gh_session}; gh_csrf=${cookies.gh_csrf}` };
    // A cookie logout is state-changing: the CSRF check applies.
    expectProblem(await server.request('POST', '/auth/logout', { headers }), 403, 'csrf_failed');
    const cookieOut = await server.request('POST', '/auth/logout', { headers: { ...headers, origin: ORIGIN, 'x-csrf-token': cookies.gh_csrf as string } });
    expect(cookieOut.status, cookieOut.text).toBe(204);
    const cleared = cookieOut.headers.getSetCookie();
    expect(cleared.some((line) => /^gh_session=;.*Expires=Thu, 01 Jan 1970/.test(line))).toBe(true);
    expect(cleared.some((line) => /^gh_csrf=;.*Expires=Thu, 01 Jan 1970/.test(line))).toBe(true);
    expectProblem(await server.request('GET', '/api/users/me', { headers }), 401, 'session_revoked');
    expectProblem(await server.request('POST', '/auth/logout'), 401, 'not_authenticated');
  });

  it('creates users on POST /api/create_user for an admin (201 User); a user gets 403, an anonymous caller 401', async () => {
    const email = uniqueEmail('created');
    const created = await server.request('POST', '/api/create_user', {
      token: admin.accessToken,
      json: { email, password: GOOD_PASSWORD, full_name: 'Grace H.', is_verified: true },
    });
    expect(created.status, created.text).toBe(201);
    expect(Object.keys(created.body).sort()).toEqual(USER_FIELDS);
    expect(created.body).toMatchObject({ email, display_name: 'Grace H.', role: 'user', is_verified: true });
    expect((await formLogin(email, GOOD_PASSWORD)).status).toBe(200);
    expectProblem(await server.request('POST', '/api/create_user', { token: admin.accessToken, json: { email, password: GOOD_PASSWORD } }), 409, 'email_taken');

    const user = await createUser(server, admin.accessToken);
    const userToken = (await formLogin(user.email, user.password)).body.access_token as string;
    expectProblem(await server.request('POST', '/api/create_user', { token: userToken, json: { email: uniqueEmail(), password: GOOD_PASSWORD } }), 403, 'forbidden');
    expectProblem(await server.request('POST', '/api/create_user', { json: { email: uniqueEmail(), password: GOOD_PASSWORD } }), 401, 'not_authenticated');
  });

  it('writes the audit trail: compatibility logins (method compat_form), failures and created users show in the audit log', async () => {
    const user = await createUser(server, admin.accessToken);
    expect((await formLogin(user.email, user.password)).status).toBe(200);
    expectFastapiUsersError(await formLogin(user.email, WRONG), 'LOGIN_BAD_CREDENTIALS');
    const email = uniqueEmail('audited');
    const created = await server.request('POST', '/api/create_user', { token: admin.accessToken, json: { email, password: GOOD_PASSWORD } });
    expect(created.status).toBe(201);

    const logins = await server.request('GET', `/api/v1/admin/audit-log?target_id=${user.id}&action=user.login_succeeded,user.login_failed`, {
      token: admin.accessToken,
    });
    expect(logins.status, logins.text).toBe(200);
    expect(logins.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'user.login_succeeded', actor_id: user.id, details: expect.objectContaining({ method: 'compat_form' }) }),
        expect.objectContaining({ action: 'user.login_failed', target_id: user.id, details: expect.objectContaining({ method: 'compat_form', reason: 'bad_password' }) }),
      ]),
    );
    const creations = await server.request('GET', `/api/v1/admin/audit-log?target_id=${created.body.id}&action=user.created`, { token: admin.accessToken });
    expect(creations.body.items).toEqual([expect.objectContaining({ action: 'user.created', actor_id: admin.id, target_id: created.body.id })]);
  });

  it('lists the routes in the OpenAPI document under their own tag, `compatibility`', async () => {
    const document = (await server.request('GET', '/openapi.json')).body;
    for (const [method, path] of COMPAT_ROUTES) {
      expect(document.paths[path]?.[method.toLowerCase()]?.tags, `${method} ${path}`).toEqual(['compatibility']);
    }
    expect(document.paths['/auth/jwt/login'].post.requestBody.content).toHaveProperty('application/x-www-form-urlencoded');
    // The canonical twins keep their own tags.
    expect(document.paths['/api/v1/users/me'].get.tags).toEqual(['users']);
    expect(document.paths['/api/v1/users'].post.tags).toEqual(['users']);
  });

  it('answers malformed bodies with a 4xx problem, never a 500', async () => {
    const admin_ = { token: admin.accessToken };
    const cases: Array<[string, string, Parameters<TestServer['request']>[2], number, string]> = [
      ['POST', '/auth/jwt/login', { form: { username: 'someone' } }, 422, 'validation_failed'],
      ['POST', '/auth/jwt/login', { form: {} }, 422, 'validation_failed'],
      ['POST', '/auth/jwt/login', { raw: 'username=a&username=b&password=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 422, 'validation_failed'],
      ['POST', '/auth/jwt/login', { form: { username: 'someone', password: 'x', grant_type: 'client_credentials' } }, 422, 'validation_failed'],
      ['POST', '/auth/jwt/login', { form: { username: 'someone', password: 'x', role: 'admin' } }, 422, 'validation_failed'],
      ['POST', '/auth/jwt/login', { raw: 'username=someone&password=x', headers: { 'content-type': 'text/plain' } }, 415, 'unsupported_media_type'],
      ['POST', '/auth/jwt/login', { raw: '{"username":', headers: { 'content-type': 'application/json' } }, 400, 'bad_request'],
      ['POST', '/auth/jwt/login', { form: { username: 'x'.repeat(400), password: 'x' } }, 422, 'validation_failed'],
      ['POST', '/auth/jwt/login', { raw: `username=a&password=${'x'.repeat(70 * 1024)}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 413, 'payload_too_large'],
      ['POST', '/auth/cookie/login', { form: { password: 'x' } }, 422, 'validation_failed'],
      ['POST', '/auth/cookie/login', { raw: '%%%', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 422, 'validation_failed'],
      ['PATCH', '/api/users/me', { ...admin_, raw: 'not json', headers: { 'content-type': 'application/json' } }, 400, 'bad_request'],
      ['PATCH', '/api/users/me', { ...admin_, json: [] }, 422, 'validation_failed'],
      ['PATCH', '/api/users/me', { ...admin_, form: { display_name: 'x' } }, 415, 'unsupported_media_type'],
      ['POST', '/api/create_user', { ...admin_, json: {} }, 422, 'validation_failed'],
      ['POST', '/api/create_user', { ...admin_, json: { email: 'not-an-email', password: GOOD_PASSWORD } }, 422, 'validation_failed'],
      ['POST', '/api/create_user', { ...admin_, json: { email: uniqueEmail(), password: GOOD_PASSWORD, role: 'root' } }, 422, 'validation_failed'],
      ['POST', '/api/create_user', { ...admin_, json: { email: uniqueEmail(), password: GOOD_PASSWORD, is_superuser: true } }, 422, 'validation_failed'],
    ];
    for (const [method, path, options, status, code] of cases) {
      const response = await server.request(method, path, options);
      expectProblem(response, status, code);
    }
  });
});

describeEachDatabase('compatibility routes: rate limits', (dialect: Dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      dialect,
      clock: new FrozenClock(Date.UTC(2030, 0, 1, 0, 0, 1)),
      env: { RATE_LIMIT_ANONYMOUS_PER_MINUTE: '1000', TRUST_PROXY: 'true' },
    });
  });
  afterAll(() => server.close());

  it('limits compatibility logins to 20 a minute per client IP, in the bucket the canonical logins share', async () => {
    const ip = { 'x-forwarded-for': '198.51.100.7' };
    for (let i = 0; i < 20; i++) {
      const response = await server.request('POST', '/auth/jwt/login', { form: { username: uniqueEmail('nobody'), password: WRONG }, headers: ip });
      expectFastapiUsersError(response, 'LOGIN_BAD_CREDENTIALS');
      expect(response.headers.get('ratelimit-limit')).not.toBeNull();
    }
    expectProblem(await server.request('POST', '/auth/jwt/login', { form: { username: uniqueEmail('nobody'), password: WRONG }, headers: ip }), 429, 'rate_limited');
    expectProblem(await server.request('POST', '/auth/cookie/login', { form: { username: uniqueEmail('nobody'), password: WRONG }, headers: ip }), 429, 'rate_limited');
    expectProblem(await server.request('POST', '/api/v1/auth/login', { json: { username: uniqueEmail('nobody'), password: WRONG }, headers: ip }), 429, 'rate_limited');
    // Another address is not affected.
    const other = await server.request('POST', '/auth/jwt/login', { form: { username: uniqueEmail('nobody'), password: WRONG }, headers: { 'x-forwarded-for': '198.51.100.8' } });
    expectFastapiUsersError(other, 'LOGIN_BAD_CREDENTIALS');
  });
});

describeEachDatabase('compatibility routes: COMPAT_ROUTES=false', (dialect: Dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ dialect, env: { ...bootstrapAdmin(ADMIN), RATE_LIMIT_ENABLED: 'false', COMPAT_ROUTES: 'false' } });
  });
  afterAll(() => server.close());

  it('removes every compatibility route (404) and leaves the canonical ones alone', async () => {
    const token = (await loginAdmin(server, ADMIN)).accessToken;
    for (const [method, path] of COMPAT_ROUTES) {
      const options = method === 'GET' ? { token } : path.startsWith('/auth/') && path !== '/auth/logout' ? { form: { username: ADMIN.email, password: ADMIN.password } } : { token, json: {} };
      expectProblem(await server.request(method, path, options), 404, 'not_found');
    }
    const document = (await server.request('GET', '/openapi.json')).body;
    for (const [, path] of COMPAT_ROUTES) expect(document.paths).not.toHaveProperty(path);
    expect(server.routes.some((route) => route.url === '/auth/jwt/login')).toBe(false);
    expect((await server.request('GET', '/api/v1/users/me', { token })).status).toBe(200);
  });
});
