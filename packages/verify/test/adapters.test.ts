import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as expressAdapter from '../src/express.js';
import * as fastifyAdapter from '../src/fastify.js';
import * as honoAdapter from '../src/hono.js';
import type { Verifier } from '../src/index.js';
import { type Account, introspectionKey, signIn, startGatehouse, type TestServer, verifierFor } from './helpers/gatehouse.js';

/**
 * The same small resource server written with each adapter — `/public` (no guard), `/me` (requireCaller),
 * `/admin` (requireRole('admin')) — and the same expectations over real HTTP against real Gatehouse tokens.
 */

interface ResourceServer {
  readonly url: string;
  close(): Promise<void>;
}

async function fastifyServer(verifier: Verifier, introspect = false): Promise<ResourceServer> {
  const app = Fastify();
  await app.register(fastifyAdapter.gatehouse, { verifier, introspect });
  app.get('/public', async (request) => ({ caller: request.caller }));
  app.get('/me', { preHandler: fastifyAdapter.requireCaller }, async (request) => ({ caller: request.caller }));
  app.get('/admin', { preHandler: fastifyAdapter.requireRole('admin') }, async (request) => ({ caller: request.caller }));
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url, close: () => app.close() };
}

async function expressServer(verifier: Verifier): Promise<ResourceServer> {
  const app = express();
  app.use(expressAdapter.gatehouseExpress({ verifier }));
  app.get('/public', (req, res) => {
    res.json({ caller: req.caller });
  });
  app.get('/me', expressAdapter.requireCaller, (req, res) => {
    res.json({ caller: req.caller });
  });
  app.get('/admin', expressAdapter.requireRole('admin'), (req, res) => {
    res.json({ caller: req.caller });
  });
  const server = await new Promise<ReturnType<typeof app.listen>>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function honoServer(verifier: Verifier): Promise<ResourceServer> {
  const app = new Hono<honoAdapter.GatehouseEnv>();
  app.use(honoAdapter.gatehouseHono({ verifier }));
  app.get('/public', (c) => c.json({ caller: c.get('caller') }));
  app.get('/me', honoAdapter.requireCaller, (c) => c.json({ caller: c.get('caller') }));
  app.get('/admin', honoAdapter.requireRole('admin'), (c) => c.json({ caller: c.get('caller') }));
  const { server, port } = await new Promise<{ server: ReturnType<typeof serve>; port: number }>((resolve) => {
    const listening = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => resolve({ server: listening, port: info.port }));
  });
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const ADAPTERS: ReadonlyArray<readonly [string, (verifier: Verifier) => Promise<ResourceServer>]> = [
  ['Fastify plugin', fastifyServer],
  ['Express middleware', expressServer],
  ['Hono middleware', honoServer],
];

describe.each(ADAPTERS)('%s', (_name, start) => {
  let gatehouse: TestServer;
  let resource: ResourceServer;
  let user: Account;
  let admin: Account;

  const get = async (path: string, authorization?: string) => {
    const response = await fetch(resource.url + path, { headers: authorization === undefined ? {} : { authorization } });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, any> };
  };

  function expectProblem(response: Awaited<ReturnType<typeof get>>, status: 401 | 403, code: string): void {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.body).toEqual({ type: 'about:blank', title: status === 401 ? 'Unauthorized' : 'Forbidden', status, detail: expect.any(String), code });
  }

  beforeAll(async () => {
    gatehouse = await startGatehouse();
    resource = await start(verifierFor(gatehouse));
    user = await signIn(gatehouse, 'user');
    admin = await signIn(gatehouse, 'admin');
  });
  afterAll(async () => {
    await resource.close();
    await gatehouse.close();
  });

  it('answers 401 not_authenticated without a token, with WWW-Authenticate: Bearer', async () => {
    const response = await get('/me');
    expectProblem(response, 401, 'not_authenticated');
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('answers 401 invalid_token for a bad token, naming the error in WWW-Authenticate', async () => {
    const [header, , signature] = user.accessToken.split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ sub: user.id, role: 'admin' })).toString('base64url')}.${signature}`;
    for (const authorization of [`Bearer ${forged}`, 'Bearer not-a-jwt', 'Bearer ']) {
      const response = await get('/admin', authorization);
      expectProblem(response, 401, 'invalid_token');
      expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    }
  });

  it('answers 200 with the caller for a real token', async () => {
    const response = await get('/me', `Bearer ${user.accessToken}`);
    expect(response.status).toBe(200);
    expect(response.body.caller).toEqual({ userId: user.id, sessionId: user.sessionId, role: 'user', scopes: ['read', 'write'] });
  });

  it('answers 403 forbidden from requireRole for a caller without the role, 200 for one with it', async () => {
    expectProblem(await get('/admin', `Bearer ${user.accessToken}`), 403, 'forbidden');
    const response = await get('/admin', `Bearer ${admin.accessToken}`);
    expect(response.status).toBe(200);
    expect(response.body.caller).toMatchObject({ userId: admin.id, role: 'admin' });
  });

  it('refuses nothing on an unguarded route: a bad or missing token is just no caller', async () => {
    expect(await get('/public', 'Bearer not-a-jwt')).toMatchObject({ status: 200, body: { caller: null } });
    expect(await get('/public')).toMatchObject({ status: 200, body: { caller: null } });
    expect(await get('/public', `Bearer ${user.accessToken}`)).toMatchObject({ status: 200, body: { caller: { userId: user.id } } });
  });
});

describe('Fastify plugin with introspect: true', () => {
  let gatehouse: TestServer;
  let resource: ResourceServer;

  beforeAll(async () => {
    gatehouse = await startGatehouse();
    resource = await fastifyServer(verifierFor(gatehouse, { introspection: { apiKey: await introspectionKey(gatehouse) } }), true);
  });
  afterAll(async () => {
    await resource.close();
    await gatehouse.close();
  });

  it('refuses a token as soon as its session is revoked', async () => {
    const user = await signIn(gatehouse, 'user');
    const me = () => fetch(`${resource.url}/me`, { headers: { authorization: `Bearer ${user.accessToken}` } });
    expect((await me()).status).toBe(200);
    expect((await gatehouse.request('POST', '/api/v1/auth/logout', { token: user.accessToken })).status).toBe(200);
    const refused = await me();
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { code: string }).code).toBe('session_revoked');
  });

  it('does not take a WebSocket ticket as a bearer token (it opens one socket, nothing else), and leaves it unspent', async () => {
    const user = await signIn(gatehouse, 'user');
    const issued = await gatehouse.request('POST', '/api/v1/auth/ws-ticket', { token: user.accessToken });
    expect(issued.status, issued.text).toBe(201);
    const refused = await fetch(`${resource.url}/me`, { headers: { authorization: `Bearer ${issued.body.ticket}` } });
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { code: string }).code).toBe('invalid_token');
    const introspector = verifierFor(gatehouse, { introspection: { apiKey: await introspectionKey(gatehouse) } });
    expect(await introspector.redeemTicket(issued.body.ticket)).toMatchObject({ userId: user.id });
  });
});
