import { createConnection, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { issueWsTicket } from '../../src/domain/realtime/ws-tickets.js';
import { MemoryWsTickets } from '../../src/store/ws-tickets.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { expectProblem } from '../helpers/problems.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { type LoggedIn, loginAs, registerUser, type TestUser } from '../helpers/users.js';
import { type Message, openSocket, type TestSocket } from '../helpers/websocket.js';

const TICKET = '/api/v1/auth/ws-ticket';
const MINUTE = 60_000;
const isHello = (message: Message) => message.type === 'hello';

describeEachDatabase('WebSocket', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ dialect });
  });
  afterAll(() => server.close());

  async function loggedIn(deviceName?: string): Promise<{ user: TestUser; login: LoggedIn }> {
    const user = await registerUser(server);
    return { user, login: await loginAs(server, user, deviceName) };
  }

  async function ticketFor(login: LoggedIn): Promise<string> {
    const response = await server.request('POST', TICKET, { token: login.accessToken });
    expect(response.status, response.text).toBe(201);
    return response.body.ticket;
  }

  async function patchProfile(login: LoggedIn, changes: Record<string, string>): Promise<void> {
    const response = await server.request('PATCH', '/api/v1/users/me', { token: login.accessToken, json: changes });
    expect(response.status, response.text).toBe(200);
  }

  /** A socket of this login that has been greeted. */
  async function greeted(login: LoggedIn, query = ''): Promise<TestSocket> {
    const socket = openSocket(server, `token=${login.accessToken}${query}`);
    await socket.message(isHello);
    return socket;
  }

  it('greets with hello: the user, the client id of the device named in the URL, the session; the device is registered', async () => {
    const { user, login } = await loggedIn('Laptop');
    const socket = await greeted(login, `&device_name=${encodeURIComponent('Ada’s Tablet')}`);
    expect(socket.messages).toEqual([{ type: 'hello', user_id: user.id, client_id: `${user.id.slice(-6)}-ada-s-tablet`, session_id: login.sessionId }]);
    const clients = await server.request('GET', '/api/v1/users/me/clients', { token: login.accessToken });
    expect(clients.body.items).toContainEqual(expect.objectContaining({ client_id: `${user.id.slice(-6)}-ada-s-tablet`, device_name: 'Ada’s Tablet' }));
    socket.raw.close();
  });

  it('without device_name, connects as the device the session logged in from, and records the sighting', async () => {
    const { user, login } = await loggedIn('Laptop');
    server.clock.advance(MINUTE);
    const socket = await greeted(login);
    expect(socket.messages[0].client_id).toBe(`${user.id.slice(-6)}-laptop`);
    const clients = await server.request('GET', '/api/v1/users/me/clients', { token: login.accessToken });
    expect(clients.body.items).toEqual([expect.objectContaining({ client_id: `${user.id.slice(-6)}-laptop`, last_seen_at: new Date(server.clock.now()).toISOString() })]);
    socket.raw.close();
  });

  it('issues a single-use ticket (201, 30 s) that opens one socket for its session; of two racing upgrades exactly one wins', async () => {
    const { user, login } = await loggedIn('Phone');
    const response = await server.request('POST', TICKET, { token: login.accessToken });
    expect(response.status).toBe(201);
    expect(Object.keys(response.body).sort()).toEqual(['expires_in', 'ticket']);
    expect(response.body.expires_in).toBe(30);
    expect(response.body.ticket).toMatch(/^wst_[A-Za-z0-9_-]{43}$/);

    const socket = openSocket(server, `ticket=${response.body.ticket}`);
    expect(await socket.outcome()).toBe('hello');
    expect(socket.messages[0]).toEqual({ type: 'hello', user_id: user.id, client_id: `${user.id.slice(-6)}-phone`, session_id: login.sessionId });
    expect(await openSocket(server, `ticket=${response.body.ticket}`).outcome()).toBe('1008 invalid_token');

    const raced = await ticketFor(login);
    const outcomes = await Promise.all([openSocket(server, `ticket=${raced}`), openSocket(server, `ticket=${raced}`)].map((racer) => racer.outcome()));
    expect(outcomes.sort()).toEqual(['1008 invalid_token', 'hello']);

    expectProblem(await server.request('POST', TICKET), 401, 'not_authenticated');
    expectProblem(await server.request('POST', TICKET, { token: login.refreshToken }), 401, 'invalid_token');
    socket.raw.close();
  });

  it('gives a ticket to a login session only: an API key has no session to bind it to (403)', async () => {
    const { login } = await loggedIn();
    const created = await server.request('POST', '/api/v1/auth/api-keys', { token: login.accessToken, json: { name: 'ci' } });
    expect(created.status, created.text).toBe(201);
    expectProblem(await server.request('POST', TICKET, { headers: { 'x-api-key': created.body.key } }), 403, 'forbidden');
  });

  it('keeps only the keyed hash of a ticket', async () => {
    const tickets = new MemoryWsTickets();
    const { ticket } = await issueWsTicket(server.ctx, tickets, { userId: 'user-1', sessionId: 'session-1' });
    expect(await tickets.take(ticket, server.clock.now())).toBeUndefined();
    expect(await tickets.take(server.ctx.secrets.hashToken(ticket), server.clock.now())).toMatchObject({ userId: 'user-1', sessionId: 'session-1' });
  });

  it('refuses a ticket after 30 s, one whose session has ended, and one whose account may no longer be served', async () => {
    const { user, login } = await loggedIn();
    const late = await ticketFor(login);
    const punctual = await ticketFor(login);
    server.clock.advance(29_000);
    expect(await openSocket(server, `ticket=${punctual}`).outcome()).toBe('hello');
    server.clock.advance(2_000);
    expect(await openSocket(server, `ticket=${late}`).outcome()).toBe('1008 invalid_token');

    const orphan = await ticketFor(login);
    await server.request('POST', '/api/v1/auth/logout', { token: login.accessToken });
    expect(await openSocket(server, `ticket=${orphan}&device_name=ghost`).outcome()).toBe('1008 session_revoked');
    const other = await loginAs(server, user);
    const clients = await server.request('GET', '/api/v1/users/me/clients', { token: other.accessToken });
    expect(clients.body.items.map((client: { device_name: string }) => client.device_name)).not.toContain('ghost');

    // A suspension by the API also ends the sessions; this one, made elsewhere, leaves them for the account check.
    const refused = await ticketFor(other);
    await suspendWithoutRevoking(server, user.id);
    expect(await openSocket(server, `ticket=${refused}`).outcome()).toBe('1008 account_suspended');
  });

  it('accepts the upgrade and closes it at once with 1008 and the error code without valid credentials', async () => {
    const { login } = await loggedIn();
    const cases: Array<[query: string, outcome: string]> = [
      ['', '1008 not_authenticated'],
      ['device_name=phone', '1008 not_authenticated'],
      ['token=', '1008 invalid_token'],
      ['token=not.a.jwt', '1008 invalid_token'],
      [`token=${login.refreshToken}`, '1008 invalid_token'],
      [`token=${login.accessToken}&token=${login.accessToken}`, '1008 invalid_token'],
      [`ticket=wst_${randomBytes(32).toString('base64url')}`, '1008 invalid_token'],
      // The ticket is the credential when one is sent: a valid token beside a bad ticket does not rescue it.
      [`ticket=wst_${randomBytes(32).toString('base64url')}&token=${login.accessToken}`, '1008 invalid_token'],
      [`token=${login.accessToken}&device_name=${'x'.repeat(101)}`, '1008 validation_failed'],
      [`token=${login.accessToken}&device_name=a&device_name=b`, '1008 validation_failed'],
    ];
    for (const [query, outcome] of cases) {
      const socket = openSocket(server, query);
      expect(await socket.outcome(), query).toBe(outcome);
      expect(socket.messages, query).toEqual([]);
    }
    expect(await openSocket(server, `token=${login.accessToken}&device_name=${'x'.repeat(100)}`).outcome()).toBe('hello');

    const expiring = await loggedIn();
    server.clock.advance(31 * MINUTE);
    expect(await openSocket(server, `token=${expiring.login.accessToken}`).outcome()).toBe('1008 token_expired');
  });

  it('on logout of its session, sends session.revoked and closes with 1008 within a second', async () => {
    const { login } = await loggedIn();
    const socket = await greeted(login);
    const started = performance.now();
    expect((await server.request('POST', '/api/v1/auth/logout', { token: login.accessToken })).status).toBe(200);
    expect(await socket.closed(1000)).toEqual({ code: 1008, reason: 'session_revoked' });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(socket.messages.slice(1)).toEqual([{ type: 'session.revoked', session_id: login.sessionId }]);
  });

  it('ends a connection whose session is revoked while the connection is being set up', async () => {
    const { login } = await loggedIn();
    const sockets = Array.from({ length: 20 }, (_, i) => openSocket(server, `token=${login.accessToken}&device_name=racer-${i}`));
    await Promise.any(sockets.map((socket) => socket.message(isHello)));
    await server.request('POST', '/api/v1/auth/logout', { token: login.accessToken });
    for (const socket of sockets) expect(await socket.closed()).toEqual({ code: 1008, reason: 'session_revoked' });
  });

  it('tells of the revocation of another of the user’s sessions without closing', async () => {
    const { user, login } = await loggedIn();
    const other = await loginAs(server, user);
    const socket = await greeted(login);
    expect((await server.request('DELETE', `/api/v1/auth/sessions/${other.sessionId}`, { token: login.accessToken })).status).toBe(204);
    await socket.message((message) => message.type === 'session.revoked');
    await patchProfile(login, { display_name: 'Still here' });
    await socket.message((message) => message.type === 'user.updated');
    expect(socket.messages.slice(1)).toEqual([
      { type: 'session.revoked', session_id: other.sessionId },
      { type: 'user.updated', user_id: user.id },
    ]);
    expect(socket.raw.readyState).toBe(WebSocket.OPEN);
    socket.raw.close();
  });

  it('sends user.updated on a profile change, and closes with 1008 once the account may no longer be served', async () => {
    const { user, login } = await loggedIn();
    const socket = await greeted(login);
    await patchProfile(login, { display_name: 'Ada' });
    expect(await socket.message((message) => message.type === 'user.updated')).toEqual({ type: 'user.updated', user_id: user.id });
    expect(socket.raw.readyState).toBe(WebSocket.OPEN);

    await suspendWithoutRevoking(server, user.id);
    expect(await socket.closed()).toEqual({ code: 1008, reason: 'account_suspended' });
    expect(socket.messages.slice(1)).toEqual([
      { type: 'user.updated', user_id: user.id },
      { type: 'user.updated', user_id: user.id },
    ]);
  });

  it('never delivers another user’s events', async () => {
    const { user, login } = await loggedIn();
    const socket = await greeted(login);
    const stranger = await loggedIn();
    const strangerSocket = await greeted(stranger.login);
    await patchProfile(stranger.login, { display_name: 'Stranger' });
    await server.request('DELETE', `/api/v1/auth/sessions/${(await loginAs(server, stranger.user)).sessionId}`, { token: stranger.login.accessToken });
    await server.request('POST', '/api/v1/auth/logout', { token: stranger.login.accessToken });
    await strangerSocket.closed();
    // Events reach sockets in the order they happen: once this one has arrived, any earlier one would have too.
    await patchProfile(login, { display_name: 'Marker' });
    await socket.message((message) => message.type === 'user.updated');
    expect(socket.messages.slice(1)).toEqual([{ type: 'user.updated', user_id: user.id }]);
    socket.raw.close();
  });

  it('ignores what the client sends, in frames of at most 4 KiB (a larger one closes with 1009)', async () => {
    const { login } = await loggedIn();
    const socket = await greeted(login);
    socket.raw.send('hello, server');
    socket.raw.send('x'.repeat(4096));
    await patchProfile(login, { display_name: 'Chatty' });
    await socket.message((message) => message.type === 'user.updated');
    expect(socket.raw.readyState).toBe(WebSocket.OPEN);
    socket.raw.send('x'.repeat(4097));
    expect((await socket.closed()).code).toBe(1009);
    // The client's fault, not the server's: an error-level line per bad frame would let anyone flood the alerts.
    const logged = server.logs.map((line) => JSON.parse(line)).filter((line) => line.err?.message === 'Max payload size exceeded');
    expect(logged.map((line) => line.level)).toEqual([30]);
  });

  it('keeps tokens and tickets out of the logs', async () => {
    const { login } = await loggedIn();
    const ticket = await ticketFor(login);
    const byTicket = openSocket(server, `ticket=${ticket}`);
    const byToken = openSocket(server, `token=${login.accessToken}`);
    expect([await byTicket.outcome(), await byToken.outcome()]).toEqual(['hello', 'hello']);
    const logs = server.logs.join('\n');
    expect(logs).toContain('"url":"/ws?ticket=[REDACTED]"');
    expect(logs).toContain('"url":"/ws?token=[REDACTED]"');
    expect(logs).not.toContain(ticket);
    expect(logs).not.toContain(login.accessToken);
    byTicket.raw.close();
    byToken.raw.close();
  });

  describe('when the server fails', () => {
    let failing: TestServer;
    beforeAll(async () => {
      failing = await startTestServer({ dialect });
    });
    afterAll(() => failing.close());

    it('closes with 1011, telling nothing of the cause, on connecting and when an account cannot be rechecked', async () => {
      const user = await registerUser(failing);
      const login = await loginAs(failing, user);
      const socket = openSocket(failing, `token=${login.accessToken}`);
      await socket.message(isHello);
      await failing.database.close();

      expect(await openSocket(failing, `token=${login.accessToken}&device_name=new`).outcome()).toBe('1011 internal_error');
      // As from another instance: the user changed, and the database that would say how is gone.
      await failing.ctx.events.publish({ type: 'user.changed', userId: user.id });
      expect(await socket.closed()).toEqual({ code: 1011, reason: 'internal_error' });
      expect(failing.logs.filter((line) => line.includes('WebSocket connection failed'))).toHaveLength(2);
    });
  });

  describe('on shutdown', () => {
    it('closes open sockets with 1001 at once, cuts off a client that never answers, and is not held by stray upgrades', async () => {
      const closing = await startTestServer({ dialect });
      const login = await loginAs(closing, await registerUser(closing));
      const socket = openSocket(closing, `token=${login.accessToken}`);
      await socket.message(isHello);
      const silent = await silentClient(closing, `/ws?token=${login.accessToken}`);
      // Upgrades of paths without a WebSocket handler are refused and their sockets released.
      const strays = ['/health', '/nowhere', '/api/v1/auth/me'].map((path) => new WebSocket(closing.url.replace('http', 'ws') + path));
      await Promise.all(strays.map((stray) => new Promise((resolve) => stray.on('error', resolve).on('close', resolve))));

      const started = performance.now();
      await closing.close();
      expect(performance.now() - started).toBeLessThan(3000);
      expect(await socket.closed(100)).toEqual({ code: 1001, reason: 'shutting_down' });
      await silent.closed;
    });
  });
});

/** As an administrator's change made on another instance would: the account is suspended, its sessions left alone. */
async function suspendWithoutRevoking(server: TestServer, userId: string): Promise<void> {
  await server.ctx.repos.users.setSuspension(userId, { suspended: true, reason: null, until: null }, server.clock.now());
  await server.ctx.events.publish({ type: 'user.changed', userId });
}

/** A client that completes the upgrade and then never answers, not even a close frame: a phone gone out of range. */
function silentClient(server: TestServer, path: string): Promise<{ closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket: Socket = createConnection({ host: '127.0.0.1', port: Number(new URL(server.url).port) });
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.on('error', () => undefined);
    socket.once('connect', () =>
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      ),
    );
    socket.once('data', (chunk) => (String(chunk).startsWith('HTTP/1.1 101') ? resolve({ closed }) : reject(new Error(String(chunk)))));
  });
}
