import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginAdmin } from '../helpers/admin.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { unusedPort } from '../helpers/ports.js';
import { describeWithRedis } from '../helpers/redis.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { loginAs, registerUser } from '../helpers/users.js';

/**
 * GET /metrics (API.md "Infrastructure"): the Prometheus text format, with the series operators need (requests by
 * route template and status, latency, logins by result, lockouts, refresh-token reuse, hash duration, event-loop
 * lag, the database pool, Redis), guarded by METRICS_TOKEN when it is set, and never carrying a secret.
 */

const ADMIN = { email: 'metrics-admin@example.com', password: 'metrics suite admin passphrase' };
// Rate limits are another suite's subject: this one makes many logins from one address.
const ENV = { RATE_LIMIT_ENABLED: 'false', ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, REFRESH_REUSE_GRACE_SECONDS: '0' };

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

interface Exposition {
  readonly text: string;
  readonly samples: readonly Sample[];
  /** `# TYPE` of each family. */
  readonly types: ReadonlyMap<string, string>;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g;

/** Reads the text format (0.0.4) strictly: a line that is not a comment, a blank or a sample fails the test. */
function parseExposition(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ')) continue;
    const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      types.set(type[1] as string, type[2] as string);
      continue;
    }
    const match = SAMPLE.exec(line);
    expect(match, `not a Prometheus sample line: ${line}`).not.toBeNull();
    const [, name, labelText = '', raw] = match as RegExpExecArray;
    const labels = Object.fromEntries([...labelText.matchAll(LABEL)].map(([, key, value]) => [key, value]));
    // Go's ParseFloat, which Prometheus uses, takes NaN in any case (prom-client writes `Nan` for an empty window).
    const value = raw === '+Inf' ? Number.POSITIVE_INFINITY : raw === '-Inf' ? Number.NEGATIVE_INFINITY : /^nan$/i.test(raw as string) ? Number.NaN : Number(raw);
    expect(Number.isNaN(value) && !/^nan$/i.test(raw as string), `not a number in: ${line}`).toBe(false);
    samples.push({ name: name as string, labels, value });
  }
  return { text, samples, types };
}

/** The sum of the samples named so whose labels include `labels` (0 when there are none). */
function valueOf(exposition: Exposition, name: string, labels: Record<string, string> = {}): number {
  return exposition.samples
    .filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value))
    .reduce((sum, sample) => sum + sample.value, 0);
}

async function scrape(server: TestServer, headers: Record<string, string> = {}): Promise<Exposition> {
  const response = await server.request('GET', '/metrics', { headers });
  expect(response.status, response.text).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4; charset=utf-8$/);
  return parseExposition(response.text);
}

