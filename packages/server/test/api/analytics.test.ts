import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createUser } from '../helpers/admin.js';
import { createTestDatabase, describeEachDatabase, type Dialect, type TestDatabase } from '../helpers/databases.js';
import { expectProblem } from '../helpers/problems.js';
import { flushUsage } from '../../src/jobs/flush-usage.js';
import { purgeUsage } from '../../src/jobs/purge-usage.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { GOOD_PASSWORD, type LoggedIn, loginAs, registerUser } from '../helpers/users.js';

/**
 * GET /admin/analytics and the usage counting behind it: requests, errors, logins, failed logins and sign-ups per
 * minute (summed into hours and days), per route template and per user, counted in memory and written in batches
 * (by the route before it reads, by the periodic job, and at shutdown), each count exactly once.
 */

const ANALYTICS = '/api/v1/admin/analytics';
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const ADMIN = { email: 'analytics-admin@example.com', password: 'analytics suite admin passphrase' };
// The periodic flush never fires during a test (an hour apart): flushes happen when the test asks for them.
const ENV = {
  RATE_LIMIT_ENABLED: 'false',
  ARGON2_MEMORY_KIB: '1024',
  ARGON2_TIME_COST: '1',
  ADMIN_EMAIL: ADMIN.email,
  ADMIN_PASSWORD: ADMIN.password,
  ANALYTICS_FLUSH_SECONDS: '3600',
};

const iso = (ms: number) => new Date(ms).toISOString();

/** Moves the frozen clock to the start of the next minute (or hour, day): a bucket nothing has been counted in yet. */
function nextBoundary(server: TestServer, size = MINUTE): number {
  const now = server.clock.now();
  server.clock.advance(size - (now % size));
  return server.clock.now();
}

interface Query {
  metric?: string;
  bucket?: string;
  from?: number | string;
  to?: number | string;
}

function queryString(query: Query): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) params.set(name, typeof value === 'number' ? iso(value) : String(value));
  return params.size > 0 ? `?${params}` : '';
}

/** Rows of usage_minutes for one minute, straight from the database (what has been flushed, and nothing else). */
async function storedMinute(server: TestServer, minute: number): Promise<Record<string, number>> {
  const rows = await server.database.db.selectFrom('usage_minutes').select(['metric', 'route', 'count']).where('minute', '=', minute).execute();
  return Object.fromEntries(rows.map((row) => [`${row.metric} ${row.route}`.trim(), Number(row.count)]));
}

async function storedUser(server: TestServer, id: string): Promise<{ total_requests: number; last_seen_at: number | null }> {
  const row = await server.database.db.selectFrom('users').select(['total_requests', 'last_seen_at']).where('id', '=', id).executeTakeFirstOrThrow();
  return { total_requests: Number(row.total_requests), last_seen_at: row.last_seen_at === null ? null : Number(row.last_seen_at) };
}

