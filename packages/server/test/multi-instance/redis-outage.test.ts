import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { type OwnRedis, startOwnRedis } from '../helpers/redis-server.js';
import type { HttpResponse, TestServer } from '../helpers/test-server.js';
import { openSocket } from '../helpers/websocket.js';
import { createUser, type ManagedUser } from '../helpers/admin.js';
import { type LoggedIn, loginAs } from '../helpers/users.js';
import { ADMIN, answersWithin, deploymentEnv, describeWithPostgresAndRedis, type Instance, startInstance } from './instances.js';

/**
 * API.md "Infrastructure": Redis going away degrades, it does not take the service down (the database is the source
 * of truth; lockout counts in memory meanwhile), and after it returns each instance catches up from the database
 * with what the events bus could not tell it. The two instances use a Redis this test starts and stops.
 */
describeWithPostgresAndRedis('two instances while their Redis goes away and comes back', () => {
  const running: Instance[] = [];
  let redis: OwnRedis;
  let database: TestDatabase;
  let a: Instance;
  let b: Instance;
  let admin: LoggedIn;
  let user: ManagedUser;

  beforeAll(async () => {
    redis = await startOwnRedis();
    database = await createTestDatabase('postgres');
    // Rate limits on too: while Redis is away they count in each process's memory, and must not fail requests either.
    const env = deploymentEnv(database, redis.url, { RATE_LIMIT_ENABLED: 'true' });
    a = await startInstance('A', env, running);
    b = await startInstance('B', env, running);
    admin = await loginAs(a, ADMIN);
    user = await createUser(a, admin.accessToken);
  });
  afterAll(async () => {
    for (const instance of running) instance.kill();
    await redis?.stop();
    await database?.drop();
  });

  const me = (instance: Instance, session: LoggedIn) => instance.request('GET', '/api/v1/auth/me', { token: session.accessToken });
  const ready = (instance: Instance) => instance.request('GET', '/health/ready');

  it('keeps answering without 5xx while Redis is down, and catches up once it is back', async () => {
    const revokedWhileDown = await loginAs(a, user);
    const kept = await loginAs(a, user);
    expect((await me(b, revokedWhileDown)).status).toBe(200);
    const issued = await b.request('POST', '/api/v1/auth/ws-ticket', { token: revokedWhileDown.accessToken });
    expect(issued.status, issued.text).toBe(201);
    const socket = openSocket({ url: b.url } as TestServer, `ticket=${encodeURIComponent(issued.body.ticket)}`);
    expect(await socket.outcome()).toBe('hello');

    await redis.stop();
    for (const instance of [a, b]) {
      const degraded = await answersWithin(5000, (response) => response.body.status === 'degraded', () => ready(instance));
      expect(degraded.status).toBe(200);
      expect(degraded.body).toEqual({ status: 'degraded', checks: { db: 'ok', redis: 'error' } });
    }

    const answers: Array<[string, HttpResponse]> = [];
    const call = async (what: string, request: Promise<HttpResponse>) => {
      const response = await request;
      answers.push([what, response]);
      return response;
    };
    const fresh = await call('login on B', b.request('POST', '/api/v1/auth/login', { json: { username: user.email, password: user.password } }));
    expect(fresh.status, fresh.text).toBe(200);
    const wrong = await call('failed login on A', a.request('POST', '/api/v1/auth/login', { json: { username: user.email, password: 'not the password' } }));
    expect(wrong.status, wrong.text).toBe(401);
    const refreshed = await call('refresh on A', a.request('POST', '/api/v1/auth/refresh', { json: { refresh_token: fresh.body.refresh_token } }));
    expect(refreshed.status, refreshed.text).toBe(200);
    expect((await call('me on A', a.request('GET', '/api/v1/auth/me', { token: refreshed.body.access_token }))).status).toBe(200);
    expect((await call('me on B', me(b, kept))).status).toBe(200);
    const loggedOut = await call('logout on A', a.request('POST', '/api/v1/auth/logout', { token: revokedWhileDown.accessToken }));
    expect(loggedOut.status, loggedOut.text).toBe(200);
    // On A the revocation holds at once; B cannot hear of it while the bus is down (which the catch-up below repairs).
    expect((await call('revoked token on A', me(a, revokedWhileDown))).status).toBe(401);
    expect((await call('revoked token on B', me(b, revokedWhileDown))).status).toBe(200);
    expect(socket.raw.readyState).toBe(socket.raw.OPEN);
    for (const [what, response] of answers) expect(response.status, `${what}: ${response.text}`).toBeLessThan(500);

    await redis.start();
    for (const instance of [a, b]) {
      const back = await answersWithin(10_000, (response) => response.body.status === 'ok', () => ready(instance));
      expect(back.status).toBe(200);
      expect(back.body).toEqual({ status: 'ok', checks: { db: 'ok', redis: 'ok' } });
    }
    // Caught up from the database after re-subscribing: the logout made while Redis was down now holds on B.
    const refused = await answersWithin(10_000, 401, () => me(b, revokedWhileDown));
    expect(refused.body.code).toBe('session_revoked');
    // The catch-up reaches B's open connections too (it had no way to hear of the logout while Redis was down).
    expect(await socket.closed(1000)).toEqual({ code: 1008, reason: 'session_revoked' });
    expect((await me(b, kept)).status).toBe(200);

    // And the bus carries revocations again, within 1 s.
    expect((await a.request('POST', '/api/v1/auth/logout', { token: kept.accessToken })).status).toBe(200);
    const refusedLive = await answersWithin(1000, 401, () => me(b, kept));
    expect(refusedLive.body.code).toBe('session_revoked');
  });
});
