import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientBucket } from '../../src/domain/rate-limits/client-address.js';
import { bootstrapAdmin, createUser, loginAdmin } from '../helpers/admin.js';
import { FrozenClock } from '../helpers/clock.js';
import { AUTH_FAILURES_PER_MINUTE } from '../../src/domain/rate-limits/auth-failures.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { unusedPort } from '../helpers/ports.js';
import { expectProblem } from '../helpers/problems.js';
import { describeWithRedis } from '../helpers/redis.js';
import { type HttpResponse, type RequestOptions, startTestServer, type TestServer } from '../helpers/test-server.js';
import { GOOD_PASSWORD, uniqueEmail } from '../helpers/users.js';

const ME = '/api/v1/users/me';
const LOGIN = '/api/v1/auth/login';
const MINUTE = 60_000;
const ADMIN = { email: 'limits-admin@example.com', password: 'rate limit suite admin phrase' };
// A public route with no abuse limit of its own: only the anonymous per-IP limit applies to it.
const ANONYMOUS_PROBE = '/api/v1/auth/email/verification/confirm';
const probe = (headers: Record<string, string> = {}): RequestOptions => ({ json: { token: 'not-a-token' }, headers });

let ipCounter = 0;
/** A client address of its own for each use, so that tests sharing a server never share an IP bucket. */
const nextIp = () => `198.51.${Math.floor(++ipCounter / 250)}.${(ipCounter % 250) + 1}`;
const from = (ip: string) => ({ 'x-forwarded-for': ip });

function expectLimitHeaders(response: HttpResponse, limit: number, remaining: number): number {
  expect(response.headers.get('ratelimit-limit'), response.text).toBe(String(limit));
  expect(response.headers.get('ratelimit-remaining')).toBe(String(remaining));
  const reset = Number(response.headers.get('ratelimit-reset'));
  expect(reset).toBeGreaterThanOrEqual(1);
  return reset;
}

function expectRateLimited(response: HttpResponse): number {
  expectProblem(response, 429, 'rate_limited');
  expect(response.headers.get('ratelimit-remaining')).toBe('0');
  const retryAfter = Number(response.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter) && retryAfter >= 1, `Retry-After: ${response.headers.get('retry-after')}`).toBe(true);
  return retryAfter;
}

