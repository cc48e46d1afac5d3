import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrozenClock } from '../helpers/clock.js';
import { createTestDatabase, describeEachDatabase } from '../helpers/databases.js';
import { describeWithRedis } from '../helpers/redis.js';
import { type HttpResponse, startTestServer, type TestServer } from '../helpers/test-server.js';
import { loginAs, registerUser, type TestUser, uniqueEmail } from '../helpers/users.js';
import { expectInvalidCredentials } from '../helpers/problems.js';

/**
 * Login lockout per API.md "Lockout" and "Lockout identifier": LOCKOUT_THRESHOLD consecutive failures for one
 * identifier (per account when it names one, else per normalised string) lock it for LOCKOUT_MINUTES; the failure
 * that reaches the threshold still answers 401, later attempts 429 `account_locked` with Retry-After, whatever the
 * password and whether or not the account exists. Places are taken before the password is checked, so parallel
 * guesses cannot get more than THRESHOLD passwords checked, and parallel right passwords are never punished.
 */

const LOGIN = '/api/v1/auth/login';
const LOGIN_FORM = '/api/v1/auth/login/form';
const WRONG = 'not the right password';
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const ADMIN = { email: 'lockout-admin@example.com', password: 'lockout suite admin passphrase' };
// Rate limits are another suite's subject (and a frozen clock never moves their windows); lockout comes first anyway.
const ENV = { RATE_LIMIT_ENABLED: 'false', ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password };

/**
 * A locked identifier is answered at once. Attempts beyond the free places may wait for the verdict of those in
 * flight (a few argon2 verifications), but never the 5 s after which a waiting attempt gives up: that give-up
 * answer is also a 429, so without a bound on time a lock that never came into force would look the same.
 */
const PROMPT_MS = 3000;

interface TimedResponse extends HttpResponse {
  readonly elapsedMs: number;
}

async function attempt(server: TestServer, username: string, password: string, via: 'json' | 'form' = 'json'): Promise<TimedResponse> {
  const started = performance.now();
  const response =
    via === 'json'
      ? await server.request('POST', LOGIN, { json: { username, password } })
      : await server.request('POST', LOGIN_FORM, { form: { username, password } });
  return { ...response, elapsedMs: performance.now() - started };
}

