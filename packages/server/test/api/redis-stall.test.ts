import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithRedis } from '../helpers/redis.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { type LoggedIn, loginAs, registerUser, type TestUser } from '../helpers/users.js';

/**
 * A Redis that hangs (connection open, no answers) rather than goes away: commands give up after the client's
 * command timeout and the server answers from its own memory, instead of holding every request forever.
 */
describeWithRedis('a Redis that stops answering', (redisUrl) => {
  let proxy: TcpProxy;
  let server: TestServer;
  let user: TestUser;
  let session: LoggedIn;
  beforeAll(async () => {
    proxy = await startTcpProxy(redisUrl);
    server = await startTestServer({ env: { REDIS_URL: proxy.url, RATE_LIMIT_ENABLED: 'true' } });
    user = await registerUser(server);
    session = await loginAs(server, user);
  });
  afterAll(async () => {
    await server?.close();
    await proxy?.close();
  });

  it('still answers authenticated reads, logins and logouts, and readiness says degraded', { timeout: 30_000 }, async () => {
    proxy.stall();
    // Rate limits (Redis, memory as insurance), lockout counters and the events bus each meet the hang once.
    expect((await server.request('GET', '/api/v1/auth/me', { token: session.accessToken })).status).toBe(200);
    const again = await server.request('POST', '/api/v1/auth/login', { json: { username: user.email, password: user.password } });
    expect(again.status, again.text).toBe(200);
    expect((await server.request('POST', '/api/v1/auth/logout', { token: again.body.access_token })).status).toBe(200);
    expect((await server.request('GET', '/api/v1/auth/me', { token: again.body.access_token })).status).toBe(401);
    const ready = await server.request('GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'degraded', checks: { db: 'ok', redis: 'error' } });

    proxy.restore();
    let status = '';
    for (let attempt = 0; attempt < 100 && status !== 'ok'; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = (await server.request('GET', '/health/ready')).body.status;
    }
    expect(status, 'readiness once Redis answers again').toBe('ok');
  });
});
