import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../helpers/databases.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { GOOD_PASSWORD, USER_FIELDS, uniqueEmail } from '../helpers/users.js';

const REGISTER = '/api/v1/auth/register';

describeEachDatabase('POST /auth/register', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ dialect, env: { RATE_LIMIT_ENABLED: 'false' } });
  });
  afterAll(() => server.close());

  const register = (json: unknown) => server.request('POST', REGISTER, { json });

  it('creates an unverified user and returns only public fields', async () => {
    const email = uniqueEmail('Ada').toUpperCase();
    const response = await register({ email: `  ${email} `, password: GOOD_PASSWORD, username: `Ada_${Date.now()}`, display_name: 'Ada L.' });
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.body).toMatchObject({
      email: email.toLowerCase(),
      display_name: 'Ada L.',
      role: 'user',
      is_active: true,
      is_verified: false,
      is_suspended: false,
      is_superuser: false,
      last_login_at: null,
    });
    expect(response.body.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Date(response.body.created_at).toISOString()).toBe(response.body.created_at);
    expect(Object.keys(response.body).sort()).toEqual([...USER_FIELDS].sort());
    expect(response.text).not.toMatch(/argon2|password/i);
  });

  it('accepts full_name as an alias of display_name, but not both at once', async () => {
    const alias = await register({ email: uniqueEmail(), password: GOOD_PASSWORD, full_name: 'Grace H.' });
    expect(alias.status).toBe(201);
    expect(alias.body.display_name).toBe('Grace H.');
    const both = await register({ email: uniqueEmail(), password: GOOD_PASSWORD, full_name: 'A', display_name: 'B' });
    expect(both.status).toBe(422);
    expect(both.body.code).toBe('validation_failed');
  });

  it('refuses a role or any other unknown field with 422 and creates nothing', async () => {
    const email = uniqueEmail();
    for (const extra of [{ role: 'admin' }, { is_superuser: true }, { is_verified: true }, { id: 'x' }, { password_hash: '$argon2id$' }]) {
      const response = await register({ email, password: GOOD_PASSWORD, ...extra });
      expect(response.status).toBe(422);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.body.errors[0].path).toBe(`/${Object.keys(extra)[0]}`);
    }
    const clean = await register({ email, password: GOOD_PASSWORD });
    expect(clean.status).toBe(201);
    expect(clean.body.role).toBe('user');
  });

  it('answers 409 email_taken for the same email in another case', async () => {
    const email = uniqueEmail();
    expect((await register({ email, password: GOOD_PASSWORD })).status).toBe(201);
    const again = await register({ email: email.toUpperCase(), password: GOOD_PASSWORD });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('email_taken');
  });

  it('answers 409 username_taken for the same username in another case', async () => {
    const username = `grace_${Date.now()}`;
    expect((await register({ email: uniqueEmail(), username, password: GOOD_PASSWORD })).status).toBe(201);
    const again = await register({ email: uniqueEmail(), username: username.toUpperCase(), password: GOOD_PASSWORD });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('username_taken');
  });

  it('lets exactly one of 20 concurrent registrations of one email win', async () => {
    const email = uniqueEmail('race');
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => register({ email: i % 2 ? email : email.toUpperCase(), password: GOOD_PASSWORD })),
    );
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(19);
    const count = await server.database.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('email', '=', email)
      .executeTakeFirst();
    expect(Number(count?.n)).toBe(1);
  });

  describe('password policy', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['too short', 'Ab1!xyz', /at least 8 characters/],
      ['too long', 'x'.repeat(129), /at most 128 characters/],
      ['common', 'password123', /too common/],
      ['common, other case', 'QWERTYUIOP', /too common/],
    ];
    for (const [name, password, reason] of cases) {
      it(`rejects a ${name} password with a reason naming the rule`, async () => {
        const response = await register({ email: uniqueEmail(), password });
        expect(response.status).toBe(422);
        expect(response.body.code).toBe('validation_failed');
        expect(response.body.errors).toEqual([{ path: '/password', message: expect.stringMatching(reason) }]);
      });
    }

    it('rejects a password equal to the email or the username', async () => {
      const email = uniqueEmail();
      expect((await register({ email, password: email.toUpperCase() })).status).toBe(422);
      const username = `longusername_${Date.now()}`;
      const response = await register({ email: uniqueEmail(), username, password: username });
      expect(response.status).toBe(422);
      expect(response.body.detail).toMatch(/email or username/);
      const local = `localpart${Date.now()}`;
      const localPart = await register({ email: `${local}@example.com`, password: local.toUpperCase() });
      expect(localPart.status).toBe(422);
      expect(localPart.body.detail).toMatch(/email or username/);
    });

    it('accepts 8 and 128 code points, spaces, emoji and CJK, counting code points not bytes', async () => {
      for (const password of ['zq8#Lm2p', '🦊'.repeat(8), 'x'.repeat(128), '正しい馬の電池 staple', 'correct horse battery staple zebra']) {
        const response = await register({ email: uniqueEmail(), password });
        expect(response.status, password).toBe(201);
      }
    });
  });

  it('rejects malformed emails, including ones that address two mailboxes', async () => {
    for (const email of [
      'not-an-email',
      'a@b',
      'victim@x.test,attacker@y.test',
      'victim@x.test;attacker@y.test',
      'victim@x.test\r\nBcc: attacker@y.test',
      '"a@b"@x.test',
      'victim@x.test<b>hi</b>',
      `${'a'.repeat(250)}@x.test`,
      'a@@x.test',
      '',
    ]) {
      const response = await register({ email, password: GOOD_PASSWORD });
      expect(response.status, email).toBe(422);
      expect(response.body.errors[0].path).toBe('/email');
    }
  });

  it('normalises a fullwidth at sign before validating it (next-auth CVE-2026-73420)', async () => {
    const local = `fw${Date.now()}`;
    const response = await register({ email: `${local}＠example.com`, password: GOOD_PASSWORD });
    expect(response.status).toBe(201);
    expect(response.body.email).toBe(`${local}@example.com`);
    const again = await register({ email: `${local}@example.com`, password: GOOD_PASSWORD });
    expect(again.body.code).toBe('email_taken');
  });

  it('rejects usernames outside [A-Za-z0-9._-]{3,50}', async () => {
    for (const username of ['ab', 'a'.repeat(51), 'has space', 'at@sign', 'émile', 'x\u0000y']) {
      const response = await register({ email: uniqueEmail(), username, password: GOOD_PASSWORD });
      expect(response.status, username).toBe(422);
    }
  });
});

