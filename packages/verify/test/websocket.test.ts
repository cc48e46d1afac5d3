import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { type Verifier, VerifyError } from '../src/index.js';
import { authenticateUpgrade, closeForFailure } from '../src/websocket.js';
import { type Account, introspectionKey, signIn, startGatehouse, type TestServer, verifierFor } from './helpers/gatehouse.js';

/**
 * A real `ws` server authenticating each connection with authenticateUpgrade: the caller is sent as the first
 * message, a refusal closes the socket with 1008 and the error code as reason.
 */

type Outcome = { readonly caller: unknown } | { readonly code: number; readonly reason: string };

describe('WebSocket upgrade helper', () => {
  let gatehouse: TestServer;
  let verifier: Verifier;
  let wss: WebSocketServer;
  let wsUrl: string;
  let account: Account;

  function connect(query: string, headers: Record<string, string> = {}): Promise<Outcome> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`${wsUrl}/ws${query}`, { headers });
      socket.once('message', (data) => {
        resolve({ caller: JSON.parse(String(data)) });
        socket.close();
      });
      socket.once('close', (code, reason) => resolve({ code, reason: String(reason) }));
      socket.once('error', reject);
    });
  }

  async function ticket(): Promise<string> {
    const response = await gatehouse.request('POST', '/api/v1/auth/ws-ticket', { token: account.accessToken });
    expect(response.status, response.text).toBe(201);
    return response.body.ticket;
  }

  beforeAll(async () => {
    gatehouse = await startGatehouse();
    verifier = verifierFor(gatehouse, { introspection: { apiKey: await introspectionKey(gatehouse) } });
    account = await signIn(gatehouse, 'user');
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    wss.on('connection', (socket, request) => {
      authenticateUpgrade(verifier, { url: request.url ?? '/', headers: request.headers }).then(
        (caller) => socket.send(JSON.stringify(caller)),
        (error: unknown) => closeForFailure(socket, error),
      );
    });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    wsUrl = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    await gatehouse.close();
  });

  const expected = () => ({ caller: { userId: account.id, sessionId: account.sessionId, role: 'user', scopes: ['read', 'write'] } });

  it('accepts an access token in ?token=', async () => {
    expect(await connect(`?token=${encodeURIComponent(account.accessToken)}`)).toEqual(expected());
  });

  it('accepts an Authorization: Bearer header', async () => {
    expect(await connect('', { authorization: `Bearer ${account.accessToken}` })).toEqual(expected());
  });

  it('accepts a ticket in ?ticket=, redeemed once through introspection', async () => {
    const issued = await ticket();
    expect(await connect(`?ticket=${issued}`)).toEqual(expected());
    expect(await connect(`?ticket=${issued}`)).toEqual({ code: 1008, reason: 'invalid_token' });
  });

  it('closes with 1008 and the code for a bad token, a non-ticket in ?ticket= and no credential at all', async () => {
    expect(await connect('?token=not-a-jwt')).toEqual({ code: 1008, reason: 'invalid_token' });
    expect(await connect(`?ticket=${encodeURIComponent(account.accessToken)}`)).toEqual({ code: 1008, reason: 'invalid_token' });
    expect(await connect('?ticket=wst_forged')).toEqual({ code: 1008, reason: 'invalid_token' });
    expect(await connect('')).toEqual({ code: 1008, reason: 'not_authenticated' });
  });

  it('throws VerifyError to a caller of authenticateUpgrade', async () => {
    const error = await authenticateUpgrade(verifier, { url: '/ws?token=bad', headers: {} }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(VerifyError);
    expect(error).toMatchObject({ code: 'invalid_token', status: 401 });
  });

  it('closes with 1011 and no detail for an error that is not a refusal', () => {
    const closed: Array<[number | undefined, string | undefined]> = [];
    closeForFailure({ close: (code, reason) => closed.push([code, reason]) }, new Error('database password is hunter2'));
    expect(closed).toEqual([[1011, 'internal_error']]);
  });
});
