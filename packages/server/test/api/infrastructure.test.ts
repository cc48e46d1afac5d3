import { createServer } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../helpers/databases.js';
import { describeWithRedis } from '../helpers/redis.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { loginAs, registerUser } from '../helpers/users.js';

describeEachDatabase('health, discovery and docs', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ dialect });
  });
  afterAll(() => server.close());

  it('answers liveness on /health and /api/v1/health', async () => {
    for (const path of ['/health', '/api/v1/health']) {
      const response = await server.request('GET', path);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ status: 'ok' });
    }
  });

  it('reports readiness with the database checked and Redis disabled when not configured', async () => {
    const response = await server.request('GET', '/health/ready');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok', checks: { db: 'ok', redis: 'disabled' } });
  });

  it('publishes the signing key as a JWKS that verifies issued tokens', async () => {
    const { createLocalJWKSet, jwtVerify } = await import('jose');
    const jwks = await server.request('GET', '/.well-known/jwks.json');
    expect(jwks.status).toBe(200);
    expect(jwks.headers.get('cache-control')).toBe('public, max-age=300');
    expect(jwks.body.keys).toHaveLength(1);
    expect(jwks.body.keys[0]).toEqual({ kty: 'OKP', crv: 'Ed25519', x: expect.any(String), kid: expect.any(String), alg: 'EdDSA', use: 'sig' });
    expect(JSON.stringify(jwks.body)).not.toMatch(/"d"/);
    const { accessToken } = await loginAs(server, await registerUser(server));
    const { payload } = await jwtVerify(accessToken, createLocalJWKSet(jwks.body), {
      issuer: 'http://gatehouse.test',
      audience: 'gatehouse',
      typ: 'at+jwt',
      currentDate: new Date(server.clock.now()),
    });
    expect(payload.sub).toBeTruthy();
  });

  it('serves an OpenID discovery document built from PUBLIC_URL, not the Host header', async () => {
    const response = await server.request('GET', '/.well-known/openid-configuration', {
      headers: { host: 'evil.example', 'x-forwarded-host': 'evil.example' },
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      issuer: 'http://gatehouse.test',
      jwks_uri: 'http://gatehouse.test/.well-known/jwks.json',
      token_endpoint: 'http://gatehouse.test/api/v1/auth/login/form',
    });
    expect(response.text).not.toContain('evil.example');
  });

  it('generates an OpenAPI 3.1 document covering every route, with strict request bodies', async () => {
    const response = await server.request('GET', '/openapi.json');
    expect(response.status).toBe(200);
    expect(response.body.openapi).toBe('3.1.0');
    const paths = response.body.paths as Record<
      string,
      Record<string, { requestBody?: { content: Record<string, { schema: { additionalProperties?: boolean } }> } }>
    >;
    for (const path of [
      '/api/v1/auth/register',
      '/api/v1/auth/login',
      '/api/v1/auth/login/form',
      '/api/v1/auth/refresh',
      '/api/v1/auth/logout',
      '/api/v1/auth/me',
      '/api/v1/users/me',
      '/health',
      '/health/ready',
      '/.well-known/jwks.json',
    ]) {
      expect(paths[path], path).toBeDefined();
    }
    const register = paths['/api/v1/auth/register']?.post?.requestBody?.content['application/json']?.schema;
    expect(register?.additionalProperties).toBe(false);
    expect(JSON.stringify(response.body)).not.toMatch(/password_hash/);
  });

  it('serves interactive docs at /docs', async () => {
    const response = await server.request('GET', '/docs/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    expect(response.text).toMatch(/swagger/i);
  });
});

describeEachDatabase('readiness without a database', (dialect) => {
  it('answers 503 once the database is unreachable, while liveness stays 200', async () => {
    const server = await startTestServer({ dialect });
    try {
      await server.database.close();
      const ready = await server.request('GET', '/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body).toEqual({ status: 'unavailable', checks: { db: 'error', redis: 'disabled' } });
      expect((await server.request('GET', '/health')).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describeEachDatabase('internal failures', (dialect) => {
  it('answer a generic 5xx problem and log the cause with the request id, even above info level', async () => {
    const server = await startTestServer({ dialect, env: { LOG_LEVEL: 'warn' } });
    try {
      const { accessToken } = await loginAs(server, await registerUser(server));
      await server.database.close();
      const response = await server.request('GET', '/api/v1/auth/me', { token: accessToken });
      expect(response.status).toBeGreaterThanOrEqual(500);
      expect(response.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
      expect(response.body.code).toMatch(/^(internal_error|service_unavailable)$/);
      expect(response.text).not.toMatch(/destroyed|kysely|sqlite|pg|stack/i);
      const failure = server.logs.map((line) => JSON.parse(line)).find((entry) => entry.msg === 'request failed');
      expect(failure?.reqId).toEqual(expect.any(String));
      expect(failure?.err?.message).toBeTruthy();
    } finally {
      await server.close();
    }
  });
});

describeEachDatabase('logs', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ dialect, env: { LOG_LEVEL: 'trace' } });
  });
  afterAll(() => server.close());

  it('never contain passwords, tokens or hashes', async () => {
    const user = await registerUser(server, { password: 'a very secret passphrase' });
    const session = await loginAs(server, user);
    const refreshed = await server.request('POST', '/api/v1/auth/refresh', { json: { refresh_token: session.refreshToken } });
    await server.request('GET', '/api/v1/auth/me', { token: refreshed.body.access_token });
    await server.request('GET', `/api/v1/auth/me?token=${refreshed.body.access_token}&api_key=tk_abc`);
    await server.request('POST', '/api/v1/auth/login', { json: { username: user.email, password: 'a wrong secret passphrase' } });
    const log = server.logs.join('\n');
    expect(log).toContain('/api/v1/auth/me?token=[REDACTED]&api_key=[REDACTED]');
    for (const secret of [
      'a very secret passphrase',
      'a wrong secret passphrase',
      session.accessToken,
      session.refreshToken,
      refreshed.body.access_token,
      refreshed.body.refresh_token,
      'tk_abc',
      '$argon2id$',
    ]) {
      expect(log).not.toContain(secret);
    }
  });
});

/** A loopback port with nothing listening on it. */
async function deadPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describeWithRedis('readiness', (redisUrl) => {
  it('reports Redis ok when REDIS_URL answers', async () => {
    const server = await startTestServer({ env: { REDIS_URL: redisUrl } });
    try {
      const response = await server.request('GET', '/health/ready');
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ status: 'ok', checks: { db: 'ok', redis: 'ok' } });
    } finally {
      await server.close();
    }
  });

  it('stays ready but degraded, never 5xx, when Redis is unreachable', async () => {
    const server = await startTestServer({ env: { REDIS_URL: `redis://127.0.0.1:${await deadPort()}` } });
    try {
      const response = await server.request('GET', '/health/ready');
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ status: 'degraded', checks: { db: 'ok', redis: 'error' } });
      expect((await server.request('GET', '/health')).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
