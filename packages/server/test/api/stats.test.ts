import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../helpers/databases.js';
import { linkToken, SUBJECTS } from '../helpers/mail-links.js';
import { expectProblem } from '../helpers/problems.js';
import type { TestSmtpServer } from '../helpers/smtp.js';
import { type MailingTestServer, type RequestOptions, startMailingServer, type TestServer } from '../helpers/test-server.js';
import { type LoggedIn, loginAs, registerUser, type TestUser, uniqueEmail } from '../helpers/users.js';

/**
 * GET /admin/stats and GET /users/stats/count per API.md: user counts kept by the database (triggers on users),
 * logins of the last 24 hours and live sessions, exact after every kind of change and under concurrent sign-ups.
 */

const STATS = '/api/v1/admin/stats';
const COUNT = '/api/v1/users/stats/count';
const DAY = 86_400_000;
const ADMIN = { email: 'stats-admin@example.com', password: 'stats suite admin passphrase' };
const ENV = { RATE_LIMIT_ENABLED: 'false', ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1', ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password };

interface Stats {
  users: { total: number; active: number; verified: number; suspended: number; admins: number };
  logins_24h: { success: number; failure: number };
  active_sessions: number;
}

describeEachDatabase('stats', (dialect) => {
  let mailing: MailingTestServer;
  let server: TestServer;
  let smtp: TestSmtpServer;
  let admin: LoggedIn;
  beforeAll(async () => {
    mailing = await startMailingServer({ dialect, env: ENV });
    ({ server, smtp } = mailing);
    admin = await loginAs(server, ADMIN);
  });
  afterAll(() => mailing.close());

  async function stats(): Promise<Stats> {
    const response = await server.request('GET', STATS, { token: admin.accessToken });
    expect(response.status, response.text).toBe(200);
    expect(Object.keys(response.body).sort()).toEqual(['active_sessions', 'logins_24h', 'users']);
    const count = await server.request('GET', COUNT, { token: admin.accessToken });
    expect(count.status, count.text).toBe(200);
    expect(count.body).toEqual({ total_users: response.body.users.total });
    return response.body;
  }

  type Moves = Partial<Stats['users']> & { success?: number; failure?: number; sessions?: number };

  /** Runs a change and checks that exactly the given figures moved, by exactly the given amounts. */
  async function expectChange(change: () => Promise<unknown>, moves: Moves): Promise<void> {
    const before = await stats();
    await change();
    const by = (name: keyof Moves) => moves[name] ?? 0;
    expect(await stats()).toEqual({
      users: {
        total: before.users.total + by('total'),
        active: before.users.active + by('active'),
        verified: before.users.verified + by('verified'),
        suspended: before.users.suspended + by('suspended'),
        admins: before.users.admins + by('admins'),
      },
      logins_24h: { success: before.logins_24h.success + by('success'), failure: before.logins_24h.failure + by('failure') },
      active_sessions: before.active_sessions + by('sessions'),
    });
  }

  async function ok(method: string, path: string, options: RequestOptions, status = 200): Promise<void> {
    const response = await server.request(method, path, options);
    expect(response.status, response.text).toBe(status);
  }
  const asAdmin = (json?: unknown): RequestOptions => ({ token: admin.accessToken, ...(json !== undefined && { json }) });

  describe('who may read them', () => {
    it('answers 401 to anonymous callers and 403 to plain users', async () => {
      expectProblem(await server.request('GET', STATS), 401, 'not_authenticated');
      expectProblem(await server.request('GET', COUNT), 401, 'not_authenticated');
      const { accessToken } = await loginAs(server, await registerUser(server));
      expectProblem(await server.request('GET', STATS, { token: accessToken }), 403, 'forbidden');
      expectProblem(await server.request('GET', COUNT, { token: accessToken }), 403, 'forbidden');
    });

    it('serves /users/stats/count from its own static route, not as the user with id "stats"', async () => {
      const response = await server.request('GET', COUNT, asAdmin());
      expect(response.status, response.text).toBe(200);
      expect(Object.keys(response.body)).toEqual(['total_users']);
      expect(response.body.total_users).toBeGreaterThan(0);
    });

    it('needs the read and admin scopes on an admin API key', async () => {
      const key = async (scopes: string[]) => {
        const response = await server.request('POST', '/api/v1/auth/api-keys', asAdmin({ name: scopes.join('+'), scopes }));
        expect(response.status, response.text).toBe(201);
        return { headers: { 'x-api-key': response.body.key as string } };
      };
      expectProblem(await server.request('GET', STATS, await key(['read'])), 403, 'forbidden');
      const allowed = await server.request('GET', STATS, await key(['read', 'admin']));
      expect(allowed.status, allowed.text).toBe(200);
    });
  });

  describe('user counts', () => {
    let user: TestUser;

    it('counts a registration as a user, active and unverified', async () => {
      await expectChange(async () => {
        user = await registerUser(server);
      }, { total: 1, active: 1 });
    });

    it('counts a verified email, and un-counts it when the email changes', async () => {
      const mail = await smtp.waitFor((message) => message.to.includes(user.email) && message.subject === SUBJECTS.verify);
      await expectChange(() => ok('POST', '/api/v1/auth/email/verification/confirm', { json: { token: linkToken(mail, 'verify-email') } }), { verified: 1 });
      const { accessToken } = await loginAs(server, user);
      await expectChange(
        () => ok('PATCH', '/api/v1/users/me', { token: accessToken, json: { email: uniqueEmail('moved'), current_password: user.password } }),
        { verified: -1 },
      );
    });

    it('moves a suspended user from active to suspended and back', async () => {
      // Their session (from the email change) ends with the suspension.
      await expectChange(() => ok('POST', `/api/v1/admin/users/${user.id}/suspend`, asAdmin({ reason: 'stats' })), { active: -1, suspended: 1, sessions: -1 });
      await expectChange(() => ok('POST', `/api/v1/admin/users/${user.id}/suspend`, asAdmin({ reason: 'again' })), {});
      await expectChange(() => ok('POST', `/api/v1/admin/users/${user.id}/unsuspend`, asAdmin()), { active: 1, suspended: -1 });
    });

    it('counts deactivation, verification by an admin, and role changes', async () => {
      await expectChange(() => ok('PATCH', `/api/v1/users/${user.id}`, asAdmin({ is_active: false })), { active: -1 });
      // An inactive account that is also suspended is still counted once as suspended, and not as active.
      await expectChange(() => ok('POST', `/api/v1/admin/users/${user.id}/suspend`, asAdmin({})), { suspended: 1 });
      await expectChange(() => ok('POST', `/api/v1/admin/users/${user.id}/unsuspend`, asAdmin()), { suspended: -1 });
      await expectChange(() => ok('PATCH', `/api/v1/users/${user.id}`, asAdmin({ is_active: true, is_verified: true })), { active: 1, verified: 1 });
      // Admins counts every admin account, active or not.
      await expectChange(() => ok('PATCH', `/api/v1/users/${user.id}`, asAdmin({ role: 'admin' })), { admins: 1 });
      await expectChange(() => ok('PATCH', `/api/v1/users/${user.id}`, asAdmin({ is_active: false })), { active: -1 });
      await expectChange(() => ok('PATCH', `/api/v1/users/${user.id}`, asAdmin({ role: 'user', is_active: true })), { admins: -1, active: 1 });
    });

    it('un-counts deleted users, by an admin or by themselves, in every figure they were in', async () => {
      // Login history goes with an account (it is personal data), and with it their logins of the day.
      await expectChange(() => ok('DELETE', `/api/v1/users/${user.id}`, asAdmin(), 204), { total: -1, active: -1, verified: -1, success: -1 });
      const leaving = await registerUser(server);
      const { accessToken } = await loginAs(server, leaving);
      await expectChange(() => ok('DELETE', '/api/v1/users/me', { token: accessToken, json: { password: leaving.password } }, 204), {
        total: -1,
        active: -1,
        success: -1,
        sessions: -1,
      });
    });

    it('counts an admin created by an admin', async () => {
      await expectChange(
        () => ok('POST', '/api/v1/users', asAdmin({ email: uniqueEmail('second-admin'), password: 'a second admin passphrase', role: 'admin', is_verified: true }), 201),
        { total: 1, active: 1, verified: 1, admins: 1 },
      );
    });

    it('stays exact under concurrent registrations and suspensions', async () => {
      const before = await stats();
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => server.request('POST', '/api/v1/auth/register', { json: { email: uniqueEmail(`burst${i}`), password: 'a burst of sign-ups 123' } })),
      );
      expect(results.map((response) => response.status)).toEqual(Array(50).fill(201));
      const afterSignUps = await stats();
      expect(afterSignUps.users).toEqual({ ...before.users, total: before.users.total + 50, active: before.users.active + 50 });

      const ids = results.slice(0, 20).map((response) => response.body.id as string);
      const suspensions = await Promise.all(ids.map((id) => server.request('POST', `/api/v1/admin/users/${id}/suspend`, asAdmin({}))));
      expect(suspensions.map((response) => response.status)).toEqual(Array(20).fill(200));
      expect((await stats()).users).toEqual({ ...afterSignUps.users, active: afterSignUps.users.active - 20, suspended: afterSignUps.users.suspended + 20 });
    });
  });

  describe('logins and sessions', () => {
    it('counts logins of the last 24 hours by outcome, and live sessions', async () => {
      const user = await registerUser(server);
      let first: LoggedIn | undefined;
      await expectChange(
        async () => {
          first = await loginAs(server, user);
          await loginAs(server, user);
          expect((await server.request('POST', '/api/v1/auth/login', { json: { username: user.email, password: 'wrong password here' } })).status).toBe(401);
          expect((await server.request('POST', '/api/v1/auth/login', { json: { username: 'nobody@example.com', password: 'wrong password here' } })).status).toBe(401);
        },
        { success: 2, failure: 2, sessions: 2 },
      );
      await expectChange(() => ok('POST', '/api/v1/auth/logout', { token: first?.accessToken as string }), { sessions: -1 });
    });

    it('leaves out logins older than 24 hours and sessions past their expiry', async () => {
      const before = await stats();
      expect(before.logins_24h.success).toBeGreaterThan(0);
      server.clock.advance(DAY - 60_000);
      // The admin's access token has expired by now; logging in again is the one login of the last minute.
      admin = await loginAs(server, ADMIN);
      expect((await stats()).logins_24h).toEqual({ success: before.logins_24h.success + 1, failure: before.logins_24h.failure });
      server.clock.advance(60_001);
      expect((await stats()).logins_24h).toEqual({ success: 1, failure: 0 });

      // Sessions live REFRESH_TOKEN_EXPIRE_DAYS (7) from their login: a week on, only a new one is live.
      expect(before.active_sessions).toBeGreaterThan(1);
      server.clock.advance(7 * DAY);
      admin = await loginAs(server, ADMIN);
      expect(await stats()).toMatchObject({ logins_24h: { success: 1, failure: 0 }, active_sessions: 1 });
    });
  });
});