function expectLocked(response: TimedResponse, retryAfterSeconds?: number): void {
  expect(response.status, response.text).toBe(429);
  expect(response.elapsedMs).toBeLessThan(PROMPT_MS);
  expect(response.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
  expect(response.body).toEqual({ type: 'about:blank', title: 'Too Many Requests', status: 429, detail: expect.any(String), code: 'account_locked' });
  expect(response.body.detail).not.toBe('');
  expect(response.body).not.toHaveProperty('access_token');
  const retryAfter = response.headers.get('retry-after');
  expect(retryAfter).toMatch(/^[1-9]\d*$/);
  if (retryAfterSeconds !== undefined) expect(Number(retryAfter)).toBe(retryAfterSeconds);
}

async function failTimes(server: TestServer, username: string, times: number, via: 'json' | 'form' = 'json'): Promise<void> {
  for (let i = 0; i < times; i++) expectInvalidCredentials(await attempt(server, username, WRONG, via));
}

async function expectLoginWorks(server: TestServer, username: string, password: string): Promise<void> {
  const response = await attempt(server, username, password);
  expect(response.status, response.text).toBe(200);
  expect(response.body.access_token).toEqual(expect.any(String));
}

function statusCounts(responses: readonly HttpResponse[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const { status } of responses) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

/** The cases that must hold whichever store keeps the counters (memory, or Redis shared by instances). */
function coreCases(server: () => TestServer): void {
  it('the 5th failure still answers 401; the attempts after it answer 429 account_locked, even with the right password', async () => {
    const s = server();
    const user = await registerUser(s);
    await failTimes(s, user.email, 5);
    expectLocked(await attempt(s, user.email, WRONG), 30 * 60);
    expectLocked(await attempt(s, user.email, user.password), 30 * 60);
    expectLocked(await attempt(s, user.username, user.password), 30 * 60);
    // The right password while locked opened nothing, and was not even checked.
    expect(await s.ctx.repos.sessions.listForUser(user.id)).toEqual([]);
    const history = await s.ctx.repos.loginHistory.listForUser(user.id, 20);
    expect(history.map((entry) => [entry.success, entry.reason])).toEqual([
      [false, 'locked'],
      [false, 'locked'],
      [false, 'locked'],
      ...Array.from({ length: 5 }, () => [false, 'bad_password']),
    ]);
    expect((await s.ctx.repos.audit.listInvolving(user.id, 20)).filter((event) => event.action === 'user.locked')).toHaveLength(1);
    // Another account is not affected.
    const other = await registerUser(s);
    await expectLoginWorks(s, other.email, other.password);
  });

  it('locks an unknown identifier the same way, with byte-identical answers', async () => {
    const s = server();
    const user = await registerUser(s);
    const ghost = uniqueEmail('ghost');
    for (let i = 1; i <= 5; i++) {
      const known = await attempt(s, user.email, WRONG);
      const unknown = await attempt(s, ghost, WRONG);
      expectInvalidCredentials(known);
      expect(unknown.status).toBe(401);
      expect(unknown.text).toBe(known.text);
    }
    const known = await attempt(s, user.email, user.password);
    const unknown = await attempt(s, ghost, WRONG);
    expectLocked(known, 30 * 60);
    expectLocked(unknown, 30 * 60);
    expect(unknown.text).toBe(known.text);
    for (const header of ['content-type', 'retry-after', 'www-authenticate', 'cache-control']) {
      expect(unknown.headers.get(header), header).toBe(known.headers.get(header));
    }
  });

  it('counts failures by email and by username of one account together', async () => {
    const s = server();
    const user = await registerUser(s);
    await failTimes(s, user.email.toUpperCase(), 3);
    await failTimes(s, user.username, 2);
    expectLocked(await attempt(s, user.username, user.password));
    expectLocked(await attempt(s, user.email, user.password));
    expectLocked(await attempt(s, user.username.toUpperCase(), user.password));
  });

  it('of 50 parallel wrong passwords exactly THRESHOLD (5) are checked and answer 401; the other 45 answer 429', async () => {
    const s = server();
    const user = await registerUser(s);
    const responses = await Promise.all(Array.from({ length: 50 }, () => attempt(s, user.email, WRONG)));
    expect(statusCounts(responses)).toEqual({ 401: 5, 429: 45 });
    for (const response of responses) {
      if (response.status === 401) expectInvalidCredentials(response);
      else expectLocked(response);
    }
    const history = await s.ctx.repos.loginHistory.listForUser(user.id, 100);
    expect(history.filter((entry) => entry.reason === 'bad_password')).toHaveLength(5);
    expect(history.filter((entry) => entry.reason === 'locked')).toHaveLength(45);
    expect(history.filter((entry) => entry.success)).toHaveLength(0);
    expectLocked(await attempt(s, user.email, user.password), 30 * 60);
  });

  it('10 parallel logins with the right password all succeed (lockout does not punish concurrency)', async () => {
    const s = server();
    const user = await registerUser(s);
    const responses = await Promise.all(Array.from({ length: 10 }, () => attempt(s, user.email, user.password)));
    expect(statusCounts(responses)).toEqual({ 200: 10 });
    expect(new Set(responses.map((response) => response.body.session_id)).size).toBe(10);

    // One place left after 4 failures: the others wait for the first one's verdict, which frees the places.
    const late = await registerUser(s);
    await failTimes(s, late.email, 4);
    const after = await Promise.all(Array.from({ length: 10 }, () => attempt(s, late.email, late.password)));
    expect(statusCounts(after)).toEqual({ 200: 10 });
  });
}

describeEachDatabase('login lockout', (dialect) => {
  describe('with the defaults (LOCKOUT_THRESHOLD=5, LOCKOUT_MINUTES=30)', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ dialect, env: ENV });
      expect(server.config.lockout).toEqual({ enabled: true, threshold: 5, durationMs: 30 * MINUTE });
    });
    afterAll(() => server.close());

    coreCases(() => server);

    it('makes case and whitespace variants of an unknown identifier share one counter', async () => {
      const local = `ghost-${randomBytes(4).toString('hex')}`;
      const emails = [`${local}@example.com`, `${local.toUpperCase()}@EXAMPLE.COM`, `  ${local}@Example.com `, `\t${local}@example.COM`, `${local}@example.com\n`];
      for (const email of emails) expectInvalidCredentials(await attempt(server, email, WRONG));
      const first = await attempt(server, `${local}@example.com`, WRONG);
      expectLocked(first);
      expect((await attempt(server, ` ${local.toUpperCase()}@Example.Com`, WRONG)).text).toBe(first.text);

      const name = `Ghost_${randomBytes(4).toString('hex')}`;
      for (const variant of [name, name.toLowerCase(), name.toUpperCase(), ` ${name} `, `${name.toLowerCase()}\t`]) {
        expectInvalidCredentials(await attempt(server, variant, WRONG));
      }
      expectLocked(await attempt(server, name.toLowerCase(), WRONG));

      // A different unknown identifier has its own counter.
      expectInvalidCredentials(await attempt(server, `${local}x@example.com`, WRONG));
    });

    it('a success resets the count: 4 failures, a success, 4 failures leave the account open', async () => {
      const user = await registerUser(server);
      await failTimes(server, user.email, 4);
      await expectLoginWorks(server, user.email, user.password);
      await failTimes(server, user.email, 4);
      await expectLoginWorks(server, user.username, user.password);
      // And the count after a success starts from zero: the 5th failure of the new run still answers 401, then it locks.
      await failTimes(server, user.email, 5);
      expectLocked(await attempt(server, user.email, user.password));
    });

    it('the lock ends after LOCKOUT_MINUTES, with Retry-After counting down; then the right password works', async () => {
      const user = await registerUser(server);
      await failTimes(server, user.email, 5);
      expectLocked(await attempt(server, user.email, user.password), 30 * 60);
      server.clock.advance(29 * MINUTE);
      expectLocked(await attempt(server, user.email, user.password), 60);
      server.clock.advance(59 * SECOND + 500);
      expectLocked(await attempt(server, user.email, user.password), 1);
      server.clock.advance(500);
      // Over: a failure counts afresh (no instant relock) and the right password works.
      expectInvalidCredentials(await attempt(server, user.email, WRONG));
      await expectLoginWorks(server, user.email, user.password);
    });

    it('attempts made during a lock leave no marks that outlive it', async () => {
      const user = await registerUser(server);
      await failTimes(server, user.email, 5);
      server.clock.advance(10 * MINUTE);
      for (let i = 0; i < 6; i++) expectLocked(await attempt(server, user.email, i % 2 ? WRONG : user.password), 20 * 60);
      server.clock.advance(20 * MINUTE);
      // A fresh run: four failures and the right password, as if the attempts during the lock had never been made.
      await failTimes(server, user.email, 4);
      await expectLoginWorks(server, user.email, user.password);
    });

    it('applies to /auth/login/form too, and failures there count with the JSON ones', async () => {
      const user = await registerUser(server);
      await failTimes(server, user.email, 3, 'json');
      await failTimes(server, user.email, 2, 'form');
      expectLocked(await attempt(server, user.email, user.password, 'form'), 30 * 60);
      expectLocked(await attempt(server, user.username, user.password, 'form'), 30 * 60);
      expectLocked(await attempt(server, user.email, user.password, 'json'), 30 * 60);
    });

    it('POST /admin/users/{id}/unlock: 401 anonymous, 403 non-admin, 404 unknown id, 200 for an admin, who ends the lock', async () => {
      const victim = await registerUser(server);
      await failTimes(server, victim.email, 5);
      expectLocked(await attempt(server, victim.email, victim.password));
      const path = `/api/v1/admin/users/${victim.id}/unlock`;

      const anonymous = await server.request('POST', path, { raw: '{', headers: { 'content-type': 'application/json' } });
      expect(anonymous.status, anonymous.text).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
      expect(anonymous.body.code).toBe('not_authenticated');

      const bystander = await registerUser(server);
      const forbidden = await server.request('POST', path, { token: (await loginAs(server, bystander)).accessToken });
      expect(forbidden.status, forbidden.text).toBe(403);
      expect(forbidden.body).toMatchObject({ status: 403, code: 'forbidden' });
      // The refused calls left the lock in place.
      expectLocked(await attempt(server, victim.email, victim.password));

      const admin = await loginAs(server, ADMIN);
      for (const unknownId of [`01900000-0000-7000-8000-${randomBytes(6).toString('hex')}`, 'not-a-user-id', '0']) {
        const missing = await server.request('POST', `/api/v1/admin/users/${unknownId}/unlock`, { token: admin.accessToken });
        expect(missing.status, missing.text).toBe(404);
        expect(missing.body.code).toBe('not_found');
      }
      expectLocked(await attempt(server, victim.email, victim.password));

      const unlocked = await server.request('POST', path, { token: admin.accessToken });
      expect(unlocked.status, unlocked.text).toBe(200);
      expect(unlocked.body).toEqual({ message: expect.any(String), success: true });
      await expectLoginWorks(server, victim.email, victim.password);

      const adminId = (await server.request('GET', '/api/v1/auth/me', { token: admin.accessToken })).body.id;
      const audit = await server.ctx.repos.audit.listInvolving(victim.id, 20);
      expect(audit.filter((event) => event.action === 'user.unlocked')).toEqual([
        expect.objectContaining({ action: 'user.unlocked', actorId: adminId, targetId: victim.id }),
      ]);
      expect(audit.filter((event) => event.action === 'user.locked')).toHaveLength(1);
    });

    it('an admin unlock also forgets failures short of a lock', async () => {
      const user = await registerUser(server);
      await failTimes(server, user.email, 4);
      const admin = await loginAs(server, ADMIN);
      expect((await server.request('POST', `/api/v1/admin/users/${user.id}/unlock`, { token: admin.accessToken })).status).toBe(200);
      await failTimes(server, user.email, 4);
      await expectLoginWorks(server, user.email, user.password);
    });
  });

  describe('with LOCKOUT_THRESHOLD=3 and LOCKOUT_MINUTES=2', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ dialect, env: { ...ENV, LOCKOUT_THRESHOLD: '3', LOCKOUT_MINUTES: '2' } });
    });
    afterAll(() => server.close());

    it('locks after the 3rd failure for 2 minutes', async () => {
      const user = await registerUser(server);
      await failTimes(server, user.email, 3);
      expectLocked(await attempt(server, user.email, user.password), 120);
      server.clock.advance(2 * MINUTE);
      await expectLoginWorks(server, user.email, user.password);
    });
  });

  describe('with LOCKOUT_ENABLED=false', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ dialect, env: { ...ENV, LOCKOUT_ENABLED: 'false' } });
    });
    afterAll(() => server.close());

    it('10 failures never lock: the right password then works', async () => {
      const user = await registerUser(server);
      await failTimes(server, user.email, 10);
      await expectLoginWorks(server, user.email, user.password);
      const ghost = uniqueEmail('ghost');
      await failTimes(server, ghost, 6);
    });
  });

  describe('in development without SMTP (reset tokens in the answer)', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ dialect, env: { ...ENV, ENVIRONMENT: 'development' } });
    });
    afterAll(() => server.close());

    it('a completed password reset ends the lock; merely asking for one does not', async () => {
      const user = await registerUser(server);
      await failTimes(server, user.email, 5);
      expectLocked(await attempt(server, user.email, user.password));

      const requested = await server.request('POST', '/api/v1/auth/password/reset/request', { json: { email: user.email } });
      expect(requested.status, requested.text).toBe(200);
      const token = requested.body.dev_token as string;
      expect(token).toEqual(expect.any(String));
      expectLocked(await attempt(server, user.email, user.password));

      const newPassword = 'a brand new passphrase 7';
      const confirmed = await server.request('POST', '/api/v1/auth/password/reset/confirm', { json: { token, new_password: newPassword } });
      expect(confirmed.status, confirmed.text).toBe(200);
      await expectLoginWorks(server, user.email, newPassword);
    });
  });
});

