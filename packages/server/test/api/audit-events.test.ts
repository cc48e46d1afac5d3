import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapAdmin, loginAdmin } from '../helpers/admin.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { linkToken, SUBJECTS } from '../helpers/mail-links.js';
import type { TestSmtpServer } from '../helpers/smtp.js';
import { type HttpResponse, type MailingTestServer, type RequestOptions, startMailingServer, type TestServer } from '../helpers/test-server.js';
import { type LoggedIn, loginAs, registerUser, type TestUser, uniqueEmail } from '../helpers/users.js';

/**
 * Issue 5 "audit log": every security event is in GET /admin/audit-log with its actor, target, IP and details,
 * whichever HTTP route caused it, and no password, token or key ever appears in it.
 */

const LOG = '/api/v1/admin/audit-log';
const IP = '127.0.0.1';
const ADMIN = { email: 'events-admin@example.com', password: 'audit events admin passphrase' };
const ENV = {
  RATE_LIMIT_ENABLED: 'false',
  LOCKOUT_THRESHOLD: '3',
  ARGON2_MEMORY_KIB: '1024',
  ARGON2_TIME_COST: '1',
  ...bootstrapAdmin(ADMIN),
};

interface Entry {
  id: string;
  at: string;
  actor_id: string | null;
  action: string;
  target_id: string | null;
  ip: string | null;
  details: Record<string, unknown> | null;
}

