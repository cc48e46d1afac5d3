import { Redis } from 'ioredis';

export interface RedisConnection {
  readonly client: Redis;
  ping(): Promise<void>;
  close(): void;
}

const COMMAND_TIMEOUT_MS = 1000;
const WATCH_INTERVAL_MS = 1000;

/**
 * A Redis client that never takes the server down: commands fail fast while Redis is away (no offline queue),
 * errors are reported by readiness instead of crashing the process, and it reconnects on its own.
 *
 * A Redis that hangs without closing the connection is the harder case: the client stays "ready" and every command
 * would wait for it. Commands give up after COMMAND_TIMEOUT_MS, and a ping every WATCH_INTERVAL_MS that times out
 * drops the connection, so that until Redis answers again commands fail at once and callers use this process's
 * memory instead of each waiting out the timeout.
 */
export async function connectRedis(url: string): Promise<RedisConnection> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000, commandTimeout: COMMAND_TIMEOUT_MS });
  client.on('error', () => {});
  await client.connect().catch(() => {});
  const watchdog = setInterval(() => {
    if (client.status !== 'ready') return;
    client.ping().catch(() => {
      if (client.status === 'ready') client.disconnect(true);
    });
  }, WATCH_INTERVAL_MS);
  watchdog.unref();
  return {
    client,
    async ping() {
      await client.ping();
    },
    close: () => {
      clearInterval(watchdog);
      client.disconnect();
    },
  };
}