describeEachDatabase('GET /metrics', (dialect) => {
  let server: TestServer;
  let adminToken: string;

  beforeAll(async () => {
    server = await startTestServer({ dialect, env: ENV });
    adminToken = (await loginAdmin(server, ADMIN)).accessToken;
  });
  afterAll(() => server.close());

  it('is the Prometheus text format with the series operators need, typed', async () => {
    const metrics = await scrape(server);
    expect(Object.fromEntries([...metrics.types].filter(([name]) => name.startsWith('gatehouse_') || name === 'nodejs_eventloop_lag_seconds'))).toMatchObject({
      gatehouse_http_requests_total: 'counter',
      gatehouse_http_request_duration_seconds: 'histogram',
      gatehouse_logins_total: 'counter',
      gatehouse_lockouts_total: 'counter',
      gatehouse_refresh_token_reuse_total: 'counter',
      gatehouse_password_hash_duration_seconds: 'histogram',
      nodejs_eventloop_lag_seconds: 'gauge',
    });
    expect(metrics.types.get('process_resident_memory_bytes')).toBe('gauge');
    expect(metrics.types.get('nodejs_eventloop_lag_p99_seconds')).toBe('gauge');
  });

  it('reports the database pool on PostgreSQL, and no pool on SQLite (one connection)', async () => {
    const metrics = await scrape(server);
    if (dialect === 'postgres') {
      expect(metrics.types.get('gatehouse_db_pool_connections')).toBe('gauge');
      expect(metrics.types.get('gatehouse_db_pool_waiting_queries')).toBe('gauge');
      // The admin's login used the pool, whose connections stay open while idle.
      expect(valueOf(metrics, 'gatehouse_db_pool_connections', { state: 'total' })).toBeGreaterThanOrEqual(1);
      expect(valueOf(metrics, 'gatehouse_db_pool_connections', { state: 'idle' })).toBeLessThanOrEqual(valueOf(metrics, 'gatehouse_db_pool_connections', { state: 'total' }));
    } else {
      expect(metrics.types.has('gatehouse_db_pool_connections')).toBe(false);
    }
    // No Redis configured: no Redis series either.
    expect(metrics.types.has('gatehouse_redis_up')).toBe(false);
  });

  it('counts requests by route template and status, never by the URL with its ids', async () => {
    const id = randomUUID();
    const route = { method: 'GET', route: '/api/v1/users/:id', status_code: '404' };
    const before = await scrape(server);
    const response = await server.request('GET', `/api/v1/users/${id}`, { token: adminToken });
    expect(response.status, response.text).toBe(404);
    const after = await scrape(server);
    expect(valueOf(after, 'gatehouse_http_requests_total', route) - valueOf(before, 'gatehouse_http_requests_total', route)).toBe(1);
    const timed = { method: 'GET', route: '/api/v1/users/:id' };
    expect(valueOf(after, 'gatehouse_http_request_duration_seconds_count', timed) - valueOf(before, 'gatehouse_http_request_duration_seconds_count', timed)).toBe(1);
    expect(valueOf(after, 'gatehouse_http_request_duration_seconds_bucket', { ...timed, le: '+Inf' })).toBe(valueOf(after, 'gatehouse_http_request_duration_seconds_count', timed));
    expect(after.text).not.toContain(id);
  });

  it('puts every request that matched no route under one label, whatever its path', async () => {
    const probe = `/wp-admin/${randomBytes(6).toString('hex')}.php`;
    const unmatched = { method: 'GET', route: 'unmatched', status_code: '404' };
    const before = await scrape(server);
    expect((await server.request('GET', probe)).status).toBe(404);
    expect((await server.request('GET', `${probe}?x=1`)).status).toBe(404);
    const after = await scrape(server);
    expect(valueOf(after, 'gatehouse_http_requests_total', unmatched) - valueOf(before, 'gatehouse_http_requests_total', unmatched)).toBe(2);
    expect(after.text).not.toContain('wp-admin');
  });

  it('counts logins by result: a success, a wrong password and an unknown identifier each under its own result', async () => {
    const user = await registerUser(server);
    const before = await scrape(server);
    await loginAs(server, user);
    expect((await server.request('POST', '/api/v1/auth/login', { json: { username: user.email, password: 'not the password' } })).status).toBe(401);
    expect((await server.request('POST', '/api/v1/auth/login', { json: { username: 'nobody-here@example.com', password: 'whatever it is' } })).status).toBe(401);
    const after = await scrape(server);
    const delta = (result: string) => valueOf(after, 'gatehouse_logins_total', { result }) - valueOf(before, 'gatehouse_logins_total', { result });
    expect({ success: delta('success'), bad_password: delta('bad_password'), unknown_user: delta('unknown_user') }).toEqual({
      success: 1,
      bad_password: 1,
      unknown_user: 1,
    });
  });

  it('counts a lockout once, when the run of failures locks the account, not for the refused attempts after it', async () => {
    const user = await registerUser(server);
    const before = await scrape(server);
    for (let i = 0; i < server.config.lockout.threshold; i++) {
      expect((await server.request('POST', '/api/v1/auth/login', { json: { username: user.email, password: 'not the password' } })).status).toBe(401);
    }
    const refused = await server.request('POST', '/api/v1/auth/login', { json: { username: user.email, password: user.password } });
    expect(refused.status, refused.text).toBe(429);
    const after = await scrape(server);
    expect(valueOf(after, 'gatehouse_lockouts_total') - valueOf(before, 'gatehouse_lockouts_total')).toBe(1);
    expect(valueOf(after, 'gatehouse_logins_total', { result: 'locked' }) - valueOf(before, 'gatehouse_logins_total', { result: 'locked' })).toBe(1);
  });

  it('counts a refresh-token reuse, and not an honest rotation', async () => {
    const user = await registerUser(server);
    const login = await loginAs(server, user);
    const before = await scrape(server);
    const rotated = await server.request('POST', '/api/v1/auth/refresh', { json: { refresh_token: login.refreshToken } });
    expect(rotated.status, rotated.text).toBe(200);
    const afterRotation = await scrape(server);
    expect(valueOf(afterRotation, 'gatehouse_refresh_token_reuse_total')).toBe(valueOf(before, 'gatehouse_refresh_token_reuse_total'));
    server.clock.advance(1000);
    const replayed = await server.request('POST', '/api/v1/auth/refresh', { json: { refresh_token: login.refreshToken } });
    expect(replayed.status, replayed.text).toBe(401);
    const after = await scrape(server);
    expect(valueOf(after, 'gatehouse_refresh_token_reuse_total') - valueOf(before, 'gatehouse_refresh_token_reuse_total')).toBe(1);
  });

  it('times password hashing: each login adds an observation to the hash duration histogram', async () => {
    const user = await registerUser(server);
    const before = await scrape(server);
    await loginAs(server, user);
    const after = await scrape(server);
    const count = (metrics: Exposition) => valueOf(metrics, 'gatehouse_password_hash_duration_seconds_count');
    expect(count(after) - count(before)).toBe(1);
    expect(valueOf(after, 'gatehouse_password_hash_duration_seconds_sum')).toBeGreaterThan(valueOf(before, 'gatehouse_password_hash_duration_seconds_sum'));
    expect(valueOf(after, 'gatehouse_password_hash_duration_seconds_bucket', { le: '+Inf' })).toBe(count(after));
  });

  it('never shows a password, a token, an email or a request URL, however the requests went', async () => {
    const user = await registerUser(server);
    const login = await loginAs(server, user);
    const refreshed = await server.request('POST', '/api/v1/auth/refresh', { json: { refresh_token: login.refreshToken } });
    expect(refreshed.status).toBe(200);
    await server.request('POST', '/api/v1/auth/login', { json: { username: user.email, password: 'a wrong secret password' } });
    await server.request('GET', `/api/v1/auth/me?api_key=${encodeURIComponent(login.accessToken)}`, { token: login.accessToken });
    const { text } = await scrape(server, { authorization: `Bearer ${login.accessToken}` });
    for (const secret of [user.password, 'a wrong secret password', ADMIN.password, login.accessToken, login.refreshToken, refreshed.body.refresh_token, user.email, ADMIN.email, server.config.secretKey]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toContain('api_key=');
  });
});

describe('GET /metrics with METRICS_TOKEN set', () => {
  const token = `metrics-${randomBytes(24).toString('base64url')}`;
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ env: { ...ENV, METRICS_TOKEN: token } });
  });
  afterAll(() => server.close());

  it('answers 401 without credentials, as a problem document asking for a bearer token', async () => {
    const response = await server.request('GET', '/metrics');
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(response.body).toMatchObject({ status: 401, code: 'not_authenticated' });
    expect(response.text).not.toContain('gatehouse_');
  });

  it('answers 401 to a wrong token, one differing only in its last character, and a malformed header', async () => {
    const wrong = [`Bearer ${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`, `Bearer ${token}x`, 'Bearer nope', `Basic ${token}`, token];
    for (const authorization of wrong) {
      const response = await server.request('GET', '/metrics', { headers: { authorization } });
      expect(response.status, authorization).toBe(401);
      expect(response.body.code, authorization).toBe('invalid_token');
      expect(response.text).not.toContain('gatehouse_');
    }
  });

  it("does not take a user's credentials instead of the token, not even an admin's", async () => {
    const admin = await loginAdmin(server, ADMIN);
    const response = await server.request('GET', '/metrics', { token: admin.accessToken });
    expect(response.status).toBe(401);
  });

  it('answers 200 with the token, and the token is not in the output', async () => {
    const metrics = await scrape(server, { authorization: `Bearer ${token}` });
    expect(metrics.types.get('gatehouse_http_requests_total')).toBe('counter');
    expect(metrics.text).not.toContain(token);
  });
});

