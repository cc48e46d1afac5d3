import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../helpers/databases.js';
import { linkToken, SUBJECTS } from '../helpers/mail-links.js';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { uniqueEmail } from '../helpers/users.js';

/** Issue 3's walk-through, end to end over HTTP and a real SMTP server, as the README describes it. */
describeEachDatabase('account lifecycle, end to end', (dialect) => {
  let smtp: TestSmtpServer;
  let server: TestServer;
  beforeAll(async () => {
    smtp = await startSmtpServer();
    server = await startTestServer({ dialect, env: { SMTP_URL: smtp.url, REQUIRE_EMAIL_VERIFICATION: 'true' } });
  });
  afterAll(async () => {
    await server.close();
    await smtp.close();
  });

  it('register, verify from the mail, change the password, forget it, reset it from the mail, log in again', async () => {
    const email = uniqueEmail('ada');
    const mailTo = (subject: string) => smtp.waitFor((mail) => mail.to.includes(email) && mail.subject === subject);
    const login = (password: string) => server.request('POST', '/api/v1/auth/login', { json: { username: email, password } });

    const registered = await server.request('POST', '/api/v1/auth/register', { json: { email, password: 'first secret phrase' } });
    expect(registered.status).toBe(201);
    expect(registered.body.is_verified).toBe(false);
    expect((await login('first secret phrase')).body.code).toBe('email_not_verified');

    const verification = await mailTo(SUBJECTS.verify);
    const verified = await server.request('POST', '/api/v1/auth/email/verification/confirm', { json: { token: linkToken(verification, 'verify-email') } });
    expect(verified.status).toBe(200);

    const firstLogin = await login('first secret phrase');
    expect(firstLogin.status).toBe(200);
    const token = firstLogin.body.access_token;
    expect((await server.request('GET', '/api/v1/auth/me', { token })).body).toMatchObject({ email, is_verified: true });

    const changed = await server.request('POST', '/api/v1/auth/password/change', {
      token,
      json: { current_password: 'first secret phrase', new_password: 'second secret phrase' },
    });
    expect(changed.status).toBe(200);
    await mailTo(SUBJECTS.changed);
    expect((await login('first secret phrase')).status).toBe(401);

    const requested = await server.request('POST', '/api/v1/auth/password/reset/request', { json: { email } });
    expect(requested.body).toEqual({ message: 'If the email exists, a password reset link has been sent', success: true });
    const reset = await mailTo(SUBJECTS.reset);
    const confirmed = await server.request('POST', '/api/v1/auth/password/reset/confirm', {
      json: { token: linkToken(reset, 'reset-password'), new_password: 'third secret phrase' },
    });
    expect(confirmed.status).toBe(200);

    // The reset ended every session, including the one that changed the password.
    expect((await server.request('GET', '/api/v1/auth/me', { token })).body.code).toBe('session_revoked');
    expect((await login('second secret phrase')).status).toBe(401);
    const again = await login('third secret phrase');
    expect(again.status).toBe(200);
    expect((await server.request('GET', '/api/v1/auth/me', { token: again.body.access_token })).body.email).toBe(email);
  });
});
