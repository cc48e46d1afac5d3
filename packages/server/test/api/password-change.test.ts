import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../helpers/databases.js';
import type { ReceivedMail, TestSmtpServer } from '../helpers/smtp.js';
import { type HttpResponse, type MailingTestServer, startMailingServer, type TestServer } from '../helpers/test-server.js';
import { type LoggedIn, loginAs, registerUser, type TestUser } from '../helpers/users.js';
import { SUBJECTS } from '../helpers/mail-links.js';

/**
 * POST /auth/password/change per API.md "Password and email": the current password is required, the new one meets
 * the policy, the caller's own session carries on while every other one ends, a notice is mailed, and a reset link
 * mailed before the change stops working.
 */

const CHANGE = '/api/v1/auth/password/change';
const ME = '/api/v1/auth/me';
const REFRESH = '/api/v1/auth/refresh';
const CHANGED = { message: 'Password changed; your other sessions have been signed out', success: true };
const NEW_PASSWORD = 'a brand new passphrase 42';
const ENV = { RATE_LIMIT_ENABLED: 'false' };

describeEachDatabase('password change', (dialect) => {
  let mailing: MailingTestServer | undefined;
  let server: TestServer;
  let smtp: TestSmtpServer;
  beforeAll(async () => {
    mailing = await startMailingServer({ dialect, env: ENV });
    ({ server, smtp } = mailing);
  });
  afterAll(() => mailing?.close());

  const isNotice = (email: string) => (mail: ReceivedMail) => mail.to.includes(email) && mail.subject === SUBJECTS.changed;

  function change(token: string, body: unknown): Promise<HttpResponse> {
    return server.request('POST', CHANGE, { token, json: body });
  }

  function login(email: string, password: string): Promise<HttpResponse> {
    return server.request('POST', '/api/v1/auth/login', { json: { username: email, password } });
  }

  async function expectPassword(user: TestUser, works: string, fails: string[]): Promise<void> {
    const good = await login(user.email, works);
    expect(good.status, good.text).toBe(200);
    for (const password of fails) {
      const bad = await login(user.email, password);
      expect(bad.status, bad.text).toBe(401);
      expect(bad.body.code).toBe('invalid_credentials');
    }
  }

  async function expectSessionWorks(session: LoggedIn, user: TestUser): Promise<void> {
    const me = await server.request('GET', ME, { token: session.accessToken });
    expect(me.status, me.text).toBe(200);
    expect(me.body.id).toBe(user.id);
  }

  function expectPolicyFailure(response: HttpResponse, rule: RegExp): void {
    expect(response.status, response.text).toBe(422);
    expect(response.body.code).toBe('validation_failed');
    expect(response.body.errors).toEqual([{ path: '/new_password', message: expect.stringMatching(rule) }]);
  }

  it('sets the new password (the old one stops working) and mails a notice', async () => {
    const user = await registerUser(server);
    const session = await loginAs(server, user);

    const changed = await change(session.accessToken, { current_password: user.password, new_password: NEW_PASSWORD });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body).toEqual(CHANGED);
    await expectPassword(user, NEW_PASSWORD, [user.password]);

    const notice = await smtp.waitFor(isNotice(user.email));
    expect(notice.text).toContain('The password of your Gatehouse account was changed.');
    expect(notice.text).toContain('127.0.0.1');
    expect(notice.text).not.toContain(NEW_PASSWORD);
  });

  it("keeps the caller's session and ends every other session of the user", async () => {
    const user = await registerUser(server);
    const caller = await loginAs(server, user, 'laptop');
    const others = [await loginAs(server, user, 'phone'), await loginAs(server, user, 'tablet')];
    const stranger = await registerUser(server);
    const strangerSession = await loginAs(server, stranger);

    expect((await change(caller.accessToken, { current_password: user.password, new_password: NEW_PASSWORD })).status).toBe(200);

    await expectSessionWorks(caller, user);
    const refreshed = await server.request('POST', REFRESH, { json: { refresh_token: caller.refreshToken } });
    expect(refreshed.status, refreshed.text).toBe(200);
    expect(refreshed.body.session_id).toBe(caller.sessionId);
    for (const other of others) {
      const me = await server.request('GET', ME, { token: other.accessToken });
      expect(me.status, me.text).toBe(401);
      expect(me.body.code).toBe('session_revoked');
      expect(me.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
      const refresh = await server.request('POST', REFRESH, { json: { refresh_token: other.refreshToken } });
      expect(refresh.status, refresh.text).toBe(401);
      expect(refresh.body).not.toHaveProperty('access_token');
    }
    // Someone else's sessions are none of this change's business.
    await expectSessionWorks(strangerSession, stranger);
  });

  it('answers a wrong current password with 400 invalid_password and changes nothing', async () => {
    const user = await registerUser(server);
    const caller = await loginAs(server, user);
    const other = await loginAs(server, user);

    for (const wrong of ['not my password', user.password.toUpperCase(), '']) {
      const response = await change(caller.accessToken, { current_password: wrong, new_password: NEW_PASSWORD });
      expect(response.status, response.text).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.body).toMatchObject({ status: 400, code: 'invalid_password' });
    }
    await expectSessionWorks(other, user);
    await expectPassword(user, user.password, [NEW_PASSWORD]);

    // The change that does happen is the only one a notice is mailed for.
    expect((await change(caller.accessToken, { current_password: user.password, new_password: NEW_PASSWORD })).status).toBe(200);
    await smtp.waitFor(isNotice(user.email));
    expect(smtp.mails.filter(isNotice(user.email))).toHaveLength(1);
  });

  it('refuses a new password that breaks the policy with 422 naming /new_password, and changes nothing', async () => {
    const user = await registerUser(server);
    const caller = await loginAs(server, user);
    const other = await loginAs(server, user);
    const attempt = (newPassword: string) => change(caller.accessToken, { current_password: user.password, new_password: newPassword });

    expectPolicyFailure(await attempt('short1'), /at least 8 characters/);
    expectPolicyFailure(await attempt('password123'), /too common/);
    expectPolicyFailure(await attempt('PASSWORD123'), /too common/);
    expectPolicyFailure(await attempt(user.email), /email or username/);
    expectPolicyFailure(await attempt(user.email.toUpperCase()), /email or username/);
    expectPolicyFailure(await attempt(user.username), /email or username/);
    expectPolicyFailure(await attempt('y'.repeat(129)), /at most 128 characters/);

    await expectSessionWorks(other, user);
    await expectPassword(user, user.password, []);
  });

  it('an outstanding reset link stops working once the password is changed', async () => {
    const user = await registerUser(server);
    const caller = await loginAs(server, user);
    const from = smtp.mails.length;
    expect((await server.request('POST', '/api/v1/auth/password/reset/request', { json: { email: user.email } })).status).toBe(200);
    const mail = await smtp.waitFor(
      (candidate) => smtp.mails.indexOf(candidate) >= from && candidate.to.includes(user.email) && candidate.subject === 'Reset your Gatehouse password',
    );
    const match = /reset-password#token=([^\s"<>]+)/.exec(mail.text);
    const resetToken = decodeURIComponent(match?.[1] ?? '');
    expect(resetToken).toMatch(/^pr_/);

    expect((await change(caller.accessToken, { current_password: user.password, new_password: NEW_PASSWORD })).status).toBe(200);

    const confirm = await server.request('POST', '/api/v1/auth/password/reset/confirm', {
      json: { token: resetToken, new_password: 'an attacker chose this one' },
    });
    expect(confirm.status, confirm.text).toBe(400);
    expect(confirm.body.code).toBe('invalid_token');
    await expectPassword(user, NEW_PASSWORD, ['an attacker chose this one', user.password]);
  });

  it('answers anonymous callers and bad tokens with 401 and WWW-Authenticate', async () => {
    const body = { current_password: 'whatever it was', new_password: NEW_PASSWORD };
    const anonymous = await server.request('POST', CHANGE, { json: body });
    expect(anonymous.status, anonymous.text).toBe(401);
    expect(anonymous.body.code).toBe('not_authenticated');
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');

    const user = await registerUser(server);
    const session = await loginAs(server, user);
    for (const token of ['not-a-jwt', session.refreshToken]) {
      const response = await change(token, { current_password: user.password, new_password: NEW_PASSWORD });
      expect(response.status, response.text).toBe(401);
      expect(response.body.code).toBe('invalid_token');
      expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    }
    await expectPassword(user, user.password, [NEW_PASSWORD]);
  });

  it('rejects unknown or missing fields and wrong types with 422, malformed JSON with 400, and changes nothing', async () => {
    const user = await registerUser(server);
    const { accessToken } = await loginAs(server, user);
    for (const body of [
      { current_password: user.password, new_password: NEW_PASSWORD, role: 'admin' },
      { current_password: user.password, new_password: NEW_PASSWORD, email: 'someone@example.com' },
      { current_password: user.password, new_password: NEW_PASSWORD, password: NEW_PASSWORD },
      { current_password: user.password },
      { new_password: NEW_PASSWORD },
      { current_password: user.password, new_password: 12345678 },
      { current_password: null, new_password: NEW_PASSWORD },
      { current_password: user.password, new_password: 'z'.repeat(10_000) },
      {},
    ]) {
      const response = await change(accessToken, body);
      expect(response.status, `${JSON.stringify(body).slice(0, 60)}: ${response.text}`).toBe(422);
      expect(response.body.code).toBe('validation_failed');
    }
    const malformed = await server.request('POST', CHANGE, { token: accessToken, raw: '{"current_password":', headers: { 'content-type': 'application/json' } });
    expect(malformed.status, malformed.text).toBe(400);
    expect(malformed.body.code).toBe('bad_request');
    await expectPassword(user, user.password, [NEW_PASSWORD]);
  });
});
