import { endSuspensions } from '../../src/jobs/end-suspensions.js';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../helpers/databases.js';
import { type HttpResponse, type RequestOptions, startTestServer, type TestServer } from '../helpers/test-server.js';
import { type LoggedIn, loginAs, registerUser, type TestUser, USER_FIELDS, uniqueEmail } from '../helpers/users.js';
import { expectInvalidCredentials, expectProblem } from '../helpers/problems.js';

/**
 * Account status per API.md: an admin suspends (optionally until a time) and unsuspends users; a suspension ends
 * every session at once (401 session_revoked) and refuses logins with 403 account_suspended, but only after the
 * correct password, so the status of an account is never revealed to someone guessing. Inactive accounts and, with
 * REQUIRE_EMAIL_VERIFICATION, unverified ones are refused the same way.
 */

const LOGIN = '/api/v1/auth/login';
const ME = '/api/v1/auth/me';
const REFRESH = '/api/v1/auth/refresh';
const WRONG = 'not the right password';
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const ADMIN = { email: 'status-admin@example.com', password: 'account status admin passphrase' };
// Rate limits are another suite's subject, and a frozen clock never moves their windows.
const ENV = { RATE_LIMIT_ENABLED: 'false', ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password };

function login(server: TestServer, username: string, password: string): Promise<HttpResponse> {
  return server.request('POST', LOGIN, { json: { username, password } });
}

