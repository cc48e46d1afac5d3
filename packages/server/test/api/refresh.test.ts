import { randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../helpers/databases.js';
import { type HttpResponse, startTestServer, type TestServer } from '../helpers/test-server.js';
import { registerUser, type TestUser } from '../helpers/users.js';

/**
 * Refresh tokens per API.md "Token" and security requirements §7 (RT-01 … RT-05, RT-07, RT-08): opaque, single use,
 * rotated on every refresh, a short grace for honest retries that hands back the same successor, reuse detection
 * that revokes the whole session (its refresh and access tokens), and an absolute lifetime counted from the login.
 */

const ME = '/api/v1/auth/me';
const REFRESH = '/api/v1/auth/refresh';
// The frozen clock never moves a per-minute window; these suites are about rotation, not limits.
const ENV = { RATE_LIMIT_ENABLED: 'false', LOCKOUT_ENABLED: 'false' };
const SECOND = 1000;
const HOUR = 3600 * SECOND;

interface TokenBody {
  readonly access_token: string;
  readonly refresh_token: string;
  readonly token_type: string;
  readonly expires_in: number;
  readonly refresh_expires_in: number;
  readonly session_id: string;
}

function expectTokenBody(response: HttpResponse): TokenBody {
  expect(response.status, response.text).toBe(200);
  const body = response.body as TokenBody;
  expect(body.token_type).toBe('bearer');
  expect(body.access_token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  expect(body.refresh_token).toMatch(/^rt_[\w-]{22,}$/);
  expect(typeof body.expires_in).toBe('number');
  expect(typeof body.refresh_expires_in).toBe('number');
  expect(typeof body.session_id).toBe('string');
  return body;
}

function expectRefreshRefused(response: HttpResponse): void {
  expect(response.status, response.text).toBe(401);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.body.status).toBe(401);
  expect(response.body.code).toBe('invalid_refresh_token');
  expect(response.body).not.toHaveProperty('access_token');
  expect(response.body).not.toHaveProperty('refresh_token');
}

function expectSessionRevoked(response: HttpResponse): void {
  expect(response.status, response.text).toBe(401);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.body.code).toBe('session_revoked');
  expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
}

/** Requests and assertions shared by every suite; `server()` is read lazily because beforeAll assigns it. */
function client(server: () => TestServer) {
  return {
    async login(user: TestUser): Promise<TokenBody> {
      return expectTokenBody(await server().request('POST', '/api/v1/auth/login', { json: { username: user.email, password: user.password } }));
    },
    refresh(refreshToken: unknown): Promise<HttpResponse> {
      return server().request('POST', REFRESH, { json: { refresh_token: refreshToken } });
    },
    me(accessToken: string): Promise<HttpResponse> {
      return server().request('GET', ME, { token: accessToken });
    },
    async expectWorks(accessToken: string, user: TestUser): Promise<void> {
      const response = await server().request('GET', ME, { token: accessToken });
      expect(response.status, response.text).toBe(200);
      expect(response.body.id).toBe(user.id);
    },
    async reuseEvents(user: TestUser, sessionId: string) {
      const events = await server().ctx.repos.audit.listInvolving(user.id, 10);
      return events.filter((event) => event.action === 'refresh_token.reuse_detected' && event.details?.session_id === sessionId);
    },
  };
}

