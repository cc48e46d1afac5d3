import { afterAll, beforeAll, expect, it } from 'vitest';
import { createGatehouseClient, type CookieReader } from '../src/index.js';
import { describeEachDatabase, NO_LIMITS, registerUser, startTestServer, type TestServer } from './helpers/gatehouse.js';

const ORIGIN = 'http://gatehouse.test'; // the test servers' PUBLIC_URL, an allowed origin

/**
 * What a browser does for a page on ORIGIN, minimally: keeps the cookies the server sets, sends them back, and names
 * the page's origin. Node has no cookie jar, so cookie mode outside a browser is given one like this.
 */
function browserJar(): CookieReader & { readonly fetch: typeof fetch; readonly names: () => string[]; readonly credentialsSent: Array<RequestCredentials | undefined> } {
  const cookies = new Map<string, string>();
  const credentialsSent: Array<RequestCredentials | undefined> = [];
  return {
    get: (name) => cookies.get(name),
    names: () => [...cookies.keys()].sort(),
    credentialsSent,
    async fetch(input, init = {}) {
      credentialsSent.push(init.credentials);
      const headers = new Headers(init.headers);
      headers.set('origin', ORIGIN);
      if (cookies.size > 0) headers.set('cookie', [...cookies].map(([name, value]) => `${name}=${value}`).join('; '));
      const response = await fetch(input, { ...init, headers });
      for (const line of response.headers.getSetCookie()) {
        const [pair = '', ...attributes] = line.split(';');
        const at = pair.indexOf('=');
        const [name, value] = [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
        const expired = value === '' || attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute));
        if (expired) cookies.delete(name);
        else cookies.set(name, value);
      }
      return response;
    },
  };
}

describeEachDatabase('cookie mode', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ dialect, env: NO_LIMITS });
  });
  afterAll(() => server.close());

  it('logs in with cookies, sends the CSRF header on changes, and logs out clearing them; no token is stored', async () => {
    const user = await registerUser(server);
    const jar = browserJar();
    const client = createGatehouseClient({ baseUrl: server.url, mode: 'cookie', fetch: jar.fetch, cookies: jar });
    await client.login({ username: user.email, password: user.password });
    expect(jar.names()).toEqual(['gh_csrf', 'gh_session']);
    expect(await client.tokens()).toBeNull();

    expect((await client.me()).id).toBe(user.id);
    expect(await client.updateProfile({ display_name: 'Cookie user' })).toMatchObject({ display_name: 'Cookie user' });
    expect(new Set(jar.credentialsSent)).toEqual(new Set(['include']));

    await client.logout();
    expect(jar.names()).toEqual([]);
    await expect(client.me()).rejects.toMatchObject({ status: 401, code: 'not_authenticated' });
  });

  it('without the CSRF header a cookie-authenticated change is refused (403 csrf_failed), while reads still work', async () => {
    const user = await registerUser(server);
    const jar = browserJar();
    const blind = createGatehouseClient({ baseUrl: server.url, mode: 'cookie', fetch: jar.fetch, cookies: { get: () => undefined } });
    await blind.login({ username: user.email, password: user.password });
    expect((await blind.me()).id).toBe(user.id);
    await expect(blind.updateProfile({ display_name: 'Forged' })).rejects.toMatchObject({ status: 403, code: 'csrf_failed' });
  });
});