function expectRefusedAfterPassword(response: HttpResponse, code: string, detail: string): void {
  expect(response.status, response.text).toBe(403);
  expect(response.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
  expect(response.body).toEqual({ type: 'about:blank', title: 'Forbidden', status: 403, detail, code });
  expect(response.body).not.toHaveProperty('access_token');
}

function expectSessionRevoked(response: HttpResponse): void {
  expectProblem(response, 401, 'session_revoked');
  expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
}

function expectRefreshRefused(response: HttpResponse): void {
  expectProblem(response, 401, 'invalid_refresh_token');
  expect(response.body).not.toHaveProperty('access_token');
}

async function expectWorks(server: TestServer, accessToken: string, user: TestUser): Promise<HttpResponse> {
  const response = await server.request('GET', ME, { token: accessToken });
  expect(response.status, response.text).toBe(200);
  expect(response.body.id).toBe(user.id);
  return response;
}

function refresh(server: TestServer, refreshToken: string): Promise<HttpResponse> {
  return server.request('POST', REFRESH, { json: { refresh_token: refreshToken } });
}

function adminPost(server: TestServer, action: 'suspend' | 'unsuspend', id: string, options: RequestOptions = {}): Promise<HttpResponse> {
  return server.request('POST', `/api/v1/admin/users/${id}/${action}`, options);
}

function unknownUserId(): string {
  return `01900000-0000-7000-8000-${randomBytes(6).toString('hex')}`;
}

describeEachDatabase('account status', (dialect) => {
  describe('suspension', () => {
    let server: TestServer;
    let admin: LoggedIn;
    let adminId: string;
    beforeAll(async () => {
      server = await startTestServer({ dialect, env: ENV });
    });
    // Afresh for every test: some tests move the frozen clock past an access token's lifetime.
    beforeEach(async () => {
      admin = await loginAs(server, ADMIN);
      adminId = (await server.request('GET', ME, { token: admin.accessToken })).body.id;
    });
    afterAll(() => server.close());

    const suspend = (id: string, body: Record<string, unknown> = {}, token = admin.accessToken) =>
      adminPost(server, 'suspend', id, { json: body, token });

    it('answers 200 with the User (is_suspended true) and at once ends every session of that user, and only theirs', async () => {
      const user = await registerUser(server);
      const phone = await loginAs(server, user, 'phone');
      const laptop = await loginAs(server, user, 'laptop');
      const bystander = await registerUser(server);
      const bystanderLogin = await loginAs(server, bystander);
      // Warm whatever caches the authenticated path has: the suspension must not wait for them to expire.
      await expectWorks(server, phone.accessToken, user);
      await expectWorks(server, laptop.accessToken, user);

      const response = await suspend(user.id, { reason: 'Spam reports' });
      expect(response.status, response.text).toBe(200);
      expect(Object.keys(response.body).sort()).toEqual(USER_FIELDS);
      expect(response.body).toMatchObject({ id: user.id, email: user.email, username: user.username, is_suspended: true, is_active: true, role: 'user' });

      for (const session of [phone, laptop]) {
        expectSessionRevoked(await server.request('GET', ME, { token: session.accessToken }));
        expectRefreshRefused(await refresh(server, session.refreshToken));
      }
      await expectWorks(server, bystanderLogin.accessToken, bystander);
      expect((await refresh(server, bystanderLogin.refreshToken)).status).toBe(200);
    });

    it('refuses a login with 403 account_suspended only after the correct password; a wrong one gets the generic 401', async () => {
      const user = await registerUser(server);
      expect((await suspend(user.id)).status).toBe(200);

      const wrong = await login(server, user.email, WRONG);
      expectInvalidCredentials(wrong);
      expect((await login(server, uniqueEmail('nobody'), WRONG)).text).toBe(wrong.text);

      const detail = 'This account is suspended';
      expectRefusedAfterPassword(await login(server, user.email, user.password), 'account_suspended', detail);
      expectRefusedAfterPassword(await login(server, user.username.toUpperCase(), user.password), 'account_suspended', detail);
      const form = await server.request('POST', '/api/v1/auth/login/form', { form: { username: user.email, password: user.password } });
      expectRefusedAfterPassword(form, 'account_suspended', detail);
      // Nothing was issued for those refused logins.
      expect(await server.ctx.repos.sessions.listForUser(user.id)).toEqual([]);
    });

    it('unsuspending lets the user log in again; the tokens the suspension revoked stay revoked', async () => {
      const user = await registerUser(server);
      const before = await loginAs(server, user);
      expect((await suspend(user.id, { reason: 'Investigating' })).status).toBe(200);
      expectRefusedAfterPassword(await login(server, user.email, user.password), 'account_suspended', 'This account is suspended');

      const lifted = await adminPost(server, 'unsuspend', user.id, { token: admin.accessToken });
      expect(lifted.status, lifted.text).toBe(200);
      expect(Object.keys(lifted.body).sort()).toEqual(USER_FIELDS);
      expect(lifted.body).toMatchObject({ id: user.id, is_suspended: false, is_active: true });

      const after = await loginAs(server, user);
      await expectWorks(server, after.accessToken, user);
      expect((await refresh(server, after.refreshToken)).status).toBe(200);
      expectSessionRevoked(await server.request('GET', ME, { token: before.accessToken }));
      expectRefreshRefused(await refresh(server, before.refreshToken));

      // Lifting a suspension that is not there is harmless.
      expect((await adminPost(server, 'unsuspend', user.id, { token: admin.accessToken })).body.is_suspended).toBe(false);
      await loginAs(server, user);
    });

    it('a timed suspension ends by itself once its time has passed, without an unsuspend', async () => {
      const user = await registerUser(server);
      const until = new Date(server.clock.now() + HOUR).toISOString();
      const response = await suspend(user.id, { reason: 'Cooling off', until });
      expect(response.status, response.text).toBe(200);
      expect(response.body.is_suspended).toBe(true);
      expectRefusedAfterPassword(await login(server, user.email, user.password), 'account_suspended', 'This account is suspended');

      server.clock.advance(HOUR - SECOND);
      expectRefusedAfterPassword(await login(server, user.email, user.password), 'account_suspended', 'This account is suspended');

      server.clock.advance(2 * SECOND);
      const after = await loginAs(server, user);
      await expectWorks(server, after.accessToken, user);
      expect((await refresh(server, after.refreshToken)).status).toBe(200);

      // The job that tidies the flag records the end in the audit trail, as the system's own act.
      await endSuspensions(server.ctx).run();
      const profile = await server.request('GET', ME, { token: after.accessToken });
      expect(profile.body.is_suspended).toBe(false);
      const audit = await server.ctx.repos.audit.listInvolving(user.id, 20);
      expect(audit.find((event) => event.action === 'user.unsuspended')).toMatchObject({ actorId: null, targetId: user.id, details: { expired: true } });
    });

    it('refuses an until that is not in the future with 422 and leaves the account untouched', async () => {
      const user = await registerUser(server);
      const session = await loginAs(server, user);
      for (const until of [new Date(server.clock.now() - MINUTE).toISOString(), new Date(server.clock.now()).toISOString(), '2000-01-01T00:00:00Z']) {
        const response = await suspend(user.id, { reason: 'Too late', until });
        expectProblem(response, 422, 'validation_failed');
        expect(response.body.errors).toEqual([expect.objectContaining({ path: '/until' })]);
      }
      await expectWorks(server, session.accessToken, user);
      await loginAs(server, user);
      const audit = await server.ctx.repos.audit.listInvolving(user.id, 20);
      expect(audit.map((event) => event.action)).not.toContain('user.suspended');
      expect(audit.map((event) => event.action)).not.toContain('session.revoked');
    });

    it('an admin cannot suspend themself (422)', async () => {
      const response = await suspend(adminId, { reason: 'oops' });
      expectProblem(response, 422, 'validation_failed');
      const me = await server.request('GET', ME, { token: admin.accessToken });
      expect(me.status).toBe(200);
      expect(me.body.is_suspended).toBe(false);
    });

    it('is for admins only: 401 anonymous, 403 for a user (even about themself), 404 for an unknown id', async () => {
      const target = await registerUser(server);
      const targetLogin = await loginAs(server, target);
      const other = await registerUser(server);
      const otherLogin = await loginAs(server, other);

      for (const action of ['suspend', 'unsuspend'] as const) {
        const anonymous = await adminPost(server, action, target.id, { json: {} });
        expectProblem(anonymous, 401, 'not_authenticated');
        expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
        for (const caller of [otherLogin, targetLogin]) {
          const forbidden = await adminPost(server, action, target.id, { json: {}, token: caller.accessToken });
          expectProblem(forbidden, 403, 'forbidden');
        }
        // Who may call is settled before the body is even read: no validation details for non-admins.
        for (const body of [{ json: { role: 'admin' } }, { raw: '{"reason": ', headers: { 'content-type': 'application/json' } }]) {
          expectProblem(await adminPost(server, action, target.id, body), 401, 'not_authenticated');
          expectProblem(await adminPost(server, action, target.id, { ...body, token: otherLogin.accessToken }), 403, 'forbidden');
        }
        const badToken = await adminPost(server, action, target.id, { json: {}, token: `${admin.accessToken.slice(0, -4)}AAAA` });
        expect(badToken.status, badToken.text).toBe(401);
        for (const id of [unknownUserId(), 'not-a-user-id']) {
          expectProblem(await adminPost(server, action, id, { json: {}, token: admin.accessToken }), 404, 'not_found');
        }
      }
      // None of the refused calls suspended anyone.
      await expectWorks(server, targetLogin.accessToken, target);
      await expectWorks(server, otherLogin.accessToken, other);
    });

    it.each<[string, RequestOptions, number]>([
      ['an unknown body field', { json: { reason: 'x', role: 'admin' } }, 422],
      ['a misspelt field', { json: { suspended_until: '2099-01-01T00:00:00Z' } }, 422],
      ['malformed JSON', { raw: '{"reason": ', headers: { 'content-type': 'application/json' } }, 400],
      ['an until that is not a date', { json: { until: 'tomorrow' } }, 422],
      ['an until with month 13', { json: { until: '2099-13-01T00:00:00Z' } }, 422],
      ['an until on 30 February', { json: { until: '2099-02-30T00:00:00Z' } }, 422],
      ['an until on a leap second', { json: { until: '2098-12-31T23:59:60Z' } }, 422],
      ['an until without a time zone', { json: { until: '2099-01-01T00:00:00' } }, 422],
      ['an until that is a number', { json: { until: 4_102_444_800_000 } }, 422],
      ['a reason that is not a string', { json: { reason: 42 } }, 422],
      ['a 501-character reason', { json: { reason: 'x'.repeat(501) } }, 422],
      ['a JSON array body', { json: [] }, 422],
      ['a form body', { form: { reason: 'x' } }, 415],
    ])('answers %s with a problem document, never a 500', async (_name, options, status) => {
      const user = await registerUser(server);
      const response = await adminPost(server, 'suspend', user.id, { ...options, token: admin.accessToken });
      expect(response.status, response.text).toBe(status);
      expect(response.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
      expect(response.body.status).toBe(status);
      // The refused request suspended nobody.
      await loginAs(server, user);
    });

    it('puts the suspension, its session revocation and the unsuspension in the audit trail', async () => {
      const user = await registerUser(server);
      await loginAs(server, user);
      await loginAs(server, user);
      const until = new Date(server.clock.now() + 24 * HOUR).toISOString();
      expect((await suspend(user.id, { reason: 'Chargeback', until })).status).toBe(200);
      expect((await adminPost(server, 'unsuspend', user.id, { token: admin.accessToken })).status).toBe(200);

      const audit = await server.ctx.repos.audit.listInvolving(user.id, 20);
      const actions = audit.map((event) => event.action);
      expect(actions).toContain('user.suspended');
      expect(actions).toContain('session.revoked');
      expect(actions).toContain('user.unsuspended');
      expect(audit.find((event) => event.action === 'user.suspended')).toMatchObject({
        actorId: adminId,
        targetId: user.id,
        details: { reason: 'Chargeback', until },
      });
      const revocations = audit.filter((event) => event.action === 'session.revoked');
      for (const event of revocations) {
        expect(event).toMatchObject({ actorId: adminId, targetId: user.id, details: expect.objectContaining({ reason: 'account_suspended' }) });
      }
      expect(audit.find((event) => event.action === 'user.unsuspended')).toMatchObject({ actorId: adminId, targetId: user.id });
      // Newest first: the unsuspension came after the suspension.
      expect(actions.indexOf('user.unsuspended')).toBeLessThan(actions.indexOf('user.suspended'));
    });
  });

  describe('a deactivated account (is_active false)', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ dialect, env: ENV });
    });
    afterAll(() => server.close());

    it('is refused at once: its bearer token, its refresh token, and a login after the correct password (403 account_inactive)', async () => {
      const user = await registerUser(server);
      const session = await loginAs(server, user);
      await expectWorks(server, session.accessToken, user);

      // No HTTP route deactivates an account yet; this is what one would do, and then tell every instance.
      await server.database.db.updateTable('users').set({ is_active: 0 }).where('id', '=', user.id).execute();
      await server.ctx.events.publish({ type: 'user.changed', userId: user.id });

      const me = await server.request('GET', ME, { token: session.accessToken });
      expectProblem(me, 403, 'account_inactive');
      expectRefreshRefused(await refresh(server, session.refreshToken));
      expectInvalidCredentials(await login(server, user.email, WRONG));
      expectRefusedAfterPassword(await login(server, user.email, user.password), 'account_inactive', 'This account is inactive');
      expectRefusedAfterPassword(await login(server, user.username, user.password), 'account_inactive', 'This account is inactive');
    });
  });

  describe('with REQUIRE_EMAIL_VERIFICATION=true (development: mail goes to the log)', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ dialect, env: { ...ENV, ENVIRONMENT: 'development', REQUIRE_EMAIL_VERIFICATION: 'true' } });
    });
    afterAll(() => server.close());

    /** The token of the newest verification link the development mailer logged for this address. */
    function loggedVerificationToken(email: string): string {
      for (const line of [...server.logs].reverse()) {
        if (!line.includes(email)) continue;
        const entry = JSON.parse(line) as { to?: string; text?: string };
        const match = entry.to === email ? /\/verify-email#token=([A-Za-z0-9%_.~-]+)/.exec(entry.text ?? '') : null;
        if (match?.[1]) return decodeURIComponent(match[1]);
      }
      throw new Error(`no verification mail for ${email} in the log`);
    }

    it('refuses an unverified user with 403 email_not_verified only after the correct password; after verifying, the login works', async () => {
      const user = await registerUser(server);
      expectInvalidCredentials(await login(server, user.email, WRONG));
      const detail = 'Verify your email address before logging in; ask for a new verification mail if the last one expired';
      expectRefusedAfterPassword(await login(server, user.email, user.password), 'email_not_verified', detail);
      expectRefusedAfterPassword(await login(server, user.username, user.password), 'email_not_verified', detail);
      expect(await server.ctx.repos.sessions.listForUser(user.id)).toEqual([]);

      const confirmed = await server.request('POST', '/api/v1/auth/email/verification/confirm', { json: { token: loggedVerificationToken(user.email) } });
      expect(confirmed.status, confirmed.text).toBe(200);

      const session = await loginAs(server, user);
      const me = await expectWorks(server, session.accessToken, user);
      expect(me.body.is_verified).toBe(true);
    });
  });
});
