import type { Config, DatabaseTarget } from '../config/config.js';
import { ConfigError } from '../config/config-error.js';
import { loadConfig } from '../config/load-config.js';
import type { Database } from '../db/database.js';
import type { DomainContext } from '../domain/context.js';
import { AuthError } from '../errors/auth-error.js';

// The database drivers, argon2 and jose are imported when a command first needs them, so that `--help` and
// argument errors answer in a fraction of the time. Commands import their use-case the same way.

export interface OpenDatabase {
  readonly config: Config;
  readonly database: Database;
}

/**
 * Reads the configuration exactly as the server does (environment, then `.env`), opens the database, runs `work`
 * and closes the database whatever happens, so a command never leaves the process hanging on an open pool.
 */
export async function withDatabase<T>(work: (opened: OpenDatabase) => Promise<T>): Promise<T> {
  const { config, warnings } = loadConfig();
  for (const warning of warnings) console.error(`warning: ${warning}`);
  const { createDatabase } = await import('../db/database.js');
  const database = createDatabase(config.database);
  try {
    return await work({ config, database });
  } finally {
    await database.close();
  }
}

/**
 * Like withDatabase, with the schema brought up to date and the same domain context the HTTP API uses, so the
 * password policy, uniqueness and the audit trail hold for commands too. With REDIS_URL set, the command's events
 * (a suspension, a role change) reach the running servers at once through the same events bus; Redis being away
 * does not stop the command (the servers catch up from the database when it returns).
 */
export async function withContext<T>(work: (ctx: DomainContext) => Promise<T>): Promise<T> {
  const [{ migrateToLatest }, { createContext, closeContext }, { connectRedis }] = await Promise.all([
    import('../db/migrate.js'),
    import('../domain/create-context.js'),
    import('../store/redis-client.js'),
  ]);
  return withDatabase(async ({ config, database }) => {
    await migrateToLatest(database);
    const redis = config.redisUrl ? await connectRedis(config.redisUrl) : undefined;
    await redis?.ping().catch(() => {
      console.error('warning: Redis (REDIS_URL) is not reachable: running servers may not hear of this change until they reconnect to it');
    });
    try {
      const ctx = await createContext(config, { database, ...(redis && { redis: redis.client }) });
      try {
        return await work(ctx);
      } finally {
        await closeContext(ctx);
      }
    } finally {
      // Both Redis connections closed, so that nothing keeps the process alive after the command.
      redis?.close();
    }
  });
}

/** Where the command is writing, for the operator to check; a PostgreSQL password never reaches the terminal. */
export function describeTarget(target: DatabaseTarget): string {
  if (target.kind === 'sqlite') return `SQLite ${target.path}`;
  try {
    const url = new URL(target.url);
    return `PostgreSQL ${url.hostname}${url.port ? `:${url.port}` : ''}${url.pathname}`;
  } catch {
    return 'PostgreSQL';
  }
}

/** A failure the operator can act on is one line on stderr; no stack trace for bad settings or refused input. */
export function reportCliError(error: unknown): void {
  if (error instanceof ConfigError) {
    console.error(`Configuration error: ${error.message}`);
  } else if (error instanceof AuthError) {
    console.error(`error: ${error.detail}`);
    for (const field of error.errors ?? []) {
      if (field.message !== error.detail) console.error(`  ${field.path.replace(/^\//, '')}: ${field.message}`);
    }
  } else {
    const { message, cause } = error instanceof Error ? error : { message: String(error), cause: undefined };
    console.error(`error: ${message}`);
    if (cause instanceof Error && !message.includes(cause.message)) console.error(`  cause: ${cause.message}`);
  }
  process.exitCode = 1;
}
