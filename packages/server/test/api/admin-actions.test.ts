import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { suspendUser } from '../../src/domain/accounts/suspension.js';
import { CLI_ACTOR } from '../../src/domain/admin/actor.js';
import { deleteUser, setRole, updateUser } from '../../src/domain/admin/manage-users.js';
import { activeAdminIds, bootstrapAdmin, createAndLogin, createUser, loginAdmin, unknownUserId } from '../helpers/admin.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { linkToken, SUBJECTS } from '../helpers/mail-links.js';
import { expectInvalidCredentials, expectProblem } from '../helpers/problems.js';
import type { TestSmtpServer } from '../helpers/smtp.js';
import { type HttpResponse, type MailingTestServer, type RequestOptions, startMailingServer, type TestServer } from '../helpers/test-server.js';
import { ADMIN_USER_FIELDS, type LoggedIn, loginAs } from '../helpers/users.js';

/**
 * The admin actions on one user per API.md "Users and administration": reset the password (set one, ending every
 * session, or mail the user a reset link), read their login history, list and end their sessions; and the
 * last-admin rule, which holds for every entry point (the command line calls the same use-cases as HTTP).
 */

const ME = '/api/v1/users/me';
const LOGIN = '/api/v1/auth/login';
const REFRESH = '/api/v1/auth/refresh';
const ADMIN = { email: 'actions-admin@example.com', password: 'admin actions admin passphrase' };
const ENV = { RATE_LIMIT_ENABLED: 'false', ...bootstrapAdmin(ADMIN) };
const NEW_PASSWORD = 'a password the admin chose 42';
const SECOND = 1000;