describeEachDatabase('rate limits', (dialect) => {
  let server: TestServer;
  let admin: { accessToken: string; id: string };
  beforeAll(async () => {
    server = await startTestServer({
      dialect,
      // Windows are aligned on the clock: one second past the hour, a minute resets in 59 s and an hour in 3599 s.
      clock: new FrozenClock(Date.UTC(2030, 0, 1, 0, 0, 1)),
      env: {
        ...bootstrapAdmin(ADMIN),
        RATE_LIMIT_USER_PER_MINUTE: '5',
        // Anonymous limit out of the way here, so each abuse limit is seen on its own (it has its own suite below).
        RATE_LIMIT_ANONYMOUS_PER_MINUTE: '1000',
        // Each test speaks from addresses of its own (X-Forwarded-For is believed only with TRUST_PROXY).
        TRUST_PROXY: 'true',
      },
    });
    admin = await loginAdmin(server, ADMIN);
  });
  afterAll(() => server.close());

  /** A fresh user (created by the admin) logged in from an address of its own. */
  async function freshUser(role: 'user' | 'admin' = 'user') {
    const user = await createUser(server, admin.accessToken, role);
    const response = await server.request('POST', LOGIN, { json: { username: user.email, password: user.password }, headers: from(nextIp()) });
    expect(response.status, response.text).toBe(200);
    return { ...user, accessToken: response.body.access_token as string };
  }

  it('reports limit, remaining and reset of the closest window, counting down', async () => {
    const user = await freshUser();
    for (const remaining of [4, 3, 2]) {
      const response = await server.request('GET', ME, { token: user.accessToken });
      expect(response.status).toBe(200);
      expect(expectLimitHeaders(response, 5, remaining)).toBeLessThanOrEqual(60);
    }
  });

  it('answers 429 rate_limited with Retry-After past the limit, and again 200 once the window has passed', async () => {
    const user = await freshUser();
    for (let i = 0; i < 5; i++) expect((await server.request('GET', ME, { token: user.accessToken })).status).toBe(200);
    const refused = await server.request('GET', ME, { token: user.accessToken });
    expect(expectRateLimited(refused)).toBeLessThanOrEqual(60);
    expect(refused.headers.get('ratelimit-limit')).toBe('5');

    server.clock.advance(MINUTE);
    const again = await server.request('GET', ME, { token: user.accessToken });
    expect(again.status, again.text).toBe(200);
    expectLimitHeaders(again, 5, 4);
  });

  it('gives admins the user limits times RATE_LIMIT_ADMIN_MULTIPLIER', async () => {
    const other = await freshUser('admin');
    const response = await server.request('GET', ME, { token: other.accessToken });
    expect(response.status).toBe(200);
    expectLimitHeaders(response, 50, 49);
  });

  it('applies a per-user limit set by an admin on the next request, and null puts the default back', async () => {
    const user = await freshUser();
    const set = await server.request('PATCH', `/api/v1/users/${user.id}`, { token: admin.accessToken, json: { rate_limit_per_minute: 2 } });
    expect(set.status, set.text).toBe(200);
    expect(set.body).toMatchObject({ rate_limit_per_minute: 2, rate_limit_per_hour: null, rate_limit_per_day: null });
    const shown = await server.request('GET', `/api/v1/users/${user.id}`, { token: admin.accessToken });
    expect(shown.body.rate_limit_per_minute).toBe(2);

    expectLimitHeaders(await server.request('GET', ME, { token: user.accessToken }), 2, 1);
    expect((await server.request('GET', ME, { token: user.accessToken })).status).toBe(200);
    expectRateLimited(await server.request('GET', ME, { token: user.accessToken }));

    const reset = await server.request('PATCH', `/api/v1/users/${user.id}`, { token: admin.accessToken, json: { rate_limit_per_minute: null } });
    expect(reset.body.rate_limit_per_minute).toBeNull();
    // Three counted so far in this minute, of the default five.
    expectLimitHeaders(await server.request('GET', ME, { token: user.accessToken }), 5, 1);
  });

  it('reports the hour when it is the window closest to exhaustion, with a Retry-After to match', async () => {
    const user = await freshUser();
    await server.request('PATCH', `/api/v1/users/${user.id}`, { token: admin.accessToken, json: { rate_limit_per_hour: 2 } });
    expect(expectLimitHeaders(await server.request('GET', ME, { token: user.accessToken }), 2, 1)).toBeGreaterThan(60);
    await server.request('GET', ME, { token: user.accessToken });
    expect(expectRateLimited(await server.request('GET', ME, { token: user.accessToken }))).toBeGreaterThan(60);
  });

  it('refuses limits that are not positive whole numbers', async () => {
    const user = await freshUser();
    for (const value of [0, -1, 1.5, '10', true]) {
      const response = await server.request('PATCH', `/api/v1/users/${user.id}`, { token: admin.accessToken, json: { rate_limit_per_day: value } });
      expectProblem(response, 422, 'validation_failed');
    }
  });

  it('does not let users set their own limits (422), on /users/me or /users/{own id}', async () => {
    const user = await freshUser();
    const viaMe = await server.request('PATCH', ME, { token: user.accessToken, json: { rate_limit_per_minute: 1000 } });
    expectProblem(viaMe, 422, 'validation_failed');
    const viaId = await server.request('PATCH', `/api/v1/users/${user.id}`, { token: user.accessToken, json: { rate_limit_per_minute: 1000 } });
    expectProblem(viaId, 422, 'validation_failed');
    expect(viaId.body.errors).toEqual([{ path: '/rate_limit_per_minute', message: expect.any(String) }]);
    // Nor does their own view show the field, and the default still applies.
    const mine = await server.request('GET', `/api/v1/users/${user.id}`, { token: user.accessToken });
    expect(mine.body).not.toHaveProperty('rate_limit_per_minute');
    expectLimitHeaders(mine, 5, 2);
  });

  it('counts each API key in a bucket of its own, with its owner’s limits', async () => {
    const user = await freshUser();
    const created = await server.request('POST', '/api/v1/auth/api-keys', { token: user.accessToken, json: { name: 'ci' } });
    expect(created.status, created.text).toBe(201);
    for (let i = 0; i < 4; i++) await server.request('GET', ME, { token: user.accessToken });
    expectRateLimited(await server.request('GET', ME, { token: user.accessToken }));

    const byKey = await server.request('GET', ME, { headers: { 'x-api-key': created.body.key } });
    expect(byKey.status, byKey.text).toBe(200);
    expectLimitHeaders(byKey, 5, 4);
    for (let i = 0; i < 4; i++) await server.request('GET', ME, { headers: { 'x-api-key': created.body.key } });
    expectRateLimited(await server.request('GET', ME, { headers: { 'x-api-key': created.body.key } }));
  });

  it('refuses a client that earned 30 401s in a minute (guessing tokens or API keys), other clients unaffected', async () => {
    const user = await freshUser();
    const guesser = nextIp();
    const guesses: Record<string, string>[] = [
      { authorization: 'Bearer not.a.token' },
      { 'x-api-key': 'gh_guessed_key_0123456789abcdefghijklmnop' },
      { authorization: `Bearer ${user.accessToken.slice(0, -2)}xx` },
    ];
    for (let n = 0; n < AUTH_FAILURES_PER_MINUTE; n++) {
      const response = await server.request('GET', '/api/v1/auth/me', { headers: { ...from(guesser), ...guesses[n % guesses.length] } });
      expect(response.status, `guess ${n + 1}: ${response.text}`).toBe(401);
    }
    // Refused before the credential is looked at, even a good one: the client is guessing.
    const refused = await server.request('GET', '/api/v1/auth/me', { token: user.accessToken, headers: from(guesser) });
    expectProblem(refused, 429, 'rate_limited');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await server.request('GET', '/health', { headers: from(guesser) })).status).toBe(200);
    expect((await server.request('GET', '/api/v1/auth/me', { token: user.accessToken, headers: from(nextIp()) })).status).toBe(200);

    server.clock.advance(MINUTE);
    expect((await server.request('GET', '/api/v1/auth/me', { token: user.accessToken, headers: from(guesser) })).status).toBe(200);
  });

  it('limits logins to 20 a minute per client IP', async () => {
    const ip = nextIp();
    for (let i = 0; i < 20; i++) {
      const response = await server.request('POST', LOGIN, { json: { username: uniqueEmail('nobody'), password: 'wrong password' }, headers: from(ip) });
      expect(response.status, response.text).toBe(401);
    }
    const refused = await server.request('POST', LOGIN, { json: { username: uniqueEmail('nobody'), password: 'wrong password' }, headers: from(ip) });
    expectRateLimited(refused);
    // The form and cookie logins share the bucket; another address does not.
    expectRateLimited(await server.request('POST', '/api/v1/auth/login/form', { form: { username: 'someone', password: 'x' }, headers: from(ip) }));
    expect((await server.request('POST', LOGIN, { json: { username: 'someone', password: 'x' }, headers: from(nextIp()) })).status).toBe(401);
  });

  it('limits logins to 10 a minute per identifier, from whatever address', async () => {
    const user = await freshUser();
    for (let i = 0; i < 9; i++) {
      const response = await server.request('POST', LOGIN, { json: { username: user.email, password: GOOD_PASSWORD }, headers: from(nextIp()) });
      expect(response.status, response.text).toBe(200);
    }
    // Case and surrounding spaces do not make another identifier.
    const refused = await server.request('POST', LOGIN, { json: { username: ` ${user.email.toUpperCase()}`, password: GOOD_PASSWORD }, headers: from(nextIp()) });
    expectRateLimited(refused);
  });

  it('checks lockout before rate limits: a locked identifier answers account_locked, never rate_limited', async () => {
    const user = await freshUser();
    const ip = nextIp();
    const attempt = () => server.request('POST', LOGIN, { json: { username: user.email, password: 'wrong password' }, headers: from(ip) });
    for (let i = 0; i < 5; i++) expect((await attempt()).status).toBe(401);
    // Attempts 6 to 12 overrun the identifier's 10 a minute; the lock is what they are told about.
    for (let i = 0; i < 7; i++) expectProblem(await attempt(), 429, 'account_locked');
  });

  it('limits registration to 10 a minute per client IP', async () => {
    const ip = nextIp();
    for (let i = 0; i < 10; i++) {
      const response = await server.request('POST', '/api/v1/auth/register', { json: { email: uniqueEmail(), password: GOOD_PASSWORD }, headers: from(ip) });
      expect(response.status, response.text).toBe(201);
    }
    expectRateLimited(await server.request('POST', '/api/v1/auth/register', { json: { email: uniqueEmail(), password: GOOD_PASSWORD }, headers: from(ip) }));
  });

  it('limits reset requests to 5 a minute per client IP and 3 an hour per email', async () => {
    const RESET = '/api/v1/auth/password/reset/request';
    const email = uniqueEmail('reset');
    for (let i = 0; i < 3; i++) expect((await server.request('POST', RESET, { json: { email }, headers: from(nextIp()) })).status).toBe(200);
    const perEmail = await server.request('POST', RESET, { json: { email: email.toUpperCase() }, headers: from(nextIp()) });
    expect(expectRateLimited(perEmail)).toBeGreaterThan(60);

    const ip = nextIp();
    for (let i = 0; i < 5; i++) expect((await server.request('POST', RESET, { json: { email: uniqueEmail() }, headers: from(ip) })).status).toBe(200);
    expect(expectRateLimited(await server.request('POST', RESET, { json: { email: uniqueEmail() }, headers: from(ip) }))).toBeLessThanOrEqual(60);
  });

  it('limits verification requests to 3 an hour per user', async () => {
    const user = await freshUser();
    await server.request('PATCH', `/api/v1/users/${user.id}`, { token: admin.accessToken, json: { is_verified: false, rate_limit_per_minute: 100 } });
    for (let i = 0; i < 3; i++) {
      const response = await server.request('POST', '/api/v1/auth/email/verification/request', { token: user.accessToken });
      expect(response.status, response.text).toBe(200);
    }
    const refused = await server.request('POST', '/api/v1/auth/email/verification/request', { token: user.accessToken });
    expect(expectRateLimited(refused)).toBeGreaterThan(60);
  });

  it('limits refreshes to 60 a minute per client IP', async () => {
    // Honest rotations: failed ones would meet the limit on 401s first (see above).
    const user = await createUser(server, admin.accessToken);
    const ip = nextIp();
    const login = await server.request('POST', LOGIN, { json: { username: user.email, password: user.password }, headers: from(nextIp()) });
    let token: string = login.body.refresh_token;
    for (let i = 0; i < 60; i++) {
      const rotated = await server.request('POST', '/api/v1/auth/refresh', { json: { refresh_token: token }, headers: from(ip) });
      expect(rotated.status, rotated.text).toBe(200);
      token = rotated.body.refresh_token;
    }
    expectRateLimited(await server.request('POST', '/api/v1/auth/refresh', { json: { refresh_token: token }, headers: from(ip) }));
  });
});

