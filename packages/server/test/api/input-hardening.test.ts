import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../helpers/databases.js';
import { type HttpResponse, startTestServer, type TestServer } from '../helpers/test-server.js';
import { loginAs, registerUser } from '../helpers/users.js';

interface Route {
  readonly method: string;
  readonly path: string;
  readonly auth: boolean;
  /** Field names the body schema knows, to build wrong-type bodies. */
  readonly fields: readonly string[];
}

const ROUTES: readonly Route[] = [
  { method: 'POST', path: '/api/v1/auth/register', auth: false, fields: ['email', 'password', 'username', 'display_name', 'full_name'] },
  { method: 'POST', path: '/api/v1/auth/login', auth: false, fields: ['username', 'password', 'device_name'] },
  { method: 'POST', path: '/api/v1/auth/refresh', auth: false, fields: ['refresh_token'] },
  { method: 'PATCH', path: '/api/v1/users/me', auth: true, fields: ['display_name', 'username', 'email', 'current_password'] },
  { method: 'DELETE', path: '/api/v1/users/me', auth: true, fields: ['password'] },
  { method: 'POST', path: '/api/v1/auth/password/change', auth: true, fields: ['current_password', 'new_password'] },
  { method: 'POST', path: '/api/v1/auth/password/reset/request', auth: false, fields: ['email'] },
  { method: 'POST', path: '/api/v1/auth/password/reset/confirm', auth: false, fields: ['token', 'new_password'] },
  { method: 'POST', path: '/api/v1/auth/email/verification/confirm', auth: false, fields: ['token'] },
];

const WRONG_TYPES: readonly unknown[] = [123, true, [], {}, ['a', 'b'], { $ne: null }, -0, 1.5];
const ODD_STRINGS: readonly string[] = [
  '\u0000',
  '\ud800',
  '\u202e\u0041',
  '🦊'.repeat(300),
  'e\u0301',
  '\uFEFF',
  "' OR 1=1--",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal log4shell payload, not a template
  '${jndi:ldap://x}',
  'a'.repeat(60_000),
];

/** Never a 5xx; any error is a problem document that leaks no internals. */
function expectNoServerError(response: HttpResponse, label: string): void {
  expect(response.status, `${label}: ${response.text.slice(0, 200)}`).toBeLessThan(500);
  if (response.status >= 400) expectProblem(response, label);
}

