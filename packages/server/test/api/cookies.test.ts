import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../helpers/databases.js';
import { expectProblem } from '../helpers/problems.js';
import { type HttpResponse, startTestServer, type TestServer } from '../helpers/test-server.js';
import { loginAs, registerUser, type TestUser } from '../helpers/users.js';
import { openSocket } from '../helpers/websocket.js';

const ORIGIN = 'http://gatehouse.test'; // PUBLIC_URL of the test servers
const APP = 'https://app.example.com';
const ME = '/api/v1/users/me';

interface Browser {
  readonly cookies: Record<string, string>;
  readonly header: string;
  readonly csrf: string;
}

function cookiesOf(response: HttpResponse): Record<string, string> {
  return Object.fromEntries(response.headers.getSetCookie().map((line) => line.split(';')[0]?.split('=') as [string, string]));
}

describeEachDatabase('browser sessions with cookies and CSRF defence', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ dialect, env: { ALLOWED_ORIGINS: APP } });
  });
  afterAll(() => server.close());

  async function signIn(target: TestServer, user: TestUser, form = false): Promise<Browser & { response: HttpResponse }> {
    const credentials = { username: user.email, password: user.password };
    const response = await target.request('POST', '/api/v1/auth/cookie/login', form ? { form: credentials } : { json: credentials });
    expect(response.status, response.text).toBe(204);
    const cookies = cookiesOf(response);
    return { response, cookies, header: Object.entries(cookies).map(([name, value]) => `${name}=${value}`).join('; '), csrf: cookies.gh_csrf as string };
  }
  const asBrowser = (browser: Browser, headers: Record<string, string> = {}) => ({ headers: { cookie: browser.header, ...headers } });
  const patch = (browser: Browser, headers: Record<string, string>) =>
    server.request('PATCH', ME, { ...asBrowser(browser, headers), json: { display_name: 'Cookie Monster' } });

  it('sets an httpOnly, SameSite=Lax session cookie and a readable CSRF cookie, and authenticates by them', async () => {
    const user = await registerUser(server);
    const browser = await signIn(server, user);
    const [session, csrf] = browser.response.headers.getSetCookie();
    expect(session).toMatch(/^gh_session=v1\.[^;]+; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax$/);
    expect(csrf).toMatch(/^gh_csrf=[\w-]+; Max-Age=\d+; Path=\/; SameSite=Lax$/);
    expect(session).not.toMatch(/Secure/);
    const me = await server.request('GET', ME, asBrowser(browser));
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(user.id);
    // A form post works too, and every login is a new session (a new cookie).
    const again = await signIn(server, user, true);
    expect(again.cookies.gh_session).not.toBe(browser.cookies.gh_session);
    const sessions = await server.request('GET', '/api/v1/auth/sessions', asBrowser(again));
    expect(sessions.body.items).toHaveLength(2);
    expect(sessions.body.items[0]).toMatchObject({ method: 'cookie', current: true, client_id: `${user.id.slice(-6)}-web` });
  });

  it('uses the __Host- name and Secure with COOKIE_SECURE=true', async () => {
    const secure = await startTestServer({ dialect, env: { COOKIE_SECURE: 'true' } });
    try {
      const browser = await signIn(secure, await registerUser(secure));
      const [session, csrf] = browser.response.headers.getSetCookie();
      expect(session).toMatch(/^__Host-gh_session=[^;]+; Max-Age=\d+; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
      expect(csrf).toMatch(/; Secure; SameSite=Lax$/);
      expect((await secure.request('GET', ME, asBrowser(browser))).status).toBe(200);
      // The plain name means nothing to a server using the __Host- one.
      const plain = { headers: { cookie: `gh_session=${browser.cookies['__Host-gh_session']}` } };
      expectProblem(await secure.request('GET', ME, plain), 401, 'not_authenticated');
    } finally {
      await secure.close();
    }
  });

  it('refuses a state-changing cookie request without an allowed origin and the matching X-CSRF-Token', async () => {
    const user = await registerUser(server);
    const browser = await signIn(server, user);
    const other = await signIn(server, await registerUser(server));
    const refused: Record<string, string>[] = [
      {}, // no Origin, no Referer, no token
      { 'x-csrf-token': browser.csrf }, // token but no origin
      { origin: 'https://evil.example', 'x-csrf-token': browser.csrf },
      { origin: 'null', 'x-csrf-token': browser.csrf },
      { origin: ORIGIN }, // no token
      { origin: ORIGIN, 'x-csrf-token': 'wrong' },
      { origin: ORIGIN, 'x-csrf-token': other.csrf }, // another session's token
      { referer: 'https://evil.example/page', 'x-csrf-token': browser.csrf },
    ];
    for (const headers of refused) expectProblem(await patch(browser, headers), 403, 'csrf_failed');
    // A planted gh_csrf cookie that matches the header but not the session does not pass either.
    const planted = { headers: { cookie: `gh_session=${browser.cookies.gh_session}; gh_csrf=${other.csrf}`, origin: ORIGIN, 'x-csrf-token': other.csrf } };
    expectProblem(await server.request('PATCH', ME, { ...planted, json: { display_name: 'x' } }), 403, 'csrf_failed');
    expect((await server.request('GET', ME, asBrowser(browser))).body.display_name).toBeNull();

    for (const headers of [{ origin: ORIGIN }, { origin: APP }, { referer: `${APP}/settings` }] as Record<string, string>[]) {
      const accepted = await patch(browser, { ...headers, 'x-csrf-token': browser.csrf });
      expect(accepted.status, accepted.text).toBe(200);
    }
    // Reads need no token; bearer requests are not subject to the check at all.
    expect((await server.request('GET', ME, asBrowser(browser, { origin: 'https://evil.example' }))).status).toBe(200);
    const { accessToken } = await loginAs(server, user);
    const bearer = await server.request('PATCH', ME, { token: accessToken, headers: { origin: 'https://evil.example' }, json: { display_name: 'By bearer' } });
    expect(bearer.status).toBe(200);
  });

  it('refuses a cookie login posted from a foreign origin (login CSRF)', async () => {
    const user = await registerUser(server);
    const response = await server.request('POST', '/api/v1/auth/cookie/login', {
      form: { username: user.email, password: user.password },
      headers: { origin: 'https://evil.example' },
    });
    expectProblem(response, 403, 'csrf_failed');
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('logs out: the session is revoked and both cookies cleared', async () => {
    const user = await registerUser(server);
    const browser = await signIn(server, user);
    expectProblem(await server.request('POST', '/api/v1/auth/cookie/logout', asBrowser(browser)), 403, 'csrf_failed');
    const out = await server.request('POST', '/api/v1/auth/cookie/logout', asBrowser(browser, { origin: ORIGIN, 'x-csrf-token': browser.csrf }));
    expect(out.status).toBe(204);
    const cleared = out.headers.getSetCookie();
    expect(cleared.map((line) => line.split('=')[0])).toEqual(['gh_session', 'gh_csrf']);
    for (const line of cleared) expect(line).toMatch(/Expires=Thu, 01 Jan 1970/);
    expectProblem(await server.request('GET', ME, asBrowser(browser)), 401, 'session_revoked');
  });

  it('refuses forged, tampered and expired cookies', async () => {
    const user = await registerUser(server);
    const browser = await signIn(server, user);
    const value = browser.cookies.gh_session as string;
    const [v, sid, uid, exp, mac] = value.split('.');
    const other = await registerUser(server);
    for (const forged of [
      'v1.x.y.z.w',
      `${v}.${sid}.${other.id}.${exp}.${mac}`, // someone else's user id under my seal
      `${v}.${sid}.${uid}.${Number(exp) + 86_400_000}.${mac}`, // a longer life
      `${value}x`,
      'a'.repeat(5000),
    ]) {
      expectProblem(await server.request('GET', ME, { headers: { cookie: `gh_session=${forged}` } }), 401, 'invalid_token');
    }
    server.clock.advance(7 * 86_400_000 + 1000);
    expectProblem(await server.request('GET', ME, asBrowser(browser)), 401, 'invalid_token');
  });

  it('opens a WebSocket with the cookie only from an allowed origin (no cross-site WebSocket hijacking)', async () => {
    const user = await registerUser(server);
    const browser = await signIn(server, user);
    const socket = openSocket(server, '', { cookie: browser.header, origin: APP });
    const hello = await socket.message((message) => message.type === 'hello');
    expect(hello).toMatchObject({ user_id: user.id, client_id: `${user.id.slice(-6)}-web` });
    for (const headers of [{ cookie: browser.header, origin: 'https://evil.example' }, { cookie: browser.header }] as Record<string, string>[]) {
      expect(await openSocket(server, '', headers).outcome()).toBe('1008 csrf_failed');
    }
    // Logging out the cookie session closes its socket.
    await server.request('POST', '/api/v1/auth/cookie/logout', asBrowser(browser, { origin: ORIGIN, 'x-csrf-token': browser.csrf }));
    expect((await socket.closed()).code).toBe(1008);
  });

  describe('CORS', () => {
    it('answers preflights for allowed origins with credentials, never with *, and ignores others', async () => {
      const preflight = (origin: string) =>
        server.request('OPTIONS', ME, { headers: { origin, 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'x-csrf-token, content-type' } });
      for (const origin of [APP, ORIGIN]) {
        const allowed = await preflight(origin);
        expect(allowed.status).toBe(204);
        expect(allowed.headers.get('access-control-allow-origin')).toBe(origin);
        expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
        expect(allowed.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-csrf-token');
      }
      const foreign = await preflight('https://evil.example');
      expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
      const simple = await server.request('GET', '/health', { headers: { origin: 'https://evil.example' } });
      expect(simple.headers.get('access-control-allow-origin')).toBeNull();
    });
  });
});