describeEachDatabase('rate limits for anonymous callers', (dialect) => {
  let server: TestServer;
  let proxied: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ dialect, env: { RATE_LIMIT_ANONYMOUS_PER_MINUTE: '3' } });
    proxied = await startTestServer({ dialect, env: { RATE_LIMIT_ANONYMOUS_PER_MINUTE: '3', TRUST_PROXY: 'true' } });
  });
  afterAll(async () => {
    await server.close();
    await proxied.close();
  });

  it('limits anonymous callers per IP, and a made-up X-Forwarded-For buys no fresh bucket without TRUST_PROXY', async () => {
    for (const remaining of [2, 1, 0]) {
      const response = await server.request('POST', ANONYMOUS_PROBE, probe());
      expect(response.status).toBe(400);
      expectLimitHeaders(response, 3, remaining);
    }
    expectRateLimited(await server.request('POST', ANONYMOUS_PROBE, probe()));
    expectRateLimited(await server.request('POST', ANONYMOUS_PROBE, probe(from('203.0.113.77'))));
  });

  it('believes X-Forwarded-For with TRUST_PROXY, counting IPv6 clients per /64', async () => {
    for (const ip of ['2001:db8:1:2::1', '2001:db8:1:2:ffff::2', '2001:DB8:1:2:abcd:1:2:3']) {
      expect((await proxied.request('POST', ANONYMOUS_PROBE, probe(from(ip)))).status).toBe(400);
    }
    expectRateLimited(await proxied.request('POST', ANONYMOUS_PROBE, probe(from('2001:db8:1:2::99'))));
    // The next /64, and an IPv4 client, have buckets of their own.
    expect((await proxied.request('POST', ANONYMOUS_PROBE, probe(from('2001:db8:1:3::1')))).status).toBe(400);
    expect((await proxied.request('POST', ANONYMOUS_PROBE, probe(from('203.0.113.5')))).status).toBe(400);
  });

  it('never limits health, metrics, well-known documents or the API description', async () => {
    for (let i = 0; i < 6; i++) {
      for (const path of ['/health', '/api/v1/health', '/health/ready', '/metrics', '/.well-known/jwks.json', '/.well-known/openid-configuration', '/openapi.json', '/docs']) {
        const response = await server.request('GET', path, { headers: from('192.0.2.1') });
        expect(response.status, `${path}: ${response.text.slice(0, 200)}`).toBeLessThan(400);
        expect(response.headers.get('ratelimit-limit')).toBeNull();
      }
    }
  });

  it('describes the per-user limits in the OpenAPI document', async () => {
    const document = (await server.request('GET', '/openapi.json')).body;
    const patch = document.paths['/api/v1/users/{id}'].patch;
    expect(Object.keys(patch.requestBody.content['application/json'].schema.properties)).toEqual(
      expect.arrayContaining(['rate_limit_per_minute', 'rate_limit_per_hour', 'rate_limit_per_day']),
    );
  });
});