describeEachDatabase('usage analytics', (dialect) => {
  let server: TestServer;
  let admin: LoggedIn;

  beforeAll(async () => {
    server = await startTestServer({ dialect, env: ENV });
  });
  afterAll(() => server.close());
  // Tests move the clock by up to a day: a fresh admin token each time (its login lands before the minutes measured).
  beforeEach(async () => {
    admin = await loginAs(server, ADMIN);
  });

  async function analytics(query: Query = {}) {
    const response = await server.request('GET', `${ANALYTICS}${queryString(query)}`, { token: admin.accessToken });
    expect(response.status, response.text).toBe(200);
    return response.body;
  }

  /** The value of each point of a metric over [from, to), read in a later minute so the read itself is not in it. */
  async function values(metric: string, bucket: string, from: number, to: number): Promise<number[]> {
    const body = await analytics({ metric, bucket, from, to });
    return body.points.map((point: { t: string; value: number }) => point.value);
  }

  async function hit(times: number, path: string, token?: string): Promise<void> {
    for (let i = 0; i < times; i++) await server.request('GET', path, { ...(token && { token }) });
  }

  describe('who may read it', () => {
    it('answers 401 to anonymous callers and 403 to plain users and to a key without the admin scope', async () => {
      expectProblem(await server.request('GET', ANALYTICS), 401, 'not_authenticated');
      const { accessToken } = await loginAs(server, await registerUser(server));
      expectProblem(await server.request('GET', ANALYTICS, { token: accessToken }), 403, 'forbidden');
      const key = await server.request('POST', '/api/v1/auth/api-keys', { token: admin.accessToken, json: { name: 'reader', scopes: ['read'] } });
      expect(key.status, key.text).toBe(201);
      expectProblem(await server.request('GET', ANALYTICS, { headers: { 'x-api-key': key.body.key } }), 403, 'forbidden');
    });

    it('answers an admin with every documented field and sensible defaults (hourly requests over the last 24 hours)', async () => {
      const body = await analytics();
      expect(Object.keys(body).sort()).toEqual(['bucket', 'from', 'metric', 'points', 'to', 'top_routes', 'top_users']);
      expect(body).toMatchObject({ metric: 'requests', bucket: 'hour' });
      expect(body.points).toHaveLength(24);
      expect(Date.parse(body.to)).toBeGreaterThan(server.clock.now());
      expect(Date.parse(body.to) - Date.parse(body.from)).toBe(24 * HOUR);
    });
  });

  describe('bad parameters', () => {
    it.each([
      ['an unknown metric', { metric: 'bytes' }],
      ['an unknown bucket', { bucket: 'week' }],
      ['from after to', { from: '2026-11-23T12:00:00Z', to: '2026-11-23T11:00:00Z' }],
      ['from equal to to', { from: '2026-11-23T12:00:00Z', to: '2026-11-23T12:00:00Z' }],
      ['a date that is not a date', { from: 'yesterday' }],
      ['a leap second (valid date-time, no instant)', { to: '2026-12-31T23:59:60Z' }],
      ['more than 1440 buckets', { bucket: 'minute', from: '2026-11-23T00:00:00Z', to: '2026-11-24T00:01:00Z' }],
      ['an unknown parameter', { route: '/api/v1/users' }],
    ])('answers 422 to %s', async (_name, query) => {
      const response = await server.request('GET', `${ANALYTICS}${queryString(query as Query)}`, { token: admin.accessToken });
      expectProblem(response, 422, 'validation_failed');
    });

    it('serves exactly 1440 buckets, zero-filled', async () => {
      const body = await analytics({ bucket: 'minute', from: '2020-01-01T00:00:00Z', to: '2020-01-02T00:00:00Z' });
      expect(body.points).toHaveLength(1440);
      expect(body.points[0]).toEqual({ t: '2020-01-01T00:00:00.000Z', value: 0 });
      expect(body.points[1439]).toEqual({ t: '2020-01-01T23:59:00.000Z', value: 0 });
    });
  });

  describe('counting', () => {
    it('counts requests per minute bucket', async () => {
      const { accessToken } = await loginAs(server, await registerUser(server));
      const first = nextBoundary(server);
      await hit(3, '/api/v1/users/me', accessToken);
      server.clock.advance(MINUTE + 59_000); // the last second of the next minute
      await hit(2, '/api/v1/users/me', accessToken);
      nextBoundary(server);
      expect(await values('requests', 'minute', first, first + 3 * MINUTE)).toEqual([3, 2, 0]);
    });

    it('sums minutes into hours and days (UTC)', async () => {
      const day = nextBoundary(server, DAY);
      await hit(2, '/api/v1/health');
      server.clock.advance(59 * MINUTE);
      await hit(1, '/api/v1/health');
      server.clock.advance(MINUTE);
      await hit(4, '/api/v1/health');
      server.clock.advance(DAY);
      admin = await loginAs(server, ADMIN);
      expect(await values('requests', 'hour', day, day + 3 * HOUR)).toEqual([3, 4, 0]);
      expect(await values('requests', 'day', day, day + DAY)).toEqual([7]);
      const minutes = await values('requests', 'minute', day, day + DAY);
      expect(minutes.reduce((sum, value) => sum + value, 0)).toBe(7);
    });

    it('counts each route by its method and template, never by the raw URL', async () => {
      const [a, b] = [await registerUser(server), await registerUser(server)];
      const from = nextBoundary(server);
      await hit(1, `/api/v1/users/${a.id}`, admin.accessToken);
      await hit(1, `/api/v1/users/${b.id}`, admin.accessToken);
      await hit(1, `/api/v1/users/${randomUUID()}`, admin.accessToken); // 404 from the route
      await hit(2, `/no/such/path/${randomUUID()}?secret=abc`);
      nextBoundary(server);
      const body = await analytics({ bucket: 'minute', from, to: from + MINUTE });
      expect(body.top_routes).toEqual([
        { route: 'GET /api/v1/users/:id', requests: 3, errors: 1 },
        { route: '(unmatched)', requests: 2, errors: 2 },
      ]);
      for (const secret of [a.id, b.id, 'secret=abc', '/no/such']) expect(JSON.stringify(body)).not.toContain(secret);
    });

    it('counts answers with status 400 and above as errors', async () => {
      const { accessToken } = await loginAs(server, await registerUser(server));
      const from = nextBoundary(server);
      await hit(2, '/api/v1/users/me', accessToken); // 200
      await hit(1, '/api/v1/users/me'); // 401
      await hit(1, '/api/v1/users', accessToken); // 403
      const bad = await server.request('POST', '/api/v1/auth/register', { json: { email: 'not-an-email', password: GOOD_PASSWORD } });
      expect(bad.status).toBe(422);
      nextBoundary(server);
      expect(await values('errors', 'minute', from, from + MINUTE)).toEqual([3]);
      expect(await values('requests', 'minute', from, from + MINUTE)).toEqual([5]);
      const body = await analytics({ bucket: 'minute', from, to: from + MINUTE });
      expect(body.top_routes).toContainEqual({ route: 'GET /api/v1/users/me', requests: 3, errors: 1 });
      expect(body.top_routes).toContainEqual({ route: 'POST /api/v1/auth/register', requests: 1, errors: 1 });
    });

    it('counts logins, failed logins and sign-ups from the use-cases (an admin-created account is no sign-up)', async () => {
      const from = nextBoundary(server);
      const user = await registerUser(server);
      await registerUser(server);
      await createUser(server, admin.accessToken);
      await loginAs(server, user);
      const cookie = await server.request('POST', '/api/v1/auth/cookie/login', { json: { username: user.email, password: user.password } });
      expect(cookie.status, cookie.text).toBe(204);
      for (const username of [user.email, 'nobody-at-all@example.com']) {
        const failed = await server.request('POST', '/api/v1/auth/login', { json: { username, password: 'not the password at all' } });
        expect(failed.status).toBe(401);
      }
      nextBoundary(server);
      expect(await values('signups', 'minute', from, from + MINUTE)).toEqual([2]);
      expect(await values('logins', 'minute', from, from + MINUTE)).toEqual([2]);
      expect(await values('login_failures', 'minute', from, from + MINUTE)).toEqual([2]);
    });

    it("moves a user's total_requests and last_seen_at, and lists the busiest users", async () => {
      const user = await registerUser(server);
      const { accessToken } = await loginAs(server, user); // a login is not an authenticated request
      nextBoundary(server);
      await hit(3, '/api/v1/users/me', accessToken);
      const firstSeen = server.clock.now();
      const first = await analytics();
      expect(first.top_users).toContainEqual({ user_id: user.id, requests: 3, last_seen_at: iso(firstSeen) });
      server.clock.advance(5 * MINUTE);
      await hit(2, '/api/v1/users/me', accessToken);
      const lastSeen = server.clock.now();
      const second = await analytics();
      expect(second.top_users).toContainEqual({ user_id: user.id, requests: 5, last_seen_at: iso(lastSeen) });
      expect(await storedUser(server, user.id)).toEqual({ total_requests: 5, last_seen_at: lastSeen });
      // The administrator's view of the user carries the counters; the user's own view does not.
      const adminView = await server.request('GET', `/api/v1/users/${user.id}`, { token: admin.accessToken });
      expect(adminView.status, adminView.text).toBe(200);
      expect(adminView.body).toMatchObject({ total_requests: 5, last_seen_at: iso(lastSeen) });
      const ownView = await server.request('GET', '/api/v1/users/me', { token: accessToken });
      expect(ownView.body).not.toHaveProperty('total_requests');
      expect(ownView.body).not.toHaveProperty('last_seen_at');
      const requests = second.top_users.map((entry: { requests: number }) => entry.requests);
      expect(requests).toEqual([...requests].sort((x: number, y: number) => y - x));
    });
  });
});