describeEachDatabase('admin actions', (dialect) => {
  let mailing: MailingTestServer | undefined;
  let server: TestServer;
  let smtp: TestSmtpServer;
  let admin: LoggedIn;
  let adminId: string;
  beforeAll(async () => {
    mailing = await startMailingServer({ dialect, env: ENV });
    ({ server, smtp } = mailing);
    ({ id: adminId, ...admin } = await loginAdmin(server, ADMIN));
  });
  afterAll(() => mailing?.close());

  const adminPath = (id: string, action: string) => `/api/v1/admin/users/${id}/${action}`;
  const asAdmin = (method: string, path: string, options: RequestOptions = {}) => server.request(method, path, { token: admin.accessToken, ...options });
  const login = (username: string, password: string, userAgent = 'admin-actions-test') =>
    server.request('POST', LOGIN, { json: { username, password }, headers: { 'user-agent': userAgent } });

  /** The admin-only routes of this suite answer 401 to nobody and 403 to a user or a guest, before the body is read. */
  async function expectAdminOnly(method: string, path: string, json?: unknown): Promise<void> {
    const user = await createAndLogin(server, admin.accessToken, 'user');
    const guest = await createAndLogin(server, admin.accessToken, 'guest');
    expectProblem(await server.request(method, path, json === undefined ? {} : { json }), 401, 'not_authenticated');
    for (const caller of [user, guest]) {
      expectProblem(await server.request(method, path, { token: caller.accessToken, ...(json !== undefined && { json }) }), 403, 'forbidden');
      // About themself too: these are administration, not self-service.
      expectProblem(await server.request(method, path.replace(/users\/[^/]+/, `users/${caller.id}`), { token: caller.accessToken, ...(json !== undefined && { json }) }), 403, 'forbidden');
    }
  }

  describe('POST /admin/users/{id}/reset-password', () => {
    const reset = (id: string, json: unknown) => asAdmin('POST', adminPath(id, 'reset-password'), { json });

    it('sets the new password: every session of the user ends at once, the old password stops working, the new one works', async () => {
      const user = await createAndLogin(server, admin.accessToken);
      const laptop = await loginAs(server, user, 'laptop');
      const bystander = await createAndLogin(server, admin.accessToken);
      expect((await server.request('GET', ME, { token: user.accessToken })).status).toBe(200);

      const response = await reset(user.id, { new_password: NEW_PASSWORD });
      expect(response.status, response.text).toBe(200);
      expect(response.body).toEqual({ message: expect.any(String), success: true });

      for (const session of [user, laptop]) {
        expectProblem(await server.request('GET', ME, { token: session.accessToken }), 401, 'session_revoked');
        expectProblem(await server.request('POST', REFRESH, { json: { refresh_token: session.refreshToken } }), 401, 'invalid_refresh_token');
      }
      expectInvalidCredentials(await login(user.email, user.password));
      await loginAs(server, { email: user.email, password: NEW_PASSWORD });
      expect((await server.request('GET', ME, { token: bystander.accessToken })).status).toBe(200);

      const audit = await server.ctx.repos.audit.listInvolving(user.id, 20);
      expect(audit.find((event) => event.action === 'user.password_reset')).toMatchObject({ actorId: adminId, targetId: user.id, details: { by_admin: true } });
      expect(audit.find((event) => event.action === 'session.revoked')).toMatchObject({ actorId: adminId, details: { sessions: 2, reason: 'password_reset' } });
      await smtp.waitFor((mail) => mail.to.includes(user.email) && mail.subject === SUBJECTS.changed);
    });

    it('applies the password policy (422 on /new_password) and then changes nothing', async () => {
      const user = await createAndLogin(server, admin.accessToken);
      for (const password of ['short', 'password123', user.email, 'x'.repeat(129)]) {
        const response = await reset(user.id, { new_password: password });
        expectProblem(response, 422, 'validation_failed');
        expect(response.body.errors).toEqual([expect.objectContaining({ path: '/new_password' })]);
      }
      expect((await server.request('GET', ME, { token: user.accessToken })).status).toBe(200);
      await loginAs(server, user);
    });

    /** A reset link mailed to the user (requested by the admin), not yet used. */
    async function pendingResetLink(user: { id: string; email: string }): Promise<string> {
      const from = smtp.mails.length;
      expect((await reset(user.id, { send_email: true })).status).toBe(200);
      const mail = await smtp.waitFor((candidate) => smtp.mails.indexOf(candidate) >= from && candidate.to.includes(user.email) && candidate.subject === SUBJECTS.reset);
      return linkToken(mail, 'reset-password');
    }
    const confirmReset = (token: string) => server.request('POST', '/api/v1/auth/password/reset/confirm', { json: { token, new_password: 'someone else chose this 77' } });

    it('voids reset links still pending when it sets a password, so an old link cannot undo it', async () => {
      const user = await createAndLogin(server, admin.accessToken);
      const link = await pendingResetLink(user);
      expect((await reset(user.id, { new_password: NEW_PASSWORD })).status).toBe(200);
      expectProblem(await confirmReset(link), 400, 'invalid_token');
      await loginAs(server, { email: user.email, password: NEW_PASSWORD });
    });

    it('voids links mailed to the old address when an admin changes the email', async () => {
      const user = await createAndLogin(server, admin.accessToken);
      const link = await pendingResetLink(user);
      const changed = await asAdmin('PATCH', `/api/v1/users/${user.id}`, { json: { email: `moved-${user.email}` } });
      expect(changed.status, changed.text).toBe(200);
      expectProblem(await confirmReset(link), 400, 'invalid_token');
      await loginAs(server, { email: `moved-${user.email}`, password: user.password });
    });

    it('with send_email mails the user a reset link that works; the sessions last until the link is used', async () => {
      const user = await createAndLogin(server, admin.accessToken);
      const from = smtp.mails.length;
      const response = await reset(user.id, { send_email: true });
      expect(response.status, response.text).toBe(200);
      expect(response.body).toEqual({ message: expect.any(String), success: true });
      const mail = await smtp.waitFor((candidate) => smtp.mails.indexOf(candidate) >= from && candidate.to.includes(user.email) && candidate.subject === SUBJECTS.reset);
      expect((await server.request('GET', ME, { token: user.accessToken })).status).toBe(200);

      const confirmed = await server.request('POST', '/api/v1/auth/password/reset/confirm', { json: { token: linkToken(mail, 'reset-password'), new_password: NEW_PASSWORD } });
      expect(confirmed.status, confirmed.text).toBe(200);
      expectProblem(await server.request('GET', ME, { token: user.accessToken }), 401, 'session_revoked');
      await loginAs(server, { email: user.email, password: NEW_PASSWORD });
      const audit = await server.ctx.repos.audit.listInvolving(user.id, 20);
      expect(audit.find((event) => event.action === 'user.password_reset_requested')).toMatchObject({ actorId: adminId, details: { by_admin: true } });
    });

    it('needs exactly one of new_password and send_email: true (422); a user without an email cannot be mailed (422)', async () => {
      const user = await createUser(server, admin.accessToken);
      for (const body of [{}, { new_password: NEW_PASSWORD, send_email: true }, { send_email: false }, { send_email: 'yes' }, { new_password: 42 }, { new_password: NEW_PASSWORD, is_superuser: true }]) {
        expectProblem(await reset(user.id, body), 422, 'validation_failed');
      }
      const nameOnly = await asAdmin('POST', '/api/v1/users', { json: { username: `nomail_${Date.now()}`, password: 'a fine password here' } });
      expect(nameOnly.status, nameOnly.text).toBe(201);
      const refused = await reset(nameOnly.body.id, { send_email: true });
      expectProblem(refused, 422, 'validation_failed');
      expect(refused.body.errors).toEqual([expect.objectContaining({ path: '/send_email' })]);
      await loginAs(server, user);
    });

    it('answers 404 for an unknown user and 422 for the admin’s own account (that is /auth/password/change)', async () => {
      for (const body of [{ new_password: NEW_PASSWORD }, { send_email: true }]) {
        expectProblem(await reset(unknownUserId(), body), 404, 'not_found');
        expectProblem(await reset(adminId, body), 422, 'validation_failed');
      }
      await loginAs(server, ADMIN);
    });

    it('is for admins only', async () => {
      const target = await createUser(server, admin.accessToken);
      await expectAdminOnly('POST', adminPath(target.id, 'reset-password'), { new_password: NEW_PASSWORD });
      await loginAs(server, target);
    });
  });

  describe('GET /admin/users/{id}/login-history', () => {
    it('lists successes and failures newest first, with method, IP, user agent and reason', async () => {
      const user = await createUser(server, admin.accessToken);
      expect((await login(user.email, user.password, 'first-browser')).status).toBe(200);
      server.clock.advance(SECOND);
      expect((await login(user.email, 'wrong password!', 'attacker')).status).toBe(401);
      server.clock.advance(SECOND);
      const form = await server.request('POST', '/api/v1/auth/login/form', { form: { username: user.username, password: user.password }, headers: { 'user-agent': 'form-client' } });
      expect(form.status, form.text).toBe(200);

      const response = await asAdmin('GET', adminPath(user.id, 'login-history'));
      expect(response.status, response.text).toBe(200);
      expect(response.body.total).toBe(3);
      expect(response.body.next_cursor).toBeNull();
      expect(response.body.items).toEqual([
        { at: expect.any(String), success: true, method: 'password_form', ip: '127.0.0.1', user_agent: 'form-client', reason: null },
        { at: expect.any(String), success: false, method: 'password', ip: '127.0.0.1', user_agent: 'attacker', reason: 'bad_password' },
        { at: expect.any(String), success: true, method: 'password', ip: '127.0.0.1', user_agent: 'first-browser', reason: null },
      ]);
      const times = response.body.items.map((item: { at: string }) => Date.parse(item.at));
      expect(times).toEqual([...times].sort((a, b) => b - a));
    });

    it('pages by cursor without gaps or repeats, also within one millisecond; skip is an offset', async () => {
      const user = await createUser(server, admin.accessToken);
      for (let attempt = 0; attempt < 7; attempt++) {
        // Several attempts share a millisecond: the id breaks the tie.
        if (attempt % 3 === 0) server.clock.advance(SECOND);
        const succeeded = attempt % 2 === 0;
        expect((await login(user.email, succeeded ? user.password : 'wrong password!', `agent-${attempt}`)).status).toBe(succeeded ? 200 : 401);
      }
      const agents: string[] = [];
      let cursor: string | null = null;
      do {
        const page: HttpResponse = await asAdmin('GET', `${adminPath(user.id, 'login-history')}?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.status, page.text).toBe(200);
        expect(page.body.total).toBe(7);
        expect(page.body.items.length).toBeLessThanOrEqual(3);
        agents.push(...page.body.items.map((item: { user_agent: string }) => item.user_agent));
        cursor = page.body.next_cursor;
      } while (cursor);
      expect(agents).toEqual(['agent-6', 'agent-5', 'agent-4', 'agent-3', 'agent-2', 'agent-1', 'agent-0']);

      const skipped = await asAdmin('GET', `${adminPath(user.id, 'login-history')}?skip=5`);
      expect(skipped.body.items.map((item: { user_agent: string }) => item.user_agent)).toEqual(['agent-1', 'agent-0']);
    });

    it('answers 404 for an unknown user, 422 for bad paging, and shows nothing of other users', async () => {
      expectProblem(await asAdmin('GET', adminPath(unknownUserId(), 'login-history')), 404, 'not_found');
      const user = await createUser(server, admin.accessToken);
      for (const query of ['limit=0', 'limit=101', 'limit=abc', 'skip=-1', 'cursor=not-ours', 'cursor=WzEsMl0', 'sort=at']) {
        expectProblem(await asAdmin('GET', `${adminPath(user.id, 'login-history')}?${query}`), 422, 'validation_failed');
      }
      const empty = await asAdmin('GET', adminPath(user.id, 'login-history'));
      expect(empty.body).toEqual({ items: [], next_cursor: null, total: 0 });
    });

    it('is for admins only', async () => {
      await expectAdminOnly('GET', adminPath(adminId, 'login-history'));
    });
  });

  describe('GET and DELETE /admin/users/{id}/sessions', () => {
    it('lists the user’s live sessions (none of them "current") and pages them', async () => {
      const user = await createUser(server, admin.accessToken);
      for (const device of ['phone', 'laptop', 'tablet']) {
        await loginAs(server, user, device);
        server.clock.advance(SECOND);
      }
      const response = await asAdmin('GET', adminPath(user.id, 'sessions'));
      expect(response.status, response.text).toBe(200);
      expect(response.body.total).toBe(3);
      expect(response.body.items.map((session: { device_name: string }) => session.device_name)).toEqual(['tablet', 'laptop', 'phone']);
      for (const session of response.body.items) {
        expect(Object.keys(session).sort()).toEqual(['client_id', 'created_at', 'current', 'device_name', 'expires_at', 'id', 'ip', 'last_active_at', 'method', 'user_agent']);
        expect(session.current).toBe(false);
      }
      const first = await asAdmin('GET', `${adminPath(user.id, 'sessions')}?limit=2`);
      const second = await asAdmin('GET', `${adminPath(user.id, 'sessions')}?limit=2&cursor=${first.body.next_cursor}`);
      expect([...first.body.items, ...second.body.items].map((session: { id: string }) => session.id)).toEqual(response.body.items.map((session: { id: string }) => session.id));
      expect(second.body.next_cursor).toBeNull();
    });

    it('ends every session of the user at once (204); their access and refresh tokens stop working; others are untouched', async () => {
      const user = await createAndLogin(server, admin.accessToken);
      const second = await loginAs(server, user, 'second');
      const bystander = await createAndLogin(server, admin.accessToken);
      expect((await server.request('GET', ME, { token: user.accessToken })).status).toBe(200);

      const response = await asAdmin('DELETE', adminPath(user.id, 'sessions'));
      expect(response.status, response.text).toBe(204);
      for (const session of [user, second]) {
        expectProblem(await server.request('GET', ME, { token: session.accessToken }), 401, 'session_revoked');
        expectProblem(await server.request('POST', REFRESH, { json: { refresh_token: session.refreshToken } }), 401, 'invalid_refresh_token');
      }
      expect((await asAdmin('GET', adminPath(user.id, 'sessions'))).body).toEqual({ items: [], next_cursor: null, total: 0 });
      expect((await server.request('GET', ME, { token: bystander.accessToken })).status).toBe(200);
      expect((await server.request('GET', ME, { token: admin.accessToken })).status).toBe(200);
      // The account itself is fine: the user logs in again.
      await loginAs(server, user);
      const audit = await server.ctx.repos.audit.listInvolving(user.id, 20);
      expect(audit.find((event) => event.action === 'session.revoked')).toMatchObject({ actorId: adminId, details: { sessions: 2, reason: 'revoked_by_admin' } });
      // Nothing left to end is fine too.
      expect((await asAdmin('DELETE', adminPath(bystander.id, 'sessions'))).status).toBe(204);
      expect((await asAdmin('DELETE', adminPath(bystander.id, 'sessions'))).status).toBe(204);
    });

    it('answers 404 for an unknown user and is for admins only', async () => {
      expectProblem(await asAdmin('GET', adminPath(unknownUserId(), 'sessions')), 404, 'not_found');
      expectProblem(await asAdmin('DELETE', adminPath(unknownUserId(), 'sessions')), 404, 'not_found');
      const target = await createAndLogin(server, admin.accessToken);
      await expectAdminOnly('GET', adminPath(target.id, 'sessions'));
      await expectAdminOnly('DELETE', adminPath(target.id, 'sessions'));
      expect((await server.request('GET', ME, { token: target.accessToken })).status).toBe(200);
    });
  });

  describe('suspend, unsuspend and unlock', () => {
    it('record the admin as the actor', async () => {
      const user = await createUser(server, admin.accessToken);
      expect((await asAdmin('POST', adminPath(user.id, 'suspend'), { json: { reason: 'Audit me' } })).status).toBe(200);
      expect((await asAdmin('POST', adminPath(user.id, 'unsuspend'))).status).toBe(200);
      expect((await asAdmin('POST', adminPath(user.id, 'unlock'))).status).toBe(200);
      const audit = await server.ctx.repos.audit.listInvolving(user.id, 20);
      for (const action of ['user.suspended', 'user.unsuspended', 'user.unlocked']) {
        expect(audit.find((event) => event.action === action), action).toMatchObject({ actorId: adminId, targetId: user.id, ip: '127.0.0.1' });
      }
    });

    it('cannot suspend the last active admin, and an admin cannot suspend themself (422)', async () => {
      // Over HTTP the caller is always an active admin, so only the command line can aim at the last one.
      expectProblem(await asAdmin('POST', adminPath(adminId, 'suspend'), { json: {} }), 422, 'validation_failed');
      expect((await server.request('GET', ME, { token: admin.accessToken })).body.is_suspended).toBe(false);
    });
  });

  describe('the last active admin, from the command line (the same use-cases, no actor id)', () => {
    it('cannot be suspended, demoted, deactivated or deleted; any other admin can', async () => {
      const admins = await activeAdminIds(server);
      // Leave exactly one active admin: the bootstrap one.
      for (const id of admins.filter((id) => id !== adminId)) await setRole(server.ctx, CLI_ACTOR, id, 'user');
      expect(await activeAdminIds(server)).toEqual([adminId]);

      const attempts: Array<[string, () => Promise<unknown>]> = [
        ['suspend', () => suspendUser(server.ctx, CLI_ACTOR, adminId, { reason: null, until: null })],
        ['demote', () => setRole(server.ctx, CLI_ACTOR, adminId, 'user')],
        ['deactivate', () => updateUser(server.ctx, CLI_ACTOR, adminId, { isActive: false })],
        ['delete', () => deleteUser(server.ctx, CLI_ACTOR, adminId)],
      ];
      for (const [name, attempt] of attempts) {
        await expect(attempt(), name).rejects.toMatchObject({ code: 'last_admin', status: 422 });
      }
      const me = await server.request('GET', ME, { token: admin.accessToken });
      expect(me.body).toMatchObject({ role: 'admin', is_active: true, is_suspended: false });

      // With a second admin, the command line may demote the first; the audit says it came from there.
      const second = await createUser(server, admin.accessToken, 'admin');
      const demoted = await setRole(server.ctx, CLI_ACTOR, second.id, 'user');
      expect(demoted.role).toBe('user');
      const audit = await server.ctx.repos.audit.listInvolving(second.id, 10);
      expect(audit.find((event) => event.action === 'user.role_changed')).toMatchObject({ actorId: null, details: { from: 'admin', to: 'user', via: 'cli' } });
      const response = await asAdmin('GET', `/api/v1/users/${second.id}`);
      expect(Object.keys(response.body).sort()).toEqual(ADMIN_USER_FIELDS);
      expect(response.body.role).toBe('user');
    });
  });
});
