import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkToken, SUBJECTS } from '../../server/test/helpers/mail-links.js';
import type { MailingTestServer } from '../../server/test/helpers/test-server.js';
import { clientOf, NO_LIMITS, registerUser, startMailingServer } from './helpers/gatehouse.js';

// Mail goes through a real SMTP server; one database is enough here (the flows are the server's, tested on both).
describe('password reset and email verification with mailed tokens', () => {
  let mailing: MailingTestServer;
  beforeAll(async () => {
    mailing = await startMailingServer({ env: NO_LIMITS });
  });
  afterAll(() => mailing.close());

  it('requests a reset for any email with the same answer, and confirms it with the mailed token', async () => {
    const { server, smtp } = mailing;
    const user = await registerUser(server);
    const client = clientOf(server);
    const known = await client.password.requestReset(user.email);
    const unknown = await client.password.requestReset('nobody-here@example.com');
    expect(known).toEqual(unknown);
    const mail = await smtp.waitFor((received) => received.to.includes(user.email) && received.subject === SUBJECTS.reset);
    await expect(client.password.confirmReset({ token: 'not-a-token', new_password: 'reset passphrase here' })).rejects.toMatchObject({
      status: 400,
      code: 'invalid_token',
    });
    expect(await client.password.confirmReset({ token: linkToken(mail, 'reset-password'), new_password: 'reset passphrase here' })).toMatchObject({ success: true });
    await client.login({ username: user.email, password: 'reset passphrase here' });
  });

  it('requests verification as the caller and confirms it with the mailed token', async () => {
    const { server, smtp } = mailing;
    const user = await registerUser(server);
    const client = clientOf(server);
    await client.login({ username: user.email, password: user.password });
    expect((await client.me()).is_verified).toBe(false);
    // Registration mails a link already; asking again replaces it, so the second mail is the one that works.
    const verifyMails = () => smtp.mails.filter((received) => received.to.includes(user.email) && received.subject === SUBJECTS.verify);
    await smtp.waitFor(() => verifyMails().length === 1);
    await client.email.requestVerification();
    await smtp.waitFor(() => verifyMails().length === 2);
    const mail = verifyMails()[1] as (typeof smtp.mails)[number];
    await clientOf(server).email.confirmVerification(linkToken(mail, 'verify-email'));
    expect((await client.me()).is_verified).toBe(true);
  });
});