describe('RATE_LIMIT_ENABLED=false', () => {
  it('turns every limit off: no headers and no 429', async () => {
    const server = await startTestServer({ env: { RATE_LIMIT_ENABLED: 'false', RATE_LIMIT_ANONYMOUS_PER_MINUTE: '1' } });
    try {
      for (let i = 0; i < 12; i++) {
        const response = await server.request('POST', '/api/v1/auth/refresh', { json: { refresh_token: 'rt_nope' } });
        expect(response.status).toBe(401);
        expect(response.headers.get('ratelimit-limit')).toBeNull();
      }
    } finally {
      await server.close();
    }
  });
});

describe('client address buckets', () => {
  it('groups IPv6 addresses by /64 and keeps IPv4 (also IPv4-mapped) per address', () => {
    expect(clientBucket('2001:db8:0:1::1')).toBe(clientBucket('2001:0db8:0000:0001:ffff:ffff:ffff:ffff'));
    expect(clientBucket('2001:db8:0:1::1')).toBe('2001:db8:0:1::/64');
    expect(clientBucket('2001:db8:0:1::1')).not.toBe(clientBucket('2001:db8:0:2::1'));
    expect(clientBucket('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(clientBucket('::1')).toBe('0:0:0:0::/64');
    expect(clientBucket('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(clientBucket('192.0.2.7')).toBe('192.0.2.7');
    expect(clientBucket('192.0.2.7')).not.toBe(clientBucket('192.0.2.8'));
    expect(clientBucket(undefined)).toBe('unknown');
  });
});

describeWithRedis('rate limits', (redisUrl) => {
  it('are shared by instances on one Redis (same REDIS_KEY_PREFIX)', async () => {
    const prefix = `test-${randomBytes(6).toString('hex')}:`;
    const env = { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix, RATE_LIMIT_ANONYMOUS_PER_MINUTE: '4' };
    // One clock for both, so that they agree on the window (as real instances do on real time).
    const clock = new FrozenClock();
    const a = await startTestServer({ env, clock });
    const b = await startTestServer({ env, clock });
    try {
      for (const server of [a, b, a]) expect((await server.request('POST', ANONYMOUS_PROBE, probe())).status).toBe(400);
      expectLimitHeaders(await b.request('POST', ANONYMOUS_PROBE, probe()), 4, 0);
      expectRateLimited(await b.request('POST', ANONYMOUS_PROBE, probe()));
      expectRateLimited(await a.request('POST', ANONYMOUS_PROBE, probe()));
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('fall back to this process’s memory when Redis is unreachable: still limited, never a 5xx', async () => {
    const server = await startTestServer({ env: { REDIS_URL: `redis://127.0.0.1:${await unusedPort()}`, RATE_LIMIT_ANONYMOUS_PER_MINUTE: '2' } });
    try {
      for (const remaining of [1, 0]) {
        const response = await server.request('POST', ANONYMOUS_PROBE, probe());
        expect(response.status, response.text).toBe(400);
        expectLimitHeaders(response, 2, remaining);
      }
      expectRateLimited(await server.request('POST', ANONYMOUS_PROBE, probe()));
    } finally {
      await server.close();
    }
  });
});
