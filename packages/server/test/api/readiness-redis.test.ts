import { createServer } from 'node:net';
import { expect, it } from 'vitest';
import { describeWithRedis } from '../helpers/redis.js';
import { startTestServer } from '../helpers/test-server.js';

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