describe('GET /metrics without METRICS_TOKEN', () => {
  it('is open to anyone (keep it off public networks)', async () => {
    const server = await startTestServer({ env: ENV });
    try {
      expect((await server.request('GET', '/metrics')).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('GET /metrics: the Redis connection', () => {
  it('is reported down (gatehouse_redis_up 0) when Redis cannot be reached, and /metrics still answers', async () => {
    const server = await startTestServer({ env: { ...ENV, REDIS_URL: `redis://127.0.0.1:${await unusedPort()}` } });
    try {
      const metrics = await scrape(server);
      expect(metrics.types.get('gatehouse_redis_up')).toBe('gauge');
      expect(valueOf(metrics, 'gatehouse_redis_up')).toBe(0);
    } finally {
      await server.close();
    }
  });
});

describeWithRedis('GET /metrics: the Redis connection', (redisUrl) => {
  it('is reported up (gatehouse_redis_up 1) while connected', async () => {
    const server = await startTestServer({ env: { ...ENV, REDIS_URL: redisUrl } });
    try {
      const metrics = await scrape(server);
      expect(metrics.samples.filter((sample) => sample.name === 'gatehouse_redis_up')).toEqual([{ name: 'gatehouse_redis_up', labels: {}, value: 1 }]);
    } finally {
      await server.close();
    }
  });
});
