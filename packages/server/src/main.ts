import { pathToFileURL } from 'node:url';
import { buildApp } from './app.js';
import { ConfigError } from './config/config-error.js';
import { loadConfig } from './config/load-config.js';
import { createDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { connectRedis } from './store/redis-client.js';

/** Load config → create clients → build the app → listen; SIGTERM/SIGINT drain requests in flight and close. */
export async function main(): Promise<void> {
  const { config, warnings } = loadConfig();
  const database = createDatabase(config.database);
  await migrateToLatest(database);
  const redis = config.redisUrl ? await connectRedis(config.redisUrl) : undefined;
  const { app } = await buildApp(config, { database, ...(redis && { redisPing: redis.ping, redis: redis.client }) });
  for (const warning of warnings) app.log.warn(warning);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down: no new connections, finishing requests in flight');
    const deadline = setTimeout(() => {
      app.log.error(`requests still running after ${config.shutdownTimeoutMs} ms; exiting anyway`);
      process.exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();
    await app.close();
    await database.close();
    redis?.close();
    clearTimeout(deadline);
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));

  await app.listen({ host: config.host, port: config.port });
}

/** Prints a configuration problem as one clear line instead of a stack trace. */
export function exitOnStartupError(error: unknown): never {
  if (error instanceof ConfigError) console.error(`Configuration error: ${error.message}`);
  else console.error('Gatehouse failed to start:', error);
  process.exit(1);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch(exitOnStartupError);
}
