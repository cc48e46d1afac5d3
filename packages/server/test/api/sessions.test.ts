import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordLastUse } from '../../src/jobs/record-last-use.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { expectProblem } from '../helpers/problems.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { loginAs, registerUser } from '../helpers/users.js';
import { openSocket } from '../helpers/websocket.js';

const SESSIONS = '/api/v1/auth/sessions';
const ME = '/api/v1/auth/me';
const MINUTE = 60_000;

describeEachDatabase('sessions and devices', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ dialect });
  });
  afterAll(() => server.close());

  it('lists the caller’s live sessions with the fields of API.md, marks the current one, and never shows another user’s', async () => {
    const user = await registerUser(server);
    const laptop = await loginAs(server, user, 'Laptop');
    const phone = await loginAs(server, user, 'Ada’s Phone');
    await server.request('POST', '/api/v1/auth/logout', { token: (await loginAs(server, user)).accessToken });
    const other = await registerUser(server);
    await loginAs(server, other, 'Not Yours');

    const response = await server.request('GET', SESSIONS, { token: phone.accessToken });
    expect(response.status).toBe(200);
    expect(response.body.total).toBe(2);
    expect(response.body.next_cursor).toBeNull();
    expect(response.body.items.map((item: { id: string }) => item.id)).toEqual([phone.sessionId, laptop.sessionId]);
    const [current, older] = response.body.items;
    expect(Object.keys(current).sort()).toEqual(
      ['client_id', 'created_at', 'current', 'device_name', 'expires_at', 'id', 'ip', 'last_active_at', 'method', 'user_agent'].sort(),
    );
    expect(current).toMatchObject({ current: true, device_name: 'Ada’s Phone', client_id: `${user.id.slice(-6)}-ada-s-phone`, method: 'password' });
    expect(older).toMatchObject({ current: false, device_name: 'Laptop', ip: '127.0.0.1' });
    expect(response.text).not.toContain('Not Yours');
  });

  it('pages by keyset cursor (and by skip for old clients), with the total of the whole set', async () => {
    const user = await registerUser(server);
    const logins = [];
    for (let i = 0; i < 5; i++) {
      logins.push(await loginAs(server, user, `device ${i}`));
      server.clock.advance(1000);
    }
    const token = logins[0]?.accessToken as string;
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: { id: string }[]; next_cursor: string | null; total: number } } = await server.request(
        'GET',
        `${SESSIONS}?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        { token },
      );
      expect(page.status).toBe(200);
      expect(page.body.total).toBe(5);
      seen.push(...page.body.items.map((item) => item.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(logins.map((login) => login.sessionId).reverse());
    const skipped = await server.request('GET', `${SESSIONS}?skip=3&limit=10`, { token });
    expect(skipped.body.items.map((item: { id: string }) => item.id)).toEqual([logins[1]?.sessionId, logins[0]?.sessionId]);

    for (const query of ['limit=0', 'limit=101', 'limit=abc', 'skip=-1', 'cursor=not-a-cursor', 'cursor=' + Buffer.from('[1,2]').toString('base64url'), 'sort=x']) {
      expectProblem(await server.request('GET', `${SESSIONS}?${query}`, { token }), 422, 'validation_failed');
    }
  });

  it('revokes one of the caller’s sessions: its access and refresh tokens stop at once; another user’s session is a 404', async () => {
    const user = await registerUser(server);
    const keep = await loginAs(server, user);
    const lose = await loginAs(server, user, 'lost phone');
    const stranger = await loginAs(server, await registerUser(server));

    expectProblem(await server.request('DELETE', `${SESSIONS}/${stranger.sessionId}`, { token: keep.accessToken }), 404, 'not_found');
    expect((await server.request('GET', ME, { token: stranger.accessToken })).status).toBe(200);
    expectProblem(await server.request('DELETE', `${SESSIONS}/00000000-0000-7000-8000-000000000000`, { token: keep.accessToken }), 404, 'not_found');

    const revoked = await server.request('DELETE', `${SESSIONS}/${lose.sessionId}`, { token: keep.accessToken });
    expect(revoked.status).toBe(204);
    expectProblem(await server.request('GET', ME, { token: lose.accessToken }), 401, 'session_revoked');
    expect((await server.request('POST', '/api/v1/auth/refresh', { json: { refresh_token: lose.refreshToken } })).status).toBe(401);
    expect((await server.request('GET', ME, { token: keep.accessToken })).status).toBe(200);
    // Already ended: nothing to revoke.
    expectProblem(await server.request('DELETE', `${SESSIONS}/${lose.sessionId}`, { token: keep.accessToken }), 404, 'not_found');
    expectProblem(await server.request('DELETE', `${SESSIONS}/${keep.sessionId}`), 401, 'not_authenticated');
  });

  it('revoking a session stops its access token, its refresh token and its open WebSocket within a second', async () => {
    const user = await registerUser(server);
    const keep = await loginAs(server, user);
    const lose = await loginAs(server, user, 'tablet');
    const socket = openSocket(server, `token=${lose.accessToken}`);
    await socket.message((message) => message.type === 'hello');
    const started = performance.now();
    expect((await server.request('DELETE', `${SESSIONS}/${lose.sessionId}`, { token: keep.accessToken })).status).toBe(204);
    const [me, refresh, closed] = await Promise.all([
      server.request('GET', ME, { token: lose.accessToken }),
      server.request('POST', '/api/v1/auth/refresh', { json: { refresh_token: lose.refreshToken } }),
      socket.closed(1000),
    ]);
    expect(performance.now() - started).toBeLessThan(1000);
    expectProblem(me, 401, 'session_revoked');
    expect(refresh.status).toBe(401);
    expect(closed).toEqual({ code: 1008, reason: 'session_revoked' });
  });

  it('revokes every other session, or all of them with include_current=true', async () => {
    const user = await registerUser(server);
    const [a, b, c] = [await loginAs(server, user), await loginAs(server, user), await loginAs(server, user)];
    expect((await server.request('DELETE', SESSIONS, { token: a.accessToken })).status).toBe(204);
    expect((await server.request('GET', ME, { token: a.accessToken })).status).toBe(200);
    for (const other of [b, c]) expectProblem(await server.request('GET', ME, { token: other.accessToken }), 401, 'session_revoked');
    expect((await server.request('GET', SESSIONS, { token: a.accessToken })).body.total).toBe(1);

    expect((await server.request('DELETE', `${SESSIONS}?include_current=true`, { token: a.accessToken })).status).toBe(204);
    expectProblem(await server.request('GET', ME, { token: a.accessToken }), 401, 'session_revoked');
    expect((await server.request('POST', '/api/v1/auth/refresh', { json: { refresh_token: a.refreshToken } })).status).toBe(401);
    expectProblem(await server.request('DELETE', `${SESSIONS}?include_current=maybe`, { token: (await loginAs(server, user)).accessToken }), 422, 'validation_failed');
  });

  it('records last activity from authenticated requests, written at most once a minute by a job', async () => {
    const user = await registerUser(server);
    const login = await loginAs(server, user);
    const loggedInAt = server.clock.now();
    server.clock.advance(5 * MINUTE);
    await server.request('GET', ME, { token: login.accessToken });
    const listed = await server.request('GET', SESSIONS, { token: login.accessToken });
    expect(listed.body.items[0].last_active_at).toBe(new Date(loggedInAt + 5 * MINUTE).toISOString());
    // Nothing was written per request; the job writes what it saw.
    expect((await server.ctx.repos.sessions.findById(login.sessionId))?.lastActiveAt).toBe(loggedInAt);
    await recordLastUse(server.ctx).run();
    expect((await server.ctx.repos.sessions.findById(login.sessionId))?.lastActiveAt).toBe(loggedInAt + 5 * MINUTE);
  });

  it('lists devices: one per client id, from logins with a device name', async () => {
    const user = await registerUser(server);
    const first = await loginAs(server, user, 'Work Laptop');
    server.clock.advance(MINUTE);
    await loginAs(server, user, 'work laptop');
    await loginAs(server, user, 'Phone');
    const response = await server.request('GET', '/api/v1/users/me/clients', { token: first.accessToken });
    expect(response.status).toBe(200);
    expect(response.body.total).toBe(2);
    const byId = Object.fromEntries(response.body.items.map((item: { client_id: string }) => [item.client_id, item]));
    const laptop = byId[`${user.id.slice(-6)}-work-laptop`];
    expect(laptop.first_seen_at < laptop.last_seen_at).toBe(true);
    expect(byId[`${user.id.slice(-6)}-phone`]).toMatchObject({ device_name: 'Phone' });
    const stranger = await loginAs(server, await registerUser(server));
    expect((await server.request('GET', '/api/v1/users/me/clients', { token: stranger.accessToken })).body.items).toEqual([
      expect.objectContaining({ client_id: expect.stringMatching(/-default$/) }),
    ]);
  });

  describe('with SESSION_IDLE_MINUTES=10', () => {
    let idle: TestServer;
    beforeAll(async () => {
      idle = await startTestServer({ dialect, env: { SESSION_IDLE_MINUTES: '10' } });
    });
    afterAll(() => idle.close());

    it('keeps a session in use alive and ends one left idle, for access and refresh tokens alike', async () => {
      const user = await registerUser(idle);
      const busy = await loginAs(idle, user);
      const quiet = await loginAs(idle, user);
      for (let i = 0; i < 3; i++) {
        idle.clock.advance(8 * MINUTE);
        expect((await idle.request('GET', ME, { token: busy.accessToken })).status).toBe(200);
      }
      // 24 minutes: the busy session is fine, the quiet one timed out.
      expectProblem(await idle.request('GET', ME, { token: quiet.accessToken }), 401, 'session_revoked');
      expect((await idle.request('POST', '/api/v1/auth/refresh', { json: { refresh_token: quiet.refreshToken } })).status).toBe(401);
      const refreshed = await idle.request('POST', '/api/v1/auth/refresh', { json: { refresh_token: busy.refreshToken } });
      expect(refreshed.status).toBe(200);
      // The refusal at refresh is recorded: the quiet session is revoked in the database.
      expect((await idle.ctx.repos.sessions.findById(quiet.sessionId))?.revokedAt).not.toBeNull();
    });
  });
});