function expectProblem(response: HttpResponse, label: string): void {
  expect(response.status, `${label}: ${response.text.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
  expect(response.status, label).toBeLessThan(500);
  expect(response.headers.get('content-type'), label).toBe('application/problem+json; charset=utf-8');
  expect(response.body, label).toMatchObject({ type: 'about:blank', status: response.status, code: expect.any(String), detail: expect.any(String) });
  expect(response.text, label).not.toMatch(/at .+\.(ts|js):\d+|node_modules|SQLITE|syntax error at/i);
}

describeEachDatabase('bad input never breaks anything', (dialect) => {
  let server: TestServer;
  let token: string;
  let usersBefore: number;
  let registered = 0;
  beforeAll(async () => {
    server = await startTestServer({ dialect, env: { RATE_LIMIT_ENABLED: 'false' } });
    token = (await loginAs(server, await registerUser(server))).accessToken;
    usersBefore = await countUsers();
  });
  afterAll(() => server.close());

  async function countUsers(): Promise<number> {
    const row = await server.database.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst();
    return Number(row?.n);
  }

  const call = (route: Route, options: Parameters<TestServer['request']>[2] = {}) =>
    server.request(route.method, route.path, { ...options, ...(route.auth && { token }) });

  for (const route of ROUTES) {
    const label = `${route.method} ${route.path}`;

    it(`${label}: malformed JSON → 400`, async () => {
      for (const raw of ['{', '{"a":', 'nul', '[1,2', '{"a":1}}', '\u0000', '{"a":"\\x"}']) {
        const response = await call(route, { raw, headers: { 'content-type': 'application/json' } });
        expectProblem(response, `${label} ${raw}`);
        expect(response.status).toBe(400);
      }
    });

    it(`${label}: empty body, non-object JSON and missing fields → 4xx`, async () => {
      // PATCH with {} is a valid no-op; everything else here lacks a required field or is not an object.
      for (const raw of ['', 'null', '[]', '"text"', '42', 'true', '1e309', ...(route.method === 'PATCH' ? [] : ['{}'])]) {
        const response = await call(route, { raw, headers: { 'content-type': 'application/json' } });
        expectProblem(response, `${label} ${JSON.stringify(raw)}`);
      }
    });

    it(`${label}: wrong content types → 415`, async () => {
      for (const type of ['text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'image/png']) {
        const response = await call(route, { raw: 'a=b', headers: { 'content-type': type } });
        expectProblem(response, `${label} ${type}`);
        expect(response.status).toBe(415);
      }
    });

    it(`${label}: bodies over 64 KiB → 413`, async () => {
      const response = await call(route, { json: { [route.fields[0] as string]: 'x'.repeat(70 * 1024) } });
      expectProblem(response, label);
      expect(response.status).toBe(413);
      expect(response.body.code).toBe('payload_too_large');
    });

    it(`${label}: wrong types in every field → 422 naming the field`, async () => {
      for (const field of route.fields) {
        for (const value of WRONG_TYPES) {
          const response = await call(route, { json: { [field]: value } });
          expectProblem(response, `${label} ${field}=${JSON.stringify(value)}`);
          expect(response.status).toBe(422);
          expect(response.body.errors.length).toBeGreaterThan(0);
        }
      }
    });

    it(`${label}: odd Unicode and injection strings → never a 500`, async () => {
      for (const field of route.fields) {
        for (const value of ODD_STRINGS) {
          const response = await call(route, { json: { [field]: value } });
          expectNoServerError(response, `${label} ${field}`);
        }
      }
    });
  }

  it('refuses lone surrogates in stored text, which would be saved as U+FFFD', async () => {
    for (const json of [
      { email: 'lone@example.com', password: 'correct horse \ud800 battery' },
      { email: 'lone@example.com', password: 'correct horse battery staple', display_name: 'A\ud800' },
    ]) {
      const response = await server.request('POST', '/api/v1/auth/register', { json });
      expect(response.status).toBe(422);
      expect(response.body.detail).toMatch(/valid Unicode/);
    }
  });

  it('odd but valid values in a complete registration either succeed or fail cleanly', async () => {
    for (const display of ['\ud800', 'e\u0301', '🦊'.repeat(100), 'Ṩ̈ǫ͓m̹e̠ Z͚a͓lg͙o']) {
      const response = await server.request('POST', '/api/v1/auth/register', {
        json: { email: `z${Math.random().toString(36).slice(2)}@example.com`, password: 'correct horse battery staple', display_name: display },
      });
      expect([201, 422], display).toContain(response.status);
      if (response.status === 201) registered++;
    }
  });

  it('leaves nothing half-written behind failed requests', async () => {
    // Of all the registrations attempted above, only those answered 201 left a user behind.
    expect(registered).toBeGreaterThan(0);
    expect((await countUsers()) - usersBefore).toBe(registered);
  });

  it('answers unknown routes and methods with a 404 problem', async () => {
    for (const [method, path] of [
      ['GET', '/nope'],
      ['GET', '/api/v1/auth/nope'],
      ['DELETE', '/api/v1/auth/me'],
      ['GET', '/api/v1/auth/login'],
      ['GET', '/ADMIN/users'],
      ['GET', '/api/v1/auth/me/..%2f..%2fhealth'],
    ]) {
      const response = await server.request(method as string, path as string);
      expectProblem(response, `${method} ${path}`);
      expect(response.status).toBe(404);
      expect(response.body.code).toBe('not_found');
    }
  });

  it('puts the security headers on successes and on every kind of error', async () => {
    const responses = [
      await server.request('GET', '/health'),
      await server.request('GET', '/api/v1/auth/me', { token }),
      await server.request('GET', '/api/v1/auth/me'),
      await server.request('GET', '/nope'),
      await server.request('POST', '/api/v1/auth/login', { json: { x: 1 } }),
      await server.request('POST', '/api/v1/auth/login', { json: { username: 'x'.repeat(70_000) } }),
    ];
    for (const response of responses) {
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('x-powered-by')).toBeNull();
      expect(response.headers.get('strict-transport-security')).toBeNull();
    }
  });
});

describeEachDatabase('HTTPS deployments', (dialect) => {
  it('send HSTS when PUBLIC_URL is https', async () => {
    const server = await startTestServer({ dialect, env: { PUBLIC_URL: 'https://auth.example.com' } });
    try {
      const response = await server.request('GET', '/health');
      expect(response.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
    } finally {
      await server.close();
    }
  });
});
