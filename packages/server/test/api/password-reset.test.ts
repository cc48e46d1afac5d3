import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../helpers/databases.js';
import { type ReceivedMail, startSmtpServer, type TestSmtpServer } from '../helpers/smtp.js';
import { type HttpResponse, type MailingTestServer, startMailingServer, startTestServer, type TestServer } from '../helpers/test-server.js';
import { loginAs, registerUser, type TestUser, uniqueEmail } from '../helpers/users.js';
import { linkToken, SUBJECTS } from '../helpers/mail-links.js';
import { expectBadToken } from '../helpers/problems.js';

/**
 * POST /auth/password/reset/{request,confirm} per API.md "Password and email": the same answer for every email (in
 * body, headers and time), a mailed single-use link that expires, sets the password and ends every session, and the
 * DEV ONLY token only in development without SMTP.
 */

const REQUEST = '/api/v1/auth/password/reset/request';
const CONFIRM = '/api/v1/auth/password/reset/confirm';
const LOGIN = '/api/v1/auth/login';
const GENERIC = { message: 'If the email exists, a password reset link has been sent', success: true };
const RESET_DONE = { message: 'Password has been reset; log in with the new password', success: true };
const NEW_PASSWORD = 'a brand new passphrase 42';
// No rate-limit window ever moves under the frozen clock; these suites are about the tokens, not the limits.
const ENV = { RATE_LIMIT_ENABLED: 'false' };
const SECOND = 1000;
const HOUR = 3600 * SECOND;

function expectPolicyFailure(response: HttpResponse, rule: RegExp): void {
  expect(response.status, response.text).toBe(422);
  expect(response.body.code).toBe('validation_failed');
  expect(response.body.errors).toEqual([{ path: '/new_password', message: expect.stringMatching(rule) }]);
}