describeEachDatabase('registration settings', (dialect) => {
  it('answers 403 registration_closed when REGISTRATION=closed', async () => {
    const server = await startTestServer({ dialect, env: { REGISTRATION: 'closed' } });
    try {
      const response = await server.request('POST', REGISTER, { json: { email: uniqueEmail(), password: GOOD_PASSWORD } });
      expect(response.status).toBe(403);
      expect(response.body.code).toBe('registration_closed');
    } finally {
      await server.close();
    }
  });

  it('adds character-class rules with PASSWORD_REQUIRE_CLASSES=true and raises the minimum with PASSWORD_MIN_LENGTH', async () => {
    const server = await startTestServer({ dialect, env: { PASSWORD_REQUIRE_CLASSES: 'true', PASSWORD_MIN_LENGTH: '15' } });
    try {
      const weak = await server.request('POST', REGISTER, { json: { email: uniqueEmail(), password: 'correct horse battery staple' } });
      expect(weak.status).toBe(422);
      expect(weak.body.detail).toMatch(/upper-case letter.*digit/);
      const short = await server.request('POST', REGISTER, { json: { email: uniqueEmail(), password: 'Sh0rt!Pass' } });
      expect(short.body.detail).toMatch(/at least 15/);
      const strong = await server.request('POST', REGISTER, { json: { email: uniqueEmail(), password: 'Correct horse battery 9!' } });
      expect(strong.status).toBe(201);
    } finally {
      await server.close();
    }
  });
});