describeEachDatabase('usage analytics: batches written to the database', (dialect) => {
  let database: TestDatabase;
  let server: TestServer;
  let admin: LoggedIn;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    server = await startTestServer({ database, env: ENV });
    admin = await loginAs(server, ADMIN);
  });
  afterAll(async () => {
    await server.close();
    await database.drop();
  });

  /** GET /admin/analytics flushes this instance's counts before reading; its own request is counted after it. */
  const flushByReading = async () => {
    const response = await server.request('GET', ANALYTICS, { token: admin.accessToken });
    expect(response.status, response.text).toBe(200);
  };

  it('keeps counts in memory until a flush, then writes each exactly once: across two flushes and the shutdown flush', async () => {
    const user = await registerUser(server);
    const { accessToken } = await loginAs(server, user);
    const minute = nextBoundary(server);
    const me = '/api/v1/users/me';
    const get = async (times: number) => {
      for (let i = 0; i < times; i++) expect((await server.request('GET', me, { token: accessToken })).status).toBe(200);
    };

    await get(5);
    // No database round trip per request: nothing is written yet.
    expect(await storedMinute(server, minute)).toEqual({});
    expect(await storedUser(server, user.id)).toEqual({ total_requests: 0, last_seen_at: null });

    await flushByReading(); // flush 1
    expect(await storedMinute(server, minute)).toEqual({ requests: 5, [`requests GET ${me}`]: 5 });
    expect(await storedUser(server, user.id)).toEqual({ total_requests: 5, last_seen_at: minute });

    await get(3);
    expect(await storedMinute(server, minute)).toEqual({ requests: 5, [`requests GET ${me}`]: 5 });
    await flushByReading(); // flush 2: the 3 new requests and the read of flush 1
    expect(await storedMinute(server, minute)).toEqual({ requests: 9, [`requests GET ${me}`]: 8, [`requests GET ${ANALYTICS}`]: 1 });
    expect(await storedUser(server, user.id)).toEqual({ total_requests: 8, last_seen_at: minute });

    server.clock.advance(1000);
    await get(2);
    await server.close(); // the shutdown flush: the 2 new requests and the read of flush 2
    server = await startTestServer({ database, env: ENV, clock: server.clock });
    expect(await storedMinute(server, minute)).toEqual({ requests: 12, [`requests GET ${me}`]: 10, [`requests GET ${ANALYTICS}`]: 2 });
    expect(await storedUser(server, user.id)).toEqual({ total_requests: 10, last_seen_at: minute + 1000 });

    nextBoundary(server);
    const response = await server.request('GET', `${ANALYTICS}?bucket=minute&from=${iso(minute)}&to=${iso(minute + MINUTE)}`, { token: admin.accessToken });
    expect(response.status, response.text).toBe(200);
    expect(response.body.points).toEqual([{ t: iso(minute), value: 12 }]);
    expect(response.body.top_routes).toEqual([
      { route: `GET ${me}`, requests: 10, errors: 0 },
      { route: `GET ${ANALYTICS}`, requests: 2, errors: 0 },
    ]);
  });

  it('keeps the counts of a failed flush and writes them with the next one', async () => {
    const minute = nextBoundary(server);
    await flushByReading(); // nothing of this minute pending beyond what follows
    await blockUsageWrites(server, dialect, true);
    try {
      for (let i = 0; i < 4; i++) await server.request('GET', '/api/v1/health');
      await flushByReading(); // the flush fails (logged); the read still answers
      expect((await storedMinute(server, minute))['requests GET /api/v1/health']).toBeUndefined();
      expect(server.logs.some((line) => line.includes('could not flush usage counts'))).toBe(true);
    } finally {
      await blockUsageWrites(server, dialect, false);
    }
    await flushByReading();
    expect((await storedMinute(server, minute))['requests GET /api/v1/health']).toBe(4);
    await flushByReading();
    expect((await storedMinute(server, minute))['requests GET /api/v1/health']).toBe(4);
  });
  it('is written by the periodic job every ANALYTICS_FLUSH_SECONDS, and minutes past ANALYTICS_RETENTION_DAYS are purged', async () => {
    const job = flushUsage(server.ctx);
    expect(job.everyMs).toBe(3_600_000);
    const old = nextBoundary(server);
    await server.request('GET', '/api/v1/health');
    server.clock.advance(DAY);
    const recent = server.clock.now();
    await server.request('GET', '/api/v1/health');
    expect(await storedMinute(server, recent)).toEqual({});
    await job.run();
    expect(await storedMinute(server, old)).toEqual({ requests: 1, 'requests GET /api/v1/health': 1 });
    expect(await storedMinute(server, recent)).toEqual({ requests: 1, 'requests GET /api/v1/health': 1 });

    server.clock.advance(89 * DAY + MINUTE); // `old` is now 90 days and a minute back, `recent` 89 days
    const adminRow = await server.database.db.selectFrom('users').select('id').where('email', '=', ADMIN.email).executeTakeFirstOrThrow();
    const before = await storedUser(server, adminRow.id);
    await purgeUsage(server.ctx).run();
    expect(await storedMinute(server, old)).toEqual({});
    expect(await storedMinute(server, recent)).toEqual({ requests: 1, 'requests GET /api/v1/health': 1 });
    const after = await storedUser(server, adminRow.id);
    expect(after).toEqual(before);
    expect(after.total_requests).toBeGreaterThan(0);
  });
});