describeEachDatabase('refresh tokens', (dialect) => {
  describe('with the default settings (7 days, 10 s grace)', () => {
    let server: TestServer;
    const api = client(() => server);

    beforeAll(async () => {
      server = await startTestServer({ dialect, env: ENV });
      expect(server.config.refreshGraceSeconds).toBe(10);
    });
    afterAll(() => server.close());

    it('rotates: a new refresh token, a working access token, the same session, and refresh_expires_in counting down', async () => {
      const user = await registerUser(server);
      const first = await api.login(user);
      expect(first.refresh_expires_in).toBe(7 * 86_400);
      expect(first.expires_in).toBe(30 * 60);

      server.clock.advance(1 * HOUR);
      const second = expectTokenBody(await api.refresh(first.refresh_token));
      expect(second.refresh_token).not.toBe(first.refresh_token);
      expect(second.access_token).not.toBe(first.access_token);
      expect(second.session_id).toBe(first.session_id);
      expect(second.expires_in).toBe(30 * 60);
      expect(second.refresh_expires_in).toBe(7 * 86_400 - 3600);
      expect(decodeJwt(second.access_token)).toMatchObject({ sub: user.id, sid: first.session_id });
      await api.expectWorks(second.access_token, user);

      server.clock.advance(2 * HOUR);
      const third = expectTokenBody(await api.refresh(second.refresh_token));
      expect(new Set([first.refresh_token, second.refresh_token, third.refresh_token]).size).toBe(3);
      expect(third.session_id).toBe(first.session_id);
      // The absolute expiry of the login holds across rotations: it is not pushed out by refreshing.
      expect(third.refresh_expires_in).toBe(7 * 86_400 - 3 * 3600);
      await api.expectWorks(third.access_token, user);
    });

    it('a refresh token with one character changed is refused and does not harm the real one', async () => {
      const user = await registerUser(server);
      const login = await api.login(user);
      const token = login.refresh_token;
      const index = token.length - 10;
      const forged = token.slice(0, index) + (token[index] === 'A' ? 'B' : 'A') + token.slice(index + 1);
      expectRefreshRefused(await api.refresh(forged));
      expectRefreshRefused(await api.refresh(token.slice(0, -1)));
      expectRefreshRefused(await api.refresh(`${token}A`));
      expectTokenBody(await api.refresh(token));
    });

    it('within the grace window, while the successor is unused, a replay gets exactly the same successor back', async () => {
      const user = await registerUser(server);
      const login = await api.login(user);
      const r2 = expectTokenBody(await api.refresh(login.refresh_token));

      server.clock.advance(5 * SECOND);
      const retry = expectTokenBody(await api.refresh(login.refresh_token));
      expect(retry.refresh_token).toBe(r2.refresh_token);
      expect(retry.session_id).toBe(login.session_id);
      expect(retry.access_token).not.toBe(r2.access_token);
      await api.expectWorks(retry.access_token, user);

      server.clock.advance(4 * SECOND);
      const again = expectTokenBody(await api.refresh(login.refresh_token));
      expect(again.refresh_token).toBe(r2.refresh_token);

      // The one successor carries on normally, and the session was not revoked by the retries.
      const r3 = expectTokenBody(await api.refresh(r2.refresh_token));
      expect([login.refresh_token, r2.refresh_token]).not.toContain(r3.refresh_token);
      await api.expectWorks(r2.access_token, user);
      await api.expectWorks(r3.access_token, user);
      expectTokenBody(await api.refresh(r3.refresh_token));
      expect(await api.reuseEvents(user, login.session_id)).toEqual([]);
    });

    it('replaying R1 after R2 was used, even within the grace window, revokes the whole session', async () => {
      const user = await registerUser(server);
      const bystander = await api.login(user); // another session of the same user
      const r1 = await api.login(user);
      const r2 = expectTokenBody(await api.refresh(r1.refresh_token));
      server.clock.advance(2 * SECOND);
      const r3 = expectTokenBody(await api.refresh(r2.refresh_token));
      await api.expectWorks(r3.access_token, user);

      server.clock.advance(1 * SECOND);
      expectRefreshRefused(await api.refresh(r1.refresh_token));

      // The newest refresh token dies with the session, and so does every access token it issued.
      expectRefreshRefused(await api.refresh(r3.refresh_token));
      expectRefreshRefused(await api.refresh(r2.refresh_token));
      for (const accessToken of [r1.access_token, r2.access_token, r3.access_token]) expectSessionRevoked(await api.me(accessToken));

      const events = await api.reuseEvents(user, r1.session_id);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ action: 'refresh_token.reuse_detected', targetId: user.id });

      // Only that session: the user's other session and a new login are unaffected.
      await api.expectWorks(bystander.access_token, user);
      expectTokenBody(await api.refresh(bystander.refresh_token));
      await api.expectWorks((await api.login(user)).access_token, user);
    });

    it('a replay after the grace window revokes the session', async () => {
      const user = await registerUser(server);
      const r1 = await api.login(user);
      const r2 = expectTokenBody(await api.refresh(r1.refresh_token));
      await api.expectWorks(r2.access_token, user);

      server.clock.advance(11 * SECOND);
      expectRefreshRefused(await api.refresh(r1.refresh_token));
      expectRefreshRefused(await api.refresh(r2.refresh_token));
      expectSessionRevoked(await api.me(r2.access_token));
      expectSessionRevoked(await api.me(r1.access_token));
      expect(await api.reuseEvents(user, r1.session_id)).toHaveLength(1);
    });

    it('20 parallel refreshes with the same token yield one successor, which then rotates normally', async () => {
      const user = await registerUser(server);
      const r1 = await api.login(user);
      const responses = await Promise.all(Array.from({ length: 20 }, () => api.refresh(r1.refresh_token)));

      for (const response of responses) expect([200, 401], response.text).toContain(response.status);
      const successes = responses.filter((response) => response.status === 200).map((response) => expectTokenBody(response));
      expect(successes.length).toBeGreaterThanOrEqual(1);
      const successors = new Set(successes.map((body) => body.refresh_token));
      expect(successors.size).toBe(1);
      const [r2] = [...successors] as [string];
      expect(r2).not.toBe(r1.refresh_token);
      for (const body of successes) expect(body.session_id).toBe(r1.session_id);
      // Within the grace window every retry is honest, so none of them revoked the session.
      expect(await api.reuseEvents(user, r1.session_id)).toEqual([]);

      const r3 = expectTokenBody(await api.refresh(r2));
      expect(r3.refresh_token).not.toBe(r2);
      const r4 = expectTokenBody(await api.refresh(r3.refresh_token));
      await api.expectWorks(r4.access_token, user);
    });

    it('after logout the refresh token is refused and the access token answers session_revoked at once', async () => {
      const user = await registerUser(server);
      const r1 = await api.login(user);
      const r2 = expectTokenBody(await api.refresh(r1.refresh_token));
      await api.expectWorks(r2.access_token, user);

      const logout = await server.request('POST', '/api/v1/auth/logout', { token: r2.access_token });
      expect(logout.status, logout.text).toBe(200);
      expect(logout.body.success).toBe(true);

      expectSessionRevoked(await api.me(r2.access_token));
      expectSessionRevoked(await api.me(r1.access_token));
      expectRefreshRefused(await api.refresh(r2.refresh_token));
      expectRefreshRefused(await api.refresh(r1.refresh_token));
    });

    it('an access token posted as refresh_token is refused (and stays a working access token)', async () => {
      const user = await registerUser(server);
      const login = await api.login(user);
      expectRefreshRefused(await api.refresh(login.access_token));
      expectRefreshRefused(await api.refresh(`rt_${login.access_token}`));
      await api.expectWorks(login.access_token, user);
      expectTokenBody(await api.refresh(login.refresh_token));
    });

    it('refuses an unknown but well-formed refresh token', async () => {
      expectRefreshRefused(await api.refresh(`rt_${randomBytes(32).toString('base64url')}`));
    });

    it.each<[string, unknown, number[]]>([
      ['garbage', 'garbage', [401]],
      ['an empty string', '', [401, 422]],
      ['the bare prefix', 'rt_', [401]],
      ['a 200-character rt_ string', `rt_${'A'.repeat(200)}`, [401, 422]],
      ['a 10 KB string', 'x'.repeat(10 * 1024), [401, 422]],
      ['a 10 KB rt_ string', `rt_${'x'.repeat(10 * 1024)}`, [401, 422]],
      ['a NUL byte', 'rt_\u0000', [401, 422]],
      ['an emoji', 'rt_😀😀😀', [401, 422]],
      ['SQL', "rt_' OR '1'='1", [401]],
      ['a number', 12345, [401, 422]],
      ['an object', { token: 'rt_x' }, [401, 422]],
      ['null', null, [401, 422]],
      ['an array', ['rt_x'], [401, 422]],
      ['a boolean', true, [401, 422]],
    ])('refuses %s as refresh_token with a problem document', async (_name, value, statuses) => {
      const response = await api.refresh(value);
      expect(statuses, response.text).toContain(response.status);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.body.status).toBe(response.status);
      expect(typeof response.body.code).toBe('string');
    });

    it.each<[string, { json?: unknown; raw?: string; headers?: Record<string, string> }, number[]]>([
      ['an empty object', { json: {} }, [401, 422]],
      ['a JSON array body', { json: [] }, [400, 401, 422]],
      ['a JSON null body', { raw: 'null', headers: { 'content-type': 'application/json' } }, [400, 401, 422]],
      ['a JSON string body', { json: 'rt_abc' }, [400, 401, 422]],
      ['malformed JSON', { raw: '{"refresh_token": ', headers: { 'content-type': 'application/json' } }, [400]],
      ['a form body', { raw: 'refresh_token=rt_abc', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, [415]],
      ['no body at all', {}, [400, 401, 415, 422]],
    ])('answers %s with a problem document, never a 500', async (_name, options, statuses) => {
      const response = await server.request('POST', REFRESH, options);
      expect(statuses, response.text).toContain(response.status);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.body.status).toBe(response.status);
    });

    it('rejects unknown extra fields without consuming the refresh token', async () => {
      const user = await registerUser(server);
      const login = await api.login(user);
      for (const extra of [{ grant_type: 'refresh_token' }, { role: 'admin' }, { session_id: login.session_id }]) {
        const response = await server.request('POST', REFRESH, { json: { refresh_token: login.refresh_token, ...extra } });
        expect([401, 422], response.text).toContain(response.status);
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      }
      const rotated = expectTokenBody(await api.refresh(login.refresh_token));
      expect(rotated.refresh_token).not.toBe(login.refresh_token);
      expect(await api.reuseEvents(user, login.session_id)).toEqual([]);
    });
  });

  describe('with REFRESH_REUSE_GRACE_SECONDS=0', () => {
    let server: TestServer;
    const api = client(() => server);

    beforeAll(async () => {
      server = await startTestServer({ dialect, env: { ...ENV, REFRESH_REUSE_GRACE_SECONDS: '0' } });
    });
    afterAll(() => server.close());

    it('any replay of a rotated token revokes the session', async () => {
      const user = await registerUser(server);
      const r1 = await api.login(user);
      const r2 = expectTokenBody(await api.refresh(r1.refresh_token));
      await api.expectWorks(r2.access_token, user);

      // One second later: with no grace at all, the retry an honest client might send is already reuse.
      server.clock.advance(1 * SECOND);
      expectRefreshRefused(await api.refresh(r1.refresh_token));
      expectRefreshRefused(await api.refresh(r2.refresh_token));
      expectSessionRevoked(await api.me(r2.access_token));
      expect(await api.reuseEvents(user, r1.session_id)).toHaveLength(1);
    });

    it('an immediate replay (same instant as the rotation) revokes the session too', async () => {
      const user = await registerUser(server);
      const r1 = await api.login(user);
      const r2 = expectTokenBody(await api.refresh(r1.refresh_token));
      expectRefreshRefused(await api.refresh(r1.refresh_token));
      expectRefreshRefused(await api.refresh(r2.refresh_token));
      expectSessionRevoked(await api.me(r2.access_token));
    });

    it('of 20 parallel refreshes of one token exactly one wins and the session is then revoked', async () => {
      const user = await registerUser(server);
      const r1 = await api.login(user);
      const responses = await Promise.all(Array.from({ length: 20 }, () => api.refresh(r1.refresh_token)));
      const winners = responses.filter((response) => response.status === 200);
      expect(winners).toHaveLength(1);
      for (const response of responses) expect([200, 401]).toContain(response.status);
      expectRefreshRefused(await api.refresh(winners[0]?.body.refresh_token));
    });
  });

  describe('with REFRESH_TOKEN_EXPIRE_DAYS=1 (absolute lifetime)', () => {
    let server: TestServer;
    const api = client(() => server);

    beforeAll(async () => {
      server = await startTestServer({ dialect, env: { ...ENV, REFRESH_TOKEN_EXPIRE_DAYS: '1' } });
    });
    afterAll(() => server.close());

    it('refreshing every few hours never outlives one day after the login', async () => {
      const user = await registerUser(server);
      const login = await api.login(user);
      expect(login.refresh_expires_in).toBe(86_400);

      let current = login;
      for (let step = 1; step <= 3; step++) {
        server.clock.advance(6 * HOUR);
        current = expectTokenBody(await api.refresh(current.refresh_token));
        expect(current.session_id).toBe(login.session_id);
        expect(current.refresh_expires_in).toBe(86_400 - step * 6 * 3600);
        await api.expectWorks(current.access_token, user);
      }

      // 23 h 50 min after the login: still allowed, but the access token is cut to the login's end.
      server.clock.advance(5 * HOUR + 50 * 60 * SECOND);
      current = expectTokenBody(await api.refresh(current.refresh_token));
      expect(current.refresh_expires_in).toBe(600);
      expect(current.expires_in).toBe(600);
      await api.expectWorks(current.access_token, user);

      // Exactly one day after the login the fresh (10-minute-old) token is refused.
      server.clock.advance(10 * 60 * SECOND);
      expectRefreshRefused(await api.refresh(current.refresh_token));
      server.clock.advance(1 * HOUR);
      expectRefreshRefused(await api.refresh(current.refresh_token));
    });

    it('an unused refresh token is refused after the absolute lifetime too', async () => {
      const user = await registerUser(server);
      const login = await api.login(user);
      server.clock.advance(24 * HOUR + SECOND);
      expectRefreshRefused(await api.refresh(login.refresh_token));
    });
  });
});
