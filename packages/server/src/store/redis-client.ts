import { Redis } from 'ioredis';

export interface RedisConnection {
  readonly client: Redis;
  ping(): Promise<void>;
  close(): void;
}

/**
 * A Redis client that never takes the server down: commands fail fast while Redis is away (no offline queue),
 * errors are reported by readiness instead of crashing the process, and it reconnects on its own.
 */
export async function connectRedis(url: string): Promise<RedisConnection> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000 });
  client.on('error', () => {});
  await client.connect().catch(() => {});
  return {
    client,
    async ping() {
      await client.ping();
    },
    close: () => client.disconnect(),
  };
}