describeWithRedis('login lockout', (redisUrl) => {
  describeEachDatabase('with Redis-backed counters', (dialect) => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ dialect, env: { ...ENV, REDIS_URL: redisUrl } });
    });
    afterAll(() => server.close());

    coreCases(() => server);

    it('two instances sharing Redis share one count and one lock', async () => {
      const database = await createTestDatabase(dialect);
      const clock = new FrozenClock();
      const env = { ...ENV, REDIS_URL: redisUrl, REDIS_KEY_PREFIX: `test-shared-${randomBytes(6).toString('hex')}:` };
      const first = await startTestServer({ dialect, database, clock, env });
      const second = await startTestServer({ dialect, database, clock, env });
      try {
        const user: TestUser = await registerUser(first);
        await failTimes(first, user.email, 3);
        await failTimes(second, user.username, 2);
        expectLocked(await attempt(first, user.email, user.password), 30 * 60);
        expectLocked(await attempt(second, user.email, user.password), 30 * 60);
        const admin = await loginAs(second, ADMIN);
        expect((await second.request('POST', `/api/v1/admin/users/${user.id}/unlock`, { token: admin.accessToken })).status).toBe(200);
        await expectLoginWorks(first, user.email, user.password);
      } finally {
        await first.close();
        await second.close();
        await database.drop();
      }
    });
  });
});