/** Every header but Date, which only says when it was sent. */
function headersOf(response: HttpResponse): [string, string][] {
  return [...response.headers].filter(([name]) => name !== 'date');
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

describeEachDatabase('password reset', (dialect) => {
  describe('with an SMTP server', () => {
    let mailing: MailingTestServer | undefined;
    let server: TestServer;
    let smtp: TestSmtpServer;
    beforeAll(async () => {
      mailing = await startMailingServer({ dialect, env: ENV });
      ({ server, smtp } = mailing);
    });
    afterAll(() => mailing?.close());

    const isResetMail = (email: string) => (mail: ReceivedMail) => mail.to.includes(email) && mail.subject === SUBJECTS.reset;

    function requestReset(email: unknown): Promise<HttpResponse> {
      return server.request('POST', REQUEST, { json: { email } });
    }

    /** Asks for a reset and returns the token of the mail that this request caused. */
    async function mailedResetToken(email: string): Promise<string> {
      const from = smtp.mails.length;
      const response = await requestReset(email);
      expect(response.status, response.text).toBe(200);
      expect(response.body).toEqual(GENERIC);
      const isReset = isResetMail(email);
      const mail = await smtp.waitFor((candidate) => smtp.mails.indexOf(candidate) >= from && isReset(candidate));
      return linkToken(mail, 'reset-password');
    }

    function confirm(token: unknown, newPassword: unknown = NEW_PASSWORD): Promise<HttpResponse> {
      return server.request('POST', CONFIRM, { json: { token, new_password: newPassword } });
    }

    function login(email: string, password: string): Promise<HttpResponse> {
      return server.request('POST', LOGIN, { json: { username: email, password } });
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

    it('answers a known and an unknown email with the same status, headers and body, and mails only the known one', async () => {
      const user = await registerUser(server);
      const unknown = uniqueEmail('nobody');
      const forUnknown = await requestReset(unknown);
      const forKnown = await requestReset(user.email);
      const forKnownShouted = await requestReset(`  ${user.email.toUpperCase()} `);

      for (const response of [forUnknown, forKnown, forKnownShouted]) {
        expect(response.status).toBe(200);
        expect(response.text).toBe(JSON.stringify(GENERIC));
        expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
        expect(response.headers.get('cache-control')).toBe('no-store');
        expect(response.headers.get('set-cookie')).toBeNull();
        expect(response.body).not.toHaveProperty('dev_token');
      }
      expect(headersOf(forKnown)).toEqual(headersOf(forUnknown));
      expect(headersOf(forKnownShouted)).toEqual(headersOf(forUnknown));

      // Two requests for the known address (however it was written), so two links; none for the unknown one.
      const mail = await smtp.waitFor(isResetMail(user.email));
      await smtp.waitFor((candidate) => isResetMail(user.email)(candidate) && candidate !== mail);
      expect(mail.from).toMatch(/^Gatehouse <noreply@gatehouse\.test>$/);
      expect(mail.text).toContain('expires in 1 hour');
      expect(linkToken(mail, 'reset-password')).toMatch(/^pr_[\w-]{43}$/);
      expect(smtp.mails.filter((candidate) => candidate.to.includes(unknown))).toEqual([]);
    });

    it('the mailed token sets the new password, ends every session of the user and is followed by a notice', async () => {
      const user = await registerUser(server);
      const first = await loginAs(server, user, 'laptop');
      const second = await loginAs(server, user, 'phone');
      const token = await mailedResetToken(user.email);

      const confirmed = await confirm(token);
      expect(confirmed.status, confirmed.text).toBe(200);
      expect(confirmed.body).toEqual(RESET_DONE);

      for (const session of [first, second]) {
        const me = await server.request('GET', '/api/v1/auth/me', { token: session.accessToken });
        expect(me.status, me.text).toBe(401);
        expect(me.body.code).toBe('session_revoked');
        const refreshed = await server.request('POST', '/api/v1/auth/refresh', { json: { refresh_token: session.refreshToken } });
        expect(refreshed.status, refreshed.text).toBe(401);
        expect(refreshed.body).not.toHaveProperty('access_token');
      }
      await expectPassword(user, NEW_PASSWORD, [user.password]);

      const notice = await smtp.waitFor((mail) => mail.to.includes(user.email) && mail.subject === SUBJECTS.changed);
      expect(notice.text).toContain('password of your Gatehouse account was changed');
      expect(notice.text).not.toContain(token);
    });

    it('is single use: a second confirmation of the same token is refused and changes nothing', async () => {
      const user = await registerUser(server);
      const token = await mailedResetToken(user.email);
      expect((await confirm(token)).status).toBe(200);
      expectBadToken(await confirm(token, 'yet another passphrase 7'));
      await expectPassword(user, NEW_PASSWORD, ['yet another passphrase 7']);
    });

    it('expires PASSWORD_RESET_TOKEN_EXPIRE_HOURS (1) after it was issued', async () => {
      const early = await registerUser(server);
      const late = await registerUser(server);
      const earlyToken = await mailedResetToken(early.email);
      const lateToken = await mailedResetToken(late.email);

      server.clock.advance(HOUR - SECOND);
      expect((await confirm(earlyToken)).status).toBe(200);
      server.clock.advance(2 * SECOND);
      expectBadToken(await confirm(lateToken));
      await expectPassword(late, late.password, [NEW_PASSWORD]);
    });

    it('a newer request voids the link of an older one', async () => {
      const user = await registerUser(server);
      const older = await mailedResetToken(user.email);
      server.clock.advance(SECOND);
      const newer = await mailedResetToken(user.email);
      expect(newer).not.toBe(older);
      expectBadToken(await confirm(older));
      expect((await confirm(newer)).status).toBe(200);
      await expectPassword(user, NEW_PASSWORD, [user.password]);
    });

    it('regression: concurrent requests for one email leave exactly one live link', async () => {
      // Each request deleted the links committed before it and inserted its own, so on PostgreSQL requests racing
      // each other all left theirs live. A confirmation with a too-short password probes a link without spending it:
      // 422 means the link is live (the policy is checked after the token is found), 400 that it is not.
      const user = await registerUser(server);
      const from = smtp.mails.length;
      const isReset = isResetMail(user.email);
      const received = () => smtp.mails.slice(from).filter(isReset);
      const responses = await Promise.all(Array.from({ length: 6 }, () => requestReset(user.email)));
      for (const response of responses) expect(response.body).toEqual(GENERIC);
      await smtp.waitFor((mail) => isReset(mail) && received().length === 6);

      const tokens = received().map((mail) => linkToken(mail, 'reset-password'));
      const probes = await Promise.all(tokens.map((token) => confirm(token, 'short')));
      expect(probes.map((probe) => probe.status).sort()).toEqual([400, 400, 400, 400, 400, 422]);
      const live = tokens[probes.findIndex((probe) => probe.status === 422)];
      expect((await confirm(live)).status).toBe(200);
    });

    it('refuses a weak new password with 422 naming the rule, without spending the token', async () => {
      const user = await registerUser(server);
      const token = await mailedResetToken(user.email);
      expectPolicyFailure(await confirm(token, 'short'), /at least 8 characters/);
      expectPolicyFailure(await confirm(token, 'password123'), /too common/);
      expectPolicyFailure(await confirm(token, user.email.toUpperCase()), /email or username/);
      expectPolicyFailure(await confirm(token, 'x'.repeat(129)), /at most 128 characters/);
      await expectPassword(user, user.password, []);

      const confirmed = await confirm(token);
      expect(confirmed.status, confirmed.text).toBe(200);
      await expectPassword(user, NEW_PASSWORD, [user.password]);
    });

    it('of concurrent confirmations of one token exactly one wins, and its password is the one set', async () => {
      for (let round = 0; round < 3; round++) {
        const user = await registerUser(server);
        const token = await mailedResetToken(user.email);
        const passwords = Array.from({ length: 4 }, (_, index) => `concurrent passphrase ${round}-${index}`);
        const responses = await Promise.all(passwords.map((password) => confirm(token, password)));

        const winners = passwords.filter((_, index) => responses[index]?.status === 200);
        expect(winners, responses.map((response) => response.text).join('\n')).toHaveLength(1);
        for (const response of responses.filter((candidate) => candidate.status !== 200)) expectBadToken(response);
        const winner = winners[0] as string;
        await expectPassword(user, winner, [user.password, ...passwords.filter((password) => password !== winner)]);
      }
    });

    it('refuses tokens of another kind or shape with 400 or 422, never 500, and leaves the real one working', async () => {
      const user = await registerUser(server);
      const verification = linkToken(
        await smtp.waitFor((mail) => mail.to.includes(user.email) && mail.subject.startsWith('Confirm your email')),
        'verify-email',
      );
      const session = await loginAs(server, user);
      const real = await mailedResetToken(user.email);

      for (const token of [
        verification,
        session.refreshToken,
        session.accessToken,
        'garbage',
        'pr_',
        `pr_${randomBytes(32).toString('base64url')}`,
        real.slice(0, -1),
        `${real}A`,
        real.toUpperCase(),
        encodeURIComponent(`${real}=`),
      ]) {
        expectBadToken(await confirm(token));
      }
      const empty = await confirm('');
      expect([400, 422], empty.text).toContain(empty.status);
      for (const [token, newPassword] of [
        ['x'.repeat(10_000), NEW_PASSWORD],
        [`pr_${'A'.repeat(10_000)}`, NEW_PASSWORD],
        [123, NEW_PASSWORD],
        [null, NEW_PASSWORD],
        [true, NEW_PASSWORD],
        [[real], NEW_PASSWORD],
        [{ token: real }, NEW_PASSWORD],
        [real, 12345678],
        [real, null],
        [real, [NEW_PASSWORD]],
      ] as const) {
        const response = await confirm(token, newPassword);
        expect(response.status, `${JSON.stringify(token).slice(0, 40)}: ${response.text}`).toBe(422);
        expect(response.body.code).toBe('validation_failed');
      }
      for (const body of [{}, { token: real }, { new_password: NEW_PASSWORD }]) {
        expect((await server.request('POST', CONFIRM, { json: body })).status).toBe(422);
      }
      for (const body of [null, [], 'text', 42]) {
        const response = await server.request('POST', CONFIRM, { json: body });
        expect([400, 422], response.text).toContain(response.status);
      }

      expect((await confirm(real)).status).toBe(200);
      await expectPassword(user, NEW_PASSWORD, [user.password]);
    });

    it('rejects unknown body fields with 422 (and a refused confirmation does not spend the token)', async () => {
      const user = await registerUser(server);
      const token = await mailedResetToken(user.email);

      const extraOnRequest = await server.request('POST', REQUEST, { json: { email: user.email, role: 'admin' } });
      expect(extraOnRequest.status, extraOnRequest.text).toBe(422);
      expect(extraOnRequest.body.code).toBe('validation_failed');
      for (const body of [{}, { email: 42 }, { email: null }, { email: 'x'.repeat(400) }]) {
        expect((await server.request('POST', REQUEST, { json: body })).status, JSON.stringify(body).slice(0, 40)).toBe(422);
      }

      const extraOnConfirm = await server.request('POST', CONFIRM, { json: { token, new_password: NEW_PASSWORD, email: 'evil@example.com' } });
      expect(extraOnConfirm.status, extraOnConfirm.text).toBe(422);
      expect(extraOnConfirm.body.code).toBe('validation_failed');
      await expectPassword(user, user.password, []);
      expect((await confirm(token)).status).toBe(200);
    });

    it('answers malformed JSON with 400 bad_request on both endpoints', async () => {
      for (const path of [REQUEST, CONFIRM]) {
        for (const raw of ['{"email":', '{token: "x"}', '']) {
          const response = await server.request('POST', path, { raw, headers: { 'content-type': 'application/json' } });
          expect(response.status, `${path} ${raw}: ${response.text}`).toBe(400);
          expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
          expect(response.body.code).toBe('bad_request');
        }
      }
    });

    it('takes about as long for a known email as for an unknown one, and mails nothing for the unknown one', async () => {
      const user = await registerUser(server);
      const unknown = uniqueEmail('nobody');
      const timed = async (email: string): Promise<number> => {
        const started = performance.now();
        const response = await requestReset(email);
        const elapsed = performance.now() - started;
        expect(response.status).toBe(200);
        expect(response.body).toEqual(GENERIC);
        return elapsed;
      };
      // Warm both paths up (JIT, connection pool) before measuring.
      for (let index = 0; index < 3; index++) {
        await timed(user.email);
        await timed(unknown);
      }

      const known: number[] = [];
      const absent: number[] = [];
      for (let index = 0; index < 40; index++) {
        // Alternate which goes first, so neither always follows the other's background work.
        if (index % 2) {
          known.push(await timed(user.email));
          absent.push(await timed(unknown));
        } else {
          absent.push(await timed(unknown));
          known.push(await timed(user.email));
        }
      }
      // Client and server share one event loop here, so on SQLite (synchronous) the work done after the answer still
      // shows as about a millisecond on the known side; doing it before the answer adds its database round trips
      // (several milliseconds on PostgreSQL), or a hash or an SMTP exchange, which this bound catches.
      const knownMedian = median(known);
      const absentMedian = median(absent);
      expect(knownMedian, `known median ${knownMedian.toFixed(2)} ms, unknown median ${absentMedian.toFixed(2)} ms`).toBeLessThan(
        1.5 * absentMedian + 2,
      );

      // A later mail to someone else arrives after all of those were handled; still nothing for the unknown email.
      const witness = await registerUser(server);
      await mailedResetToken(witness.email);
      expect(smtp.mails.filter((mail) => mail.to.includes(unknown))).toEqual([]);
      expect(smtp.mails.filter(isResetMail(user.email)).length).toBeGreaterThan(0);
    });
  });

  describe('with PASSWORD_RESET_TOKEN_EXPIRE_HOURS=2', () => {
    let server: TestServer;
    let smtp: TestSmtpServer;

    beforeAll(async () => {
      smtp = await startSmtpServer();
      server = await startTestServer({ dialect, env: { ...ENV, SMTP_URL: smtp.url, PASSWORD_RESET_TOKEN_EXPIRE_HOURS: '2' } });
    });
    afterAll(async () => {
      await server?.close();
      await smtp?.close();
    });

    async function mailedToken(email: string): Promise<{ token: string; mail: ReceivedMail }> {
      const from = smtp.mails.length;
      expect((await server.request('POST', REQUEST, { json: { email } })).status).toBe(200);
      const mail = await smtp.waitFor(
        (candidate) => smtp.mails.indexOf(candidate) >= from && candidate.to.includes(email) && candidate.subject === SUBJECTS.reset,
      );
      return { token: linkToken(mail, 'reset-password'), mail };
    }

    it('keeps a link working past the first hour and refuses it after the second', async () => {
      const user = await registerUser(server);
      const first = await mailedToken(user.email);
      expect(first.mail.text).toContain('expires in 2 hours');
      server.clock.advance(HOUR + SECOND);
      expect((await server.request('POST', CONFIRM, { json: { token: first.token, new_password: NEW_PASSWORD } })).status).toBe(200);

      const second = await mailedToken(user.email);
      server.clock.advance(2 * HOUR + SECOND);
      expectBadToken(await server.request('POST', CONFIRM, { json: { token: second.token, new_password: 'the third passphrase' } }));
    });
  });

  describe('in development without SMTP', () => {
    let server: TestServer;

    beforeAll(async () => {
      server = await startTestServer({ dialect, env: { ...ENV, ENVIRONMENT: 'development' } });
    });
    afterAll(() => server?.close());

    it('answers a known email with the DEV ONLY token, which works, and an unknown one with the generic message', async () => {
      const user = await registerUser(server);
      const known = await server.request('POST', REQUEST, { json: { email: user.email } });
      expect(known.status, known.text).toBe(200);
      const devToken = known.body.dev_token as string;
      expect(devToken).toMatch(/^pr_[\w-]{43}$/);
      expect(known.body).toEqual({ message: `Password reset token (DEV ONLY): ${devToken}`, success: true, dev_token: devToken });

      const unknown = await server.request('POST', REQUEST, { json: { email: uniqueEmail('nobody') } });
      expect(unknown.status).toBe(200);
      expect(unknown.body).toEqual(GENERIC);

      const confirmed = await server.request('POST', CONFIRM, { json: { token: devToken, new_password: NEW_PASSWORD } });
      expect(confirmed.status, confirmed.text).toBe(200);
      const relogin = await server.request('POST', LOGIN, { json: { username: user.email, password: NEW_PASSWORD } });
      expect(relogin.status).toBe(200);
    });
  });

  describe('in development with SMTP', () => {
    let server: TestServer;
    let smtp: TestSmtpServer;

    beforeAll(async () => {
      smtp = await startSmtpServer();
      server = await startTestServer({ dialect, env: { ...ENV, ENVIRONMENT: 'development', SMTP_URL: smtp.url } });
    });
    afterAll(async () => {
      await server?.close();
      await smtp?.close();
    });

    it('mails the link and answers with the generic message, no token', async () => {
      const user = await registerUser(server);
      const response = await server.request('POST', REQUEST, { json: { email: user.email } });
      expect(response.status).toBe(200);
      expect(response.body).toEqual(GENERIC);
      await smtp.waitFor((mail) => mail.to.includes(user.email) && mail.subject === SUBJECTS.reset);
    });
  });

  for (const environment of ['production', 'test'] as const) {
    describe(`with ENVIRONMENT=${environment} and no SMTP`, () => {
      let server: TestServer;

      beforeAll(async () => {
        server = await startTestServer({ dialect, env: { ...ENV, ENVIRONMENT: environment } });
        expect(server.config.environment).toBe(environment);
      });
      afterAll(() => server?.close());

      it('never returns a token, for known or unknown emails', async () => {
        const user = await registerUser(server);
        for (const email of [user.email, uniqueEmail('nobody')]) {
          const response = await server.request('POST', REQUEST, { json: { email } });
          expect(response.status).toBe(200);
          expect(response.text).toBe(JSON.stringify(GENERIC));
        }
      });
    });
  }
});
