import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../helpers/databases.js';
import type { ReceivedMail, TestSmtpServer } from '../helpers/smtp.js';
import { type HttpResponse, type MailingTestServer, startMailingServer, startTestServer, type TestServer } from '../helpers/test-server.js';
import { loginAs, registerUser, type TestUser, uniqueEmail } from '../helpers/users.js';
import { linkToken, SUBJECTS } from '../helpers/mail-links.js';
import { expectBadToken } from '../helpers/problems.js';

/**
 * POST /auth/email/verification/{request,confirm} per API.md "Password and email", the links mailed at sign-up and on
 * an email change, delivery retries, the DEV ONLY token, and the "new sign-in" notice.
 */

const REQUEST = '/api/v1/auth/email/verification/request';
const CONFIRM = '/api/v1/auth/email/verification/confirm';
const ME = '/api/v1/auth/me';
const ENV = { RATE_LIMIT_ENABLED: 'false' };
const SECOND = 1000;
const HOUR = 3600 * SECOND;

describeEachDatabase('email verification', (dialect) => {
  describe('with an SMTP server', () => {
    let mailing: MailingTestServer | undefined;
    let server: TestServer;
    let smtp: TestSmtpServer;
    beforeAll(async () => {
      mailing = await startMailingServer({ dialect, env: ENV });
      ({ server, smtp } = mailing);
    });
    afterAll(() => mailing?.close());

    const mailsTo = (email: string, subject: string) => smtp.mails.filter((mail) => mail.to.includes(email) && mail.subject === subject);

    /** Runs the action and returns the first mail of that subject to that address that arrived after it began. */
    async function mailAfter(email: string, subject: string, action: () => Promise<unknown>): Promise<ReceivedMail> {
      const from = smtp.mails.length;
      await action();
      return smtp.waitFor((mail) => smtp.mails.indexOf(mail) >= from && mail.to.includes(email) && mail.subject === subject);
    }

    /** Registers a user and returns it with the token of its sign-up verification mail. */
    async function signUp(): Promise<{ user: TestUser; token: string }> {
      let user: TestUser | undefined;
      const email = uniqueEmail('verify');
      const mail = await mailAfter(email, SUBJECTS.verify, async () => {
        user = await registerUser(server, { email });
      });
      return { user: user as TestUser, token: linkToken(mail, 'verify-email') };
    }

    function confirm(token: unknown): Promise<HttpResponse> {
      return server.request('POST', CONFIRM, { json: { token } });
    }

    async function isVerified(accessToken: string): Promise<boolean> {
      const me = await server.request('GET', ME, { token: accessToken });
      expect(me.status, me.text).toBe(200);
      return me.body.is_verified;
    }

    it('mails a link at sign-up whose token verifies the address', async () => {
      const { user, token } = await signUp();
      expect(token).toMatch(/^ev_[\w-]{43}$/);
      const [mail] = mailsTo(user.email, SUBJECTS.verify);
      expect(mail?.from).toBe('Gatehouse <noreply@gatehouse.test>');
      expect(mail?.text).toContain('expires in 24 hours');
      const { accessToken } = await loginAs(server, user);
      expect(await isVerified(accessToken)).toBe(false);

      const confirmed = await confirm(token);
      expect(confirmed.status, confirmed.text).toBe(200);
      expect(confirmed.body).toEqual({ message: 'Email verified', success: true });
      expect(await isVerified(accessToken)).toBe(true);
    });

    it('is single use', async () => {
      const { token } = await signUp();
      expect((await confirm(token)).status).toBe(200);
      expectBadToken(await confirm(token));
    });

    it('expires 24 hours after it was issued', async () => {
      const early = await signUp();
      const late = await signUp();
      server.clock.advance(24 * HOUR - SECOND);
      expect((await confirm(early.token)).status).toBe(200);
      server.clock.advance(2 * SECOND);
      expectBadToken(await confirm(late.token));
      const { accessToken } = await loginAs(server, late.user);
      expect(await isVerified(accessToken)).toBe(false);
    });

    it('a request mails a new link and voids the previous one; once verified it answers "Email already verified"', async () => {
      const { user, token: first } = await signUp();
      const { accessToken } = await loginAs(server, user);
      server.clock.advance(SECOND);
      let answer: HttpResponse | undefined;
      const mail = await mailAfter(user.email, SUBJECTS.verify, async () => {
        answer = await server.request('POST', REQUEST, { token: accessToken });
      });
      expect(answer?.status, answer?.text).toBe(200);
      expect(answer?.body).toEqual({ message: 'Verification email sent', success: true });
      const second = linkToken(mail, 'verify-email');
      expect(second).not.toBe(first);

      expectBadToken(await confirm(first));
      expect(await isVerified(accessToken)).toBe(false);
      expect((await confirm(second)).status).toBe(200);
      expect(await isVerified(accessToken)).toBe(true);

      const again = await server.request('POST', REQUEST, { token: accessToken });
      expect(again.status, again.text).toBe(200);
      expect(again.body).toEqual({ message: 'Email already verified', success: true });
      // A later mail to the same address arrives; no third verification mail came before it.
      await mailAfter(user.email, SUBJECTS.reset, () => server.request('POST', '/api/v1/auth/password/reset/request', { json: { email: user.email } }));
      expect(mailsTo(user.email, SUBJECTS.verify)).toHaveLength(2);
    });

    it('answers an anonymous request with 401', async () => {
      const response = await server.request('POST', REQUEST);
      expect(response.status, response.text).toBe(401);
      expect(response.body.code).toBe('not_authenticated');
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
    });

    it('changing the email clears is_verified and mails a link to the new address only that verifies it', async () => {
      const { user, token } = await signUp();
      const { accessToken } = await loginAs(server, user);
      expect((await confirm(token)).status).toBe(200);
      expect(await isVerified(accessToken)).toBe(true);

      const newEmail = uniqueEmail('moved');
      let patched: HttpResponse | undefined;
      const mail = await mailAfter(newEmail, SUBJECTS.verify, async () => {
        patched = await server.request('PATCH', '/api/v1/users/me', { token: accessToken, json: { email: newEmail, current_password: user.password } });
      });
      expect(patched?.status, patched?.text).toBe(200);
      expect(patched?.body).toMatchObject({ email: newEmail, is_verified: false });
      expect(await isVerified(accessToken)).toBe(false);
      expect(mailsTo(user.email, SUBJECTS.verify)).toHaveLength(1);

      expect((await confirm(linkToken(mail, 'verify-email'))).status).toBe(200);
      const me = await server.request('GET', ME, { token: accessToken });
      expect(me.body).toMatchObject({ email: newEmail, is_verified: true });
    });

    it('after an email change, links mailed to the old address no longer work', async () => {
      const { user, token: oldVerification } = await signUp();
      const oldReset = linkToken(
        await mailAfter(user.email, SUBJECTS.reset, () => server.request('POST', '/api/v1/auth/password/reset/request', { json: { email: user.email } })),
        'reset-password',
      );
      const { accessToken } = await loginAs(server, user);
      const newEmail = uniqueEmail('moved');
      const mail = await mailAfter(newEmail, SUBJECTS.verify, () =>
        server.request('PATCH', '/api/v1/users/me', { token: accessToken, json: { email: newEmail, current_password: user.password } }),
      );

      expectBadToken(await confirm(oldVerification));
      expect(await isVerified(accessToken)).toBe(false);
      expectBadToken(await server.request('POST', '/api/v1/auth/password/reset/confirm', { json: { token: oldReset, new_password: 'taken over by the old mailbox' } }));
      expect((await confirm(linkToken(mail, 'verify-email'))).status).toBe(200);
      expect(await isVerified(accessToken)).toBe(true);
    });

    it('a verification token is refused at the reset endpoint and a reset token at the verification endpoint, neither spent', async () => {
      const { user, token: verification } = await signUp();
      const reset = linkToken(
        await mailAfter(user.email, SUBJECTS.reset, () => server.request('POST', '/api/v1/auth/password/reset/request', { json: { email: user.email } })),
        'reset-password',
      );
      const session = await loginAs(server, user);

      expectBadToken(await server.request('POST', '/api/v1/auth/password/reset/confirm', { json: { token: verification, new_password: 'not via this link' } }));
      // The same secret with the other kind's prefix is still not a token of that kind.
      expectBadToken(
        await server.request('POST', '/api/v1/auth/password/reset/confirm', { json: { token: `pr_${verification.slice(3)}`, new_password: 'not via this link' } }),
      );
      expectBadToken(await confirm(reset));
      expectBadToken(await confirm(`ev_${reset.slice(3)}`));
      expectBadToken(await confirm(session.refreshToken));
      expectBadToken(await confirm(session.accessToken));

      expect(await isVerified(session.accessToken)).toBe(false);
      expect((await confirm(verification)).status).toBe(200);
      const confirmed = await server.request('POST', '/api/v1/auth/password/reset/confirm', { json: { token: reset, new_password: 'set via the right link' } });
      expect(confirmed.status, confirmed.text).toBe(200);
    });

    it('refuses malformed tokens and bodies with 400 or 422, never 500', async () => {
      for (const token of ['garbage', 'ev_', `ev_${randomBytes(32).toString('base64url')}`]) expectBadToken(await confirm(token));
      const empty = await confirm('');
      expect([400, 422], empty.text).toContain(empty.status);
      for (const token of ['x'.repeat(10_000), 42, null, [], {}]) {
        const response = await confirm(token);
        expect(response.status, `${JSON.stringify(token).slice(0, 40)}: ${response.text}`).toBe(422);
      }
      const { token } = await signUp();
      const extra = await server.request('POST', CONFIRM, { json: { token, email: 'someone@example.com' } });
      expect(extra.status, extra.text).toBe(422);
      expect(extra.body.code).toBe('validation_failed');
      expect((await server.request('POST', CONFIRM, { json: {} })).status).toBe(422);
      const malformed = await server.request('POST', CONFIRM, { raw: '{"token":', headers: { 'content-type': 'application/json' } });
      expect(malformed.status).toBe(400);
      expect(malformed.body.code).toBe('bad_request');
      // None of that spent the real token.
      expect((await confirm(token)).status).toBe(200);
    });

    it('regression: concurrent requests leave exactly one live link', async () => {
      // Each request deleted the links committed before it and inserted its own, so on PostgreSQL requests racing
      // each other all left theirs live.
      const { user, token: signUpToken } = await signUp();
      const { accessToken } = await loginAs(server, user);
      const from = smtp.mails.length;
      const received = () => smtp.mails.slice(from).filter((mail) => mail.to.includes(user.email) && mail.subject === SUBJECTS.verify);
      const responses = await Promise.all(Array.from({ length: 6 }, () => server.request('POST', REQUEST, { token: accessToken })));
      for (const response of responses) expect(response.body).toEqual({ message: 'Verification email sent', success: true });
      await smtp.waitFor(() => received().length === 6);

      const statuses: number[] = [];
      for (const token of [signUpToken, ...received().map((mail) => linkToken(mail, 'verify-email'))]) statuses.push((await confirm(token)).status);
      expect(statuses.sort()).toEqual([200, 400, 400, 400, 400, 400, 400]);
      expect(await isVerified(accessToken)).toBe(true);
    });

    it('retries a mail whose delivery failed; the request was answered at once', async () => {
      const { user } = await signUp();
      const { accessToken } = await loginAs(server, user);
      const from = smtp.mails.length;
      smtp.failNext(1);
      const response = await server.request('POST', REQUEST, { token: accessToken });
      expect(response.status, response.text).toBe(200);
      expect(response.body).toEqual({ message: 'Verification email sent', success: true });
      // The first attempt is refused and the next waits a while: the answer did not wait for either.
      expect(smtp.mails.slice(from).filter((mail) => mail.to.includes(user.email))).toEqual([]);

      const mail = await smtp.waitFor((candidate) => smtp.mails.indexOf(candidate) >= from && candidate.to.includes(user.email), 10_000);
      expect(mail.subject).toBe(SUBJECTS.verify);
      expect((await confirm(linkToken(mail, 'verify-email'))).status).toBe(200);
      expect(await isVerified(accessToken)).toBe(true);
    });

    it('mails a "new sign-in" notice for a login from a new browser, not for the first login nor a familiar one', async () => {
      const { user } = await signUp();
      const loginWith = async (userAgent: string) => {
        const response = await server.request('POST', '/api/v1/auth/login', {
          json: { username: user.email, password: user.password },
          headers: { 'user-agent': userAgent },
        });
        expect(response.status, response.text).toBe(200);
      };
      const firefox = 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0';
      const safari = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 Version/18.5 Mobile Safari/604.1';
      const curl = 'curl/8.14.1';

      await loginWith(firefox);
      const first = await mailAfter(user.email, SUBJECTS.signIn, () => loginWith(safari));
      expect(first.text).toContain(safari);
      expect(first.text).toContain('127.0.0.1');

      await loginWith(safari);
      await loginWith(firefox);
      const second = await mailAfter(user.email, SUBJECTS.signIn, () => loginWith(curl));
      expect(second.text).toContain(curl);
      // Only the two unfamiliar logins were announced: not the first one, nor the repeats that came between.
      expect(mailsTo(user.email, SUBJECTS.signIn)).toEqual([first, second]);
    });
  });

  describe('in development without SMTP', () => {
    let server: TestServer;

    beforeAll(async () => {
      server = await startTestServer({ dialect, env: { ...ENV, ENVIRONMENT: 'development' } });
    });
    afterAll(() => server?.close());

    it('answers with the DEV ONLY token, which verifies', async () => {
      const user = await registerUser(server);
      const { accessToken } = await loginAs(server, user);
      const response = await server.request('POST', REQUEST, { token: accessToken });
      expect(response.status, response.text).toBe(200);
      const devToken = response.body.dev_token as string;
      expect(devToken).toMatch(/^ev_[\w-]{43}$/);
      expect(response.body).toEqual({ message: `Verification token (DEV ONLY): ${devToken}`, success: true, dev_token: devToken });

      expect((await server.request('POST', CONFIRM, { json: { token: devToken } })).status).toBe(200);
      const again = await server.request('POST', REQUEST, { token: accessToken });
      expect(again.body).toEqual({ message: 'Email already verified', success: true });
    });
  });

  for (const environment of ['production', 'test'] as const) {
    describe(`with ENVIRONMENT=${environment} and no SMTP`, () => {
      let server: TestServer;

      beforeAll(async () => {
        server = await startTestServer({ dialect, env: { ...ENV, ENVIRONMENT: environment } });
      });
      afterAll(() => server?.close());

      it('never returns a token', async () => {
        const user = await registerUser(server);
        const { accessToken } = await loginAs(server, user);
        const response = await server.request('POST', REQUEST, { token: accessToken });
        expect(response.status, response.text).toBe(200);
        expect(response.body).toEqual({ message: 'Verification email sent', success: true });
      });
    });
  }
});
