import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import type { TestServer } from '../helpers/test-server.js';
import { openSocket } from '../helpers/websocket.js';
import { createUser } from '../helpers/admin.js';
import { type LoggedIn, loginAs } from '../helpers/users.js';
import { ADMIN, answersWithin, deploymentEnv, describeWithPostgresAndRedis, type Instance, startInstance } from './instances.js';

/**
 * ARCHITECTURE.md "Scale-out": two server processes on one PostgreSQL and one Redis. Each keeps revocations and
 * users in memory (no database round trip on the authenticated path), so only the events bus can make a change on
 * one felt on the other: every check below fails if the instances do not share it. "Within 1 s" is a bound polled
 * up to, never a sleep.
 */
describeWithPostgresAndRedis('two instances on PostgreSQL and Redis', (redisUrl) => {
  const running: Instance[] = [];
  let database: TestDatabase;
  let env: Record<string, string>;
  let a: Instance;
  let b: Instance;
  let admin: LoggedIn;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    env = deploymentEnv(database, redisUrl, { LOCKOUT_THRESHOLD: '4' });
    // One after the other: the first migrates the fresh schema and creates the admin.
    a = await startInstance('A', env, running);
    b = await startInstance('B', env, running);
    admin = await loginAs(a, ADMIN);
  });
  afterAll(async () => {
    for (const instance of running) instance.kill();
    await database?.drop();
  });

  const me = (instance: Instance, session: LoggedIn) => instance.request('GET', '/api/v1/auth/me', { token: session.accessToken });

  async function expectRevokedWithin1s(instance: Instance, session: LoggedIn): Promise<void> {
    const refused = await answersWithin(1000, 401, () => me(instance, session));
    expect(refused.body.code, instance.name).toBe('session_revoked');
  }

  it('a logout on A is refused on B within 1 s', async () => {
    const user = await createUser(a, admin.accessToken);
    const session = await loginAs(a, user);
    // B has verified the token and cached the user: from now on it would accept it without asking the database.
    expect((await me(b, session)).status).toBe(200);
    expect((await a.request('POST', '/api/v1/auth/logout', { token: session.accessToken })).status).toBe(200);
    await expectRevokedWithin1s(b, session);
  });

  it('an admin’s suspension on A is refused on B within 1 s', async () => {
    const user = await createUser(a, admin.accessToken);
    const session = await loginAs(b, user);
    expect((await me(b, session)).status).toBe(200);
    const suspended = await a.request('POST', `/api/v1/admin/users/${user.id}/suspend`, { token: admin.accessToken, json: { reason: 'test' } });
    expect(suspended.status, suspended.text).toBe(200);
    await expectRevokedWithin1s(b, session);
  });

  it('a role change on A applies on B (a demoted admin loses admin routes there)', async () => {
    const other = await createUser(a, admin.accessToken, 'admin');
    const session = await loginAs(a, other);
    expect((await b.request('GET', '/api/v1/users', { token: session.accessToken })).status).toBe(200);
    const demoted = await a.request('PATCH', `/api/v1/users/${other.id}`, { token: admin.accessToken, json: { role: 'user' } });
    expect(demoted.status, demoted.text).toBe(200);
    const refused = await answersWithin(1000, 403, () => b.request('GET', '/api/v1/users', { token: session.accessToken }));
    expect(refused.body.code).toBe('forbidden');
    expect((await me(b, session)).body.role).toBe('user');
  });

  it('lockout counts are shared: failures split across A and B lock the account on both', async () => {
    const user = await createUser(a, admin.accessToken);
    const wrong = { username: user.email, password: 'not the password at all' };
    // LOCKOUT_THRESHOLD=4: two failures on each instance; counted per instance, neither would reach it.
    for (const instance of [a, b, a, b]) {
      expect((await instance.request('POST', '/api/v1/auth/login', { json: wrong })).status).toBe(401);
    }
    for (const instance of [a, b]) {
      const locked = await instance.request('POST', '/api/v1/auth/login', { json: { username: user.email, password: user.password } });
      expect(locked.status, `${instance.name}: ${locked.text}`).toBe(429);
      expect(locked.body.code).toBe('account_locked');
    }
  });

  it('a WebSocket open on B is closed (1008 session_revoked) when its session is revoked on A', async () => {
    const user = await createUser(a, admin.accessToken);
    const session = await loginAs(a, user);
    const issued = await b.request('POST', '/api/v1/auth/ws-ticket', { token: session.accessToken });
    expect(issued.status, issued.text).toBe(201);
    const socket = openSocket({ url: b.url } as TestServer, `ticket=${encodeURIComponent(issued.body.ticket)}`);
    expect(await socket.outcome()).toBe('hello');
    expect((await a.request('POST', '/api/v1/auth/logout', { token: session.accessToken })).status).toBe(200);
    expect(await socket.closed(1000)).toEqual({ code: 1008, reason: 'session_revoked' });
  });

  it('a WebSocket ticket issued on A opens a socket on B (behind a load balancer), once', async () => {
    const user = await createUser(a, admin.accessToken);
    const session = await loginAs(a, user);
    const issued = await a.request('POST', '/api/v1/auth/ws-ticket', { token: session.accessToken });
    expect(issued.status, issued.text).toBe(201);
    const query = `ticket=${encodeURIComponent(issued.body.ticket)}`;
    const socket = openSocket({ url: b.url } as TestServer, query);
    expect(await socket.outcome()).toBe('hello');
    const replay = openSocket({ url: a.url } as TestServer, query);
    expect(await replay.outcome()).toBe('1008 invalid_token');
    socket.raw.close();
  });

  it('`gatehouse user suspend` with the same settings reaches both running instances within 1 s', async () => {
    const user = await createUser(a, admin.accessToken);
    const onA = await loginAs(a, user);
    const onB = await loginAs(b, user);
    expect((await me(a, onA)).status).toBe(200);
    expect((await me(b, onB)).status).toBe(200);
    // The command exits by itself once done (its Redis connections closed); a hang would time the test out.
    const result = await runCli(['user', 'suspend', user.email, '--reason', 'from the command line'], { env });
    expect(result.code, result.stderr).toBe(0);
    await expectRevokedWithin1s(a, onA);
    await expectRevokedWithin1s(b, onB);
  });
});
