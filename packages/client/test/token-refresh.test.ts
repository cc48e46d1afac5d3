import { afterAll, beforeAll, expect, it } from 'vitest';
import { GatehouseError } from '../src/index.js';
import { clientOf, describeEachDatabase, MINUTE, NO_LIMITS, recordingFetch, signedInClient, startTestServer, type TestServer } from './helpers/gatehouse.js';

const ME = 'GET /api/v1/auth/me';
const REFRESH = 'POST /api/v1/auth/refresh';
// Access tokens live 30 minutes; the server accepts them for 30 s of skew after that.
const PAST_EXPIRY = 31 * MINUTE;

describeEachDatabase('automatic refresh against a real Gatehouse', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ dialect, env: NO_LIMITS });
  });
  afterAll(() => server.close());

  it('refreshes before expiry when its own clock says the token is within the leeway, so no call sees a 401', async () => {
    const recorder = recordingFetch();
    const { client } = await signedInClient(server, { fetch: recorder.fetch, refreshLeewaySeconds: 60 });
    const before = await client.tokens();
    // Both clocks move together to 30 s before exp: still valid for the server, inside the client's 60 s leeway.
    server.clock.advance(29.5 * MINUTE);
    const me = await client.me();
    expect(me.email).toBeTruthy();
    expect(recorder.log.slice(1)).toEqual([`${REFRESH} 200`, `${ME} 200`]);
    const after = await client.tokens();
    expect(after?.access_token).not.toBe(before?.access_token);
    expect(after?.refresh_token).not.toBe(before?.refresh_token);
    expect(after?.session_id).toBe(before?.session_id);
  });

  it('does not refresh while the token is outside the leeway', async () => {
    const recorder = recordingFetch();
    const { client } = await signedInClient(server, { fetch: recorder.fetch, refreshLeewaySeconds: 60 });
    server.clock.advance(28 * MINUTE);
    await client.me();
    expect(recorder.count(REFRESH)).toBe(0);
  });

  it('refreshes once after a 401 token_expired and retries the call once, when only the server knows the time', async () => {
    const recorder = recordingFetch();
    const clientNow = server.clock.now();
    const { client } = await signedInClient(server, { fetch: recorder.fetch, now: () => clientNow });
    server.clock.advance(PAST_EXPIRY);
    const me = await client.me();
    expect(me.id).toBeTruthy();
    expect(recorder.log.slice(1)).toEqual([`${ME} 401`, `${REFRESH} 200`, `${ME} 200`]);
  });

  it('does not refresh after a 401 that a new token cannot cure (session_revoked)', async () => {
    const recorder = recordingFetch();
    const { client, user } = await signedInClient(server, { fetch: recorder.fetch });
    const other = clientOf(server);
    await other.login({ username: user.email, password: user.password });
    await other.sessions.revokeOthers();
    const error = await client.me().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GatehouseError);
    expect(error).toMatchObject({ status: 401, code: 'session_revoked' });
    expect(recorder.count(REFRESH)).toBe(0);
  });

  for (const variant of [
    { name: 'the client sees the expiry coming', clientClockMoves: true, first: `${REFRESH} 200` },
    { name: 'every call meets a 401 first', clientClockMoves: false, first: `${ME} 401` },
  ]) {
    it(`shares one refresh among 10 concurrent calls (${variant.name}), and the session stays alive`, async () => {
      const recorder = recordingFetch();
      let clientNow = server.clock.now();
      const { client } = await signedInClient(server, { fetch: recorder.fetch, now: () => clientNow });
      const before = await client.tokens();
      server.clock.advance(PAST_EXPIRY);
      if (variant.clientClockMoves) clientNow = server.clock.now();

      const answers = await Promise.all(Array.from({ length: 10 }, () => client.me()));
      expect(new Set(answers.map((user) => user.id)).size).toBe(1);
      expect(recorder.count(REFRESH)).toBe(1);
      expect(recorder.log[1]).toBe(variant.first);
      expect(recorder.log.filter((line) => line === `${ME} 200`)).toHaveLength(10);

      // Two refreshes with one token would trip reuse detection and revoke the session: it is alive and current.
      const sessions = await client.sessions.list();
      expect(sessions.items).toHaveLength(1);
      expect(sessions.items[0]).toMatchObject({ id: before?.session_id, current: true });
      expect((await client.tokens())?.session_id).toBe(before?.session_id);
    });
  }

  it('uses the token another call refreshed meanwhile when a late 401 arrives, instead of refreshing again', async () => {
    const recorder = recordingFetch();
    let holding: (() => void) | undefined;
    const held = new Promise<void>((resolve) => {
      holding = resolve;
    });
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    // Holds back the first 401 until the test lets it through: the order of events is fixed, not timed.
    const gated: typeof fetch = async (input, init) => {
      const response = await recorder.fetch(input, init);
      if (response.status === 401 && holding) {
        const reached = holding;
        holding = undefined;
        reached();
        await released;
      }
      return response;
    };
    const clientNow = server.clock.now();
    const { client } = await signedInClient(server, { fetch: gated, now: () => clientNow });
    server.clock.advance(PAST_EXPIRY);
    const late = client.me();
    await held;
    await client.me();
    release();
    await late;
    expect(recorder.count(REFRESH)).toBe(1);
    expect(recorder.log.filter((line) => line === `${ME} 200`)).toHaveLength(2);
  });

  it('clears the stored tokens and throws the server’s code when the refresh is refused', async () => {
    const { client, user } = await signedInClient(server);
    const other = clientOf(server);
    await other.login({ username: user.email, password: user.password });
    await other.sessions.revokeOthers();
    server.clock.advance(PAST_EXPIRY);
    const error = await client.me().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GatehouseError);
    expect(error).toMatchObject({ status: 401, code: 'invalid_refresh_token' });
    expect(await client.tokens()).toBeNull();
    // Signed out now: the next call goes out without credentials.
    await expect(client.me()).rejects.toMatchObject({ status: 401, code: 'not_authenticated' });
  });

  it('client.fetch adds the bearer token and refreshes and retries on a 401 like every other call', async () => {
    const recorder = recordingFetch();
    const clientNow = server.clock.now();
    const { client, user } = await signedInClient(server, { fetch: recorder.fetch, now: () => clientNow });
    server.clock.advance(PAST_EXPIRY);
    const response = await client.fetch(`${server.url}/api/v1/users/me`, { headers: { accept: 'application/json' } });
    expect(response.status).toBe(200);
    expect((await response.json()).email).toBe(user.email);
    expect(recorder.log.slice(1)).toEqual(['GET /api/v1/users/me 401', `${REFRESH} 200`, 'GET /api/v1/users/me 200']);
    // A Request object with a body can be replayed too (the SDK sends clones).
    server.clock.advance(PAST_EXPIRY);
    const patched = await client.fetch(
      new Request(`${server.url}/api/v1/users/me`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ display_name: 'Retried' }) }),
    );
    expect(patched.status).toBe(200);
    expect((await patched.json()).display_name).toBe('Retried');
    expect(recorder.count(REFRESH)).toBe(2);
  });

  it('client.fetch answers other failures as they are, without throwing', async () => {
    const { client } = await signedInClient(server);
    const response = await client.fetch(`${server.url}/api/v1/admin/stats`);
    expect(response.status).toBe(403);
  });
});