describeEachDatabase('usage analytics: ANALYTICS_ENABLED=false', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ dialect, env: { ...ENV, ANALYTICS_ENABLED: 'false' } });
  });
  afterAll(() => server.close());

  it('counts nothing, and still answers the route', async () => {
    const from = nextBoundary(server);
    const user = await registerUser(server);
    const { accessToken } = await loginAs(server, user);
    for (let i = 0; i < 3; i++) await server.request('GET', '/api/v1/users/me', { token: accessToken });
    nextBoundary(server);
    const { accessToken: adminToken } = await loginAs(server, ADMIN);
    for (const metric of ['requests', 'logins', 'signups']) {
      const response = await server.request('GET', `${ANALYTICS}?metric=${metric}&bucket=minute&from=${iso(from)}&to=${iso(from + MINUTE)}`, { token: adminToken });
      expect(response.status, response.text).toBe(200);
      expect(response.body.points).toEqual([{ t: iso(from), value: 0 }]);
    }
    expect(await storedUser(server, user.id)).toEqual({ total_requests: 0, last_seen_at: null });
  });
});

/** Makes every write to usage_minutes fail (a trigger raising an error), or lifts that again. */
async function blockUsageWrites(server: TestServer, dialect: Dialect, block: boolean): Promise<void> {
  const { db } = server.database;
  if (dialect === 'sqlite') {
    if (block) {
      await sql`create trigger block_usage_insert before insert on usage_minutes begin select raise(abort, 'usage writes blocked'); end`.execute(db);
      await sql`create trigger block_usage_update before update on usage_minutes begin select raise(abort, 'usage writes blocked'); end`.execute(db);
    } else {
      await sql`drop trigger block_usage_insert`.execute(db);
      await sql`drop trigger block_usage_update`.execute(db);
    }
    return;
  }
  if (block) {
    await sql`create function block_usage() returns trigger language plpgsql as $$ begin raise exception 'usage writes blocked'; end $$`.execute(db);
    await sql`create trigger block_usage before insert or update on usage_minutes for each row execute function block_usage()`.execute(db);
  } else {
    await sql`drop trigger block_usage on usage_minutes`.execute(db);
    await sql`drop function block_usage()`.execute(db);
  }
}