describeEachDatabase('audit events', (dialect) => {
  let mailing: MailingTestServer;
  let server: TestServer;
  let smtp: TestSmtpServer;
  let admin: LoggedIn;
  let adminId: string;
  /** Every secret the suite handles, to look for in the whole log at the end. */
  const secrets: string[] = [ADMIN.password];
  beforeAll(async () => {
    mailing = await startMailingServer({ dialect, env: ENV });
    ({ server, smtp } = mailing);
    ({ id: adminId, ...admin } = await loginAdmin(server, ADMIN));
    secrets.push(admin.accessToken, admin.refreshToken);
  });
  afterAll(() => mailing.close());

  /** The entries about `targetId` with this action, newest first. */
  async function entries(action: string, targetId: string | null): Promise<Entry[]> {
    const query = new URLSearchParams({ action, ...(targetId !== null && { target_id: targetId }) });
    const response = await server.request('GET', `${LOG}?${query}`, { token: admin.accessToken });
    expect(response.status, response.text).toBe(200);
    return response.body.items;
  }

  async function latest(action: string, targetId: string | null): Promise<Entry> {
    const [entry] = await entries(action, targetId);
    expect(entry, `no ${action} entry about ${targetId}`).toBeDefined();
    return entry as Entry;
  }

  async function call(method: string, path: string, options: RequestOptions, status: number): Promise<HttpResponse> {
    const response = await server.request(method, path, options);
    expect(response.status, response.text).toBe(status);
    return response;
  }

  const asAdmin = (json?: unknown): RequestOptions => ({ token: admin.accessToken, ...(json !== undefined && { json }) });

  async function newUser(): Promise<TestUser & LoggedIn> {
    const user = await registerUser(server, { password: `${uniqueEmail('pw')} is my passphrase` });
    const session = await loginAs(server, user);
    secrets.push(user.password, session.accessToken, session.refreshToken);
    return { ...user, ...session };
  }

  async function mailedToken(email: string, subject: string, page: 'reset-password' | 'verify-email', from: number): Promise<string> {
    const mail = await smtp.waitFor((message) => smtp.mails.indexOf(message) >= from && message.to.includes(email) && message.subject === subject);
    const token = linkToken(mail, page);
    secrets.push(token);
    return token;
  }

  describe('accounts', () => {
    it('records the admin bootstrap and each registration', async () => {
      expect(await latest('admin.bootstrapped', adminId)).toMatchObject({ actor_id: adminId, ip: null, details: { role: 'admin' } });
      const user = await newUser();
      expect(await latest('user.registered', user.id)).toMatchObject({ actor_id: user.id, ip: IP, details: { role: 'user' } });
    });

    it('records logins that succeed and fail, from login history', async () => {
      const user = await newUser();
      await call('POST', '/api/v1/auth/login', { json: { username: user.email, password: 'not the password' } }, 401);
      expect(await latest('user.login_succeeded', user.id)).toMatchObject({ actor_id: user.id, ip: IP, details: { method: 'password', reason: null } });
      expect(await latest('user.login_failed', user.id)).toMatchObject({ actor_id: user.id, ip: IP, details: { method: 'password', reason: 'bad_password' } });
    });

    it('records a lockout and an admin lifting it', async () => {
      const user = await newUser();
      for (let i = 0; i < 3; i++) await call('POST', '/api/v1/auth/login', { json: { username: user.email, password: `wrong guess ${i}` } }, 401);
      expect(await latest('user.locked', user.id)).toMatchObject({ actor_id: null, ip: IP });
      await call('POST', `/api/v1/admin/users/${user.id}/unlock`, asAdmin(), 200);
      expect(await latest('user.unlocked', user.id)).toMatchObject({ actor_id: adminId, ip: IP });
    });

    it('records email verification and email changes', async () => {
      const from = smtp.mails.length;
      const user = await newUser();
      const token = await mailedToken(user.email, SUBJECTS.verify, 'verify-email', from);
      await call('POST', '/api/v1/auth/email/verification/confirm', { json: { token } }, 200);
      expect(await latest('user.email_verified', user.id)).toMatchObject({ actor_id: user.id, ip: IP });
      await call('PATCH', '/api/v1/users/me', { token: user.accessToken, json: { email: uniqueEmail('moved'), current_password: user.password } }, 200);
      expect(await latest('user.email_changed', user.id)).toMatchObject({ actor_id: user.id, ip: IP, details: { fields: ['email'] } });
    });

    it('records suspensions (with the sessions they end) and their lifting', async () => {
      const user = await newUser();
      const until = new Date(server.clock.now() + 86_400_000).toISOString();
      await call('POST', `/api/v1/admin/users/${user.id}/suspend`, asAdmin({ reason: 'spam', until }), 200);
      expect(await latest('user.suspended', user.id)).toMatchObject({ actor_id: adminId, ip: IP, details: { reason: 'spam', until } });
      expect(await latest('session.revoked', user.id)).toMatchObject({ actor_id: adminId, ip: IP, details: { sessions: 1, reason: 'account_suspended' } });
      await call('POST', `/api/v1/admin/users/${user.id}/unsuspend`, asAdmin(), 200);
      expect(await latest('user.unsuspended', user.id)).toMatchObject({ actor_id: adminId, ip: IP });
    });

    it('records an account deleting itself', async () => {
      const user = await newUser();
      await call('DELETE', '/api/v1/users/me', { token: user.accessToken, json: { password: user.password } }, 204);
      expect(await latest('user.deleted', user.id)).toMatchObject({ actor_id: user.id, ip: IP, details: { self: true, sessions: 1 } });
    });
  });

  describe('passwords', () => {
    it('records a password change and the other sessions it ends', async () => {
      const user = await newUser();
      const other = await loginAs(server, user);
      secrets.push(other.accessToken, other.refreshToken);
      const newPassword = `${user.password} changed`;
      secrets.push(newPassword);
      await call('POST', '/api/v1/auth/password/change', { token: user.accessToken, json: { current_password: user.password, new_password: newPassword } }, 200);
      expect(await latest('user.password_changed', user.id)).toMatchObject({ actor_id: user.id, ip: IP });
      expect(await latest('session.revoked', user.id)).toMatchObject({ actor_id: user.id, ip: IP, details: { sessions: 1, reason: 'password_changed' } });
    });

    it('records a reset request and the reset, with the sessions it ends', async () => {
      const user = await newUser();
      const from = smtp.mails.length;
      await call('POST', '/api/v1/auth/password/reset/request', { json: { email: user.email } }, 200);
      const token = await mailedToken(user.email, SUBJECTS.reset, 'reset-password', from);
      expect(await latest('user.password_reset_requested', user.id)).toMatchObject({ actor_id: null, ip: IP });
      const newPassword = `${user.password} after a reset`;
      secrets.push(newPassword);
      await call('POST', '/api/v1/auth/password/reset/confirm', { json: { token, new_password: newPassword } }, 200);
      expect(await latest('user.password_reset', user.id)).toMatchObject({ actor_id: user.id, ip: IP });
      expect(await latest('session.revoked', user.id)).toMatchObject({ actor_id: user.id, ip: IP, details: { sessions: 1, reason: 'password_reset' } });
    });
  });

  describe('keys and sessions', () => {
    it('records API key creation and revocation', async () => {
      const user = await newUser();
      const created = await call('POST', '/api/v1/auth/api-keys', { token: user.accessToken, json: { name: 'ci', scopes: ['read'] } }, 201);
      secrets.push(created.body.key);
      expect(await latest('api_key.created', user.id)).toMatchObject({ actor_id: user.id, ip: IP, details: { key_id: created.body.id, name: 'ci', scopes: ['read'] } });
      await call('DELETE', `/api/v1/auth/api-keys/${created.body.id}`, { token: user.accessToken }, 204);
      expect(await latest('api_key.revoked', user.id)).toMatchObject({ actor_id: user.id, ip: IP, details: { key_id: created.body.id } });
    });

    it('records every way a session ends: logout, revoking one, revoking the others, an admin revoking all', async () => {
      const user = await newUser();
      await call('POST', '/api/v1/auth/logout', { token: user.accessToken }, 200);
      expect(await latest('session.revoked', user.id)).toMatchObject({ actor_id: user.id, ip: IP, details: { session_id: user.sessionId, reason: 'logout' } });

      const [a, b, c] = [await loginAs(server, user), await loginAs(server, user), await loginAs(server, user)];
      secrets.push(...[a, b, c].flatMap((session) => [session.accessToken, session.refreshToken]));
      await call('DELETE', `/api/v1/auth/sessions/${b.sessionId}`, { token: a.accessToken }, 204);
      expect(await latest('session.revoked', user.id)).toMatchObject({ actor_id: user.id, details: { session_id: b.sessionId, reason: 'revoked_by_user' } });
      await call('DELETE', '/api/v1/auth/sessions', { token: a.accessToken }, 204);
      expect(await latest('session.revoked', user.id)).toMatchObject({ actor_id: user.id, details: { sessions: 1, reason: 'revoked_by_user' } });
      await call('DELETE', `/api/v1/admin/users/${user.id}/sessions`, asAdmin(), 204);
      expect(await latest('session.revoked', user.id)).toMatchObject({ actor_id: adminId, ip: IP, details: { sessions: 1 } });
    });

    it('records a refresh token replayed after its rotation', async () => {
      const user = await newUser();
      await call('POST', '/api/v1/auth/refresh', { json: { refresh_token: user.refreshToken } }, 200);
      server.clock.advance(60_000);
      await call('POST', '/api/v1/auth/refresh', { json: { refresh_token: user.refreshToken } }, 401);
      expect(await latest('refresh_token.reuse_detected', user.id)).toMatchObject({
        actor_id: null,
        ip: IP,
        details: { session_id: user.sessionId, reason: 'refresh_token_reuse' },
      });
      // The new access token from the rotation would have expired by the end of the suite; keep the admin's fresh.
      admin = await loginAs(server, ADMIN);
      secrets.push(admin.accessToken, admin.refreshToken);
    });
  });

  describe('administration of users', () => {
    it('records a user created by an admin', async () => {
      const password = 'an admin-chosen passphrase';
      secrets.push(password);
      const created = await call('POST', '/api/v1/users', asAdmin({ email: uniqueEmail('made'), password, role: 'guest' }), 201);
      expect(await latest('user.created', created.body.id)).toMatchObject({ actor_id: adminId, ip: IP, details: expect.objectContaining({ role: 'guest' }) });
    });

    it('records role changes, deactivation and reactivation', async () => {
      const user = await newUser();
      await call('PATCH', `/api/v1/users/${user.id}`, asAdmin({ role: 'admin' }), 200);
      expect(await latest('user.role_changed', user.id)).toMatchObject({ actor_id: adminId, ip: IP, details: { from: 'user', to: 'admin' } });
      await call('PATCH', `/api/v1/users/${user.id}`, asAdmin({ is_active: false }), 200);
      expect(await latest('user.deactivated', user.id)).toMatchObject({ actor_id: adminId, ip: IP });
      await call('PATCH', `/api/v1/users/${user.id}`, asAdmin({ is_active: true }), 200);
      expect(await latest('user.activated', user.id)).toMatchObject({ actor_id: adminId, ip: IP });
    });

    it('records an admin setting a password and mailing a reset link', async () => {
      const user = await newUser();
      const newPassword = 'set by the administrator';
      secrets.push(newPassword);
      await call('POST', `/api/v1/admin/users/${user.id}/reset-password`, asAdmin({ new_password: newPassword }), 200);
      expect(await latest('user.password_reset', user.id)).toMatchObject({ actor_id: adminId, ip: IP, details: { by_admin: true } });
      expect(await latest('session.revoked', user.id)).toMatchObject({ actor_id: adminId, ip: IP, details: { sessions: 1, reason: 'password_reset' } });

      const from = smtp.mails.length;
      await call('POST', `/api/v1/admin/users/${user.id}/reset-password`, asAdmin({ send_email: true }), 200);
      await mailedToken(user.email, SUBJECTS.reset, 'reset-password', from);
      expect(await latest('user.password_reset_requested', user.id)).toMatchObject({ actor_id: adminId, ip: IP, details: { by_admin: true } });
    });

    it('records an admin deleting a user', async () => {
      const user = await newUser();
      await call('DELETE', `/api/v1/users/${user.id}`, asAdmin(), 204);
      expect(await latest('user.deleted', user.id)).toMatchObject({ actor_id: adminId, ip: IP, details: { sessions: 1 } });
    });
  });

  it('never shows a password, token or key anywhere in the whole log', async () => {
    expect(secrets.length).toBeGreaterThan(40);
    const response = await fetch(`${server.url}${LOG}?format=ndjson`, { headers: { authorization: `Bearer ${admin.accessToken}` } });
    expect(response.status).toBe(200);
    const dump = await response.text();
    expect(dump.split('\n').length).toBeGreaterThan(60);
    for (const secret of secrets) {
      expect(dump).not.toContain(secret);
      // Nor the secret part of a prefixed token (rt_…, tk_…).
      expect(dump).not.toContain(secret.slice(-24));
    }
  });
});
