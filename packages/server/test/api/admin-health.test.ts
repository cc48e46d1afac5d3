import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERSION } from '../../src/version.js';
import { loginAdmin } from '../helpers/admin.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { unusedPort } from '../helpers/ports.js';
import { expectProblem } from '../helpers/problems.js';
import { describeWithRedis } from '../helpers/redis.js';
import { type HttpResponse, startMailingServer, startTestServer, type TestServer, type TestServerOptions } from '../helpers/test-server.js';
import { loginAs, registerUser } from '../helpers/users.js';

/**
 * GET /api/v1/admin/health (API.md "/admin/health"): database, Redis and mail status, uptime, version, memory and
 * event-loop lag, for holders of `system:read` (admins, and their keys with the `admin` scope). A dependency that
 * is down is reported in a 200, never turned into a 5xx.
 */

const HEALTH = '/api/v1/admin/health';
const ADMIN = { email: 'health-admin@example.com', password: 'health suite admin passphrase' };
const ENV = { RATE_LIMIT_ENABLED: 'false', ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password };

async function adminHealth(server: TestServer): Promise<HttpResponse> {
  const { accessToken } = await loginAdmin(server, ADMIN);
  const response = await server.request('GET', HEALTH, { token: accessToken });
  expect(response.status, response.text).toBe(200);
  return response;
}

/** Runs `check` against a server started with these options, and always closes it. */
async function withServer(options: TestServerOptions, check: (server: TestServer) => Promise<void>): Promise<void> {
  const server = await startTestServer({ ...options, env: { ...ENV, ...options.env } });
  try {
    await check(server);
  } finally {
    await server.close();
  }
}

describeEachDatabase('GET /api/v1/admin/health', (dialect) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ dialect, env: ENV });
  });
  afterAll(() => server.close());

  it('answers 401 to an anonymous caller and 403 to a user', async () => {
    expectProblem(await server.request('GET', HEALTH), 401, 'not_authenticated');
    const user = await loginAs(server, await registerUser(server));
    expectProblem(await server.request('GET', HEALTH, { token: user.accessToken }), 403, 'forbidden');
  });

  it('gives an admin every part: status, version, uptime, database, Redis, mail, memory, event-loop lag, and nothing else', async () => {
    const { body } = await adminHealth(server);
    expect(Object.keys(body).sort()).toEqual(['database', 'event_loop_lag_ms', 'mail', 'memory', 'redis', 'status', 'uptime_seconds', 'version']);
    expect(body).toEqual({
      status: 'ok',
      version: VERSION,
      uptime_seconds: expect.any(Number),
      database: { status: 'ok', latency_ms: expect.any(Number) },
      // Neither is configured on this server: reported as such, not as a failure.
      redis: { status: 'disabled' },
      mail: { status: 'disabled' },
      memory: { rss_bytes: expect.any(Number), heap_used_bytes: expect.any(Number), heap_total_bytes: expect.any(Number) },
      event_loop_lag_ms: expect.any(Number),
    });
    expect(Number.isInteger(body.uptime_seconds) && body.uptime_seconds >= 0).toBe(true);
    expect(body.database.latency_ms).toBeGreaterThanOrEqual(0);
    expect(body.memory.rss_bytes).toBeGreaterThan(body.memory.heap_used_bytes);
    expect(body.memory.heap_total_bytes).toBeGreaterThanOrEqual(body.memory.heap_used_bytes);
    expect(body.memory.heap_used_bytes).toBeGreaterThan(0);
    expect(body.event_loop_lag_ms).toBeGreaterThanOrEqual(0);
  });

  it("answers an admin's API key with the admin scope, and refuses one without it", async () => {
    const { accessToken } = await loginAdmin(server, ADMIN);
    const key = async (scopes: string[]) => {
      const response = await server.request('POST', '/api/v1/auth/api-keys', { token: accessToken, json: { name: `health ${scopes.join(' ')}`, scopes } });
      expect(response.status, response.text).toBe(201);
      return response.body.key as string;
    };
    const withAdmin = await server.request('GET', HEALTH, { headers: { 'x-api-key': await key(['read', 'admin']) } });
    expect(withAdmin.status, withAdmin.text).toBe(200);
    expect(withAdmin.body.database.status).toBe('ok');
    expectProblem(await server.request('GET', HEALTH, { headers: { 'x-api-key': await key(['read', 'write']) } }), 403, 'forbidden');
  });

  it('is in the OpenAPI document with its response schema', async () => {
    const { body } = await server.request('GET', '/openapi.json');
    const schema = body.paths['/api/v1/admin/health'].get.responses['200'].content['application/json'].schema;
    expect(Object.keys(schema.properties).sort()).toEqual(['database', 'event_loop_lag_ms', 'mail', 'memory', 'redis', 'status', 'uptime_seconds', 'version']);
    expect(Object.keys(body.paths['/metrics'].get.responses)).toEqual(expect.arrayContaining(['200', '401']));
  });
});

describe('GET /api/v1/admin/health with a dependency down', () => {
  it('reports Redis as error (and the whole as degraded) when Redis cannot be reached, with a 200', async () => {
    await withServer({ env: { REDIS_URL: `redis://127.0.0.1:${await unusedPort()}` } }, async (server) => {
      const { body } = await adminHealth(server);
      expect(body.status).toBe('degraded');
      expect(body.redis).toEqual({ status: 'error', latency_ms: expect.any(Number) });
      expect(body.database.status).toBe('ok');
    });
  });

  it('reports mail as error (degraded) when the SMTP server refuses connections, with a 200', async () => {
    await withServer({ env: { SMTP_URL: `smtp://127.0.0.1:${await unusedPort()}` } }, async (server) => {
      const { body } = await adminHealth(server);
      expect(body.status).toBe('degraded');
      expect(body.mail).toEqual({ status: 'error' });
    });
  });

  it('reports the database as error (unavailable) once it is gone, with a 200 to an admin already known', async () => {
    await withServer({}, async (server) => {
      const { accessToken } = await loginAdmin(server, ADMIN);
      // The admin's status is cached from this request on; authenticating needs no database round trip after it.
      expect((await server.request('GET', HEALTH, { token: accessToken })).body.database.status).toBe('ok');
      await server.database.close();
      const response = await server.request('GET', HEALTH, { token: accessToken });
      expect(response.status, response.text).toBe(200);
      expect(response.body.status).toBe('unavailable');
      expect(response.body.database).toEqual({ status: 'error', latency_ms: expect.any(Number) });
    });
  });
});

describe('GET /api/v1/admin/health with SMTP configured', () => {
  it('reports mail ok when the SMTP server accepts a connection, and sends it no mail to find out', async () => {
    const mailing = await startMailingServer({ env: ENV });
    try {
      const { body } = await adminHealth(mailing.server);
      expect(body.mail).toEqual({ status: 'ok' });
      expect(body.status).toBe('ok');
      // Asked again within the minute: the verdict is reused.
      expect((await adminHealth(mailing.server)).body.mail).toEqual({ status: 'ok' });
      expect(mailing.smtp.mails).toEqual([]);
    } finally {
      await mailing.close();
    }
  });
});

describeWithRedis('GET /api/v1/admin/health', (redisUrl) => {
  it('reports Redis ok with its latency when it answers', async () => {
    await withServer({ env: { REDIS_URL: redisUrl } }, async (server) => {
      const { body } = await adminHealth(server);
      expect(body.redis).toEqual({ status: 'ok', latency_ms: expect.any(Number) });
      expect(body.status).toBe('ok');
    });
  });
});
