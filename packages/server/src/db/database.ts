import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type SqliteDialectConfig, sql } from 'kysely';
import pg from 'pg';
import type { DatabaseTarget } from '../config/config.js';
import type { DatabaseSchema } from './schema.js';

/** The one place where SQLite and PostgreSQL differ: connection set-up and how each reports errors. */
export interface Database {
  readonly db: Kysely<DatabaseSchema>;
  readonly dialect: 'sqlite' | 'postgres';
  /** The PostgreSQL schema the tables live in, when not the default search path. */
  readonly schema?: string;
  /** The unique index a failed write collided with, or undefined when the error is something else. */
  uniqueViolation(error: unknown): string | undefined;
  /** True when the error means the database cannot be reached (answer 503, not 500). */
  isUnavailable(error: unknown): boolean;
  ping(): Promise<void>;
  close(): Promise<void>;
}

const PG_INT8 = 20;
const PG_UNAVAILABLE = /^(08|53|57P0)/; // connection exceptions, insufficient resources, admin shutdown
const NET_UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE', 'EHOSTUNREACH']);

export function createDatabase(target: DatabaseTarget): Database {
  const database = target.kind === 'sqlite' ? createSqlite(target.path) : createPostgres(target.url, target.schema);
  let closing: Promise<void> | undefined;
  // Closing twice (a signal during shutdown, a test's cleanup) must not throw.
  return { ...database, close: () => (closing ??= database.close()) };
}

function createSqlite(path: string): Database {
  mkdirSync(dirname(path), { recursive: true });
  const connection = new SQLite(path);
  connection.pragma('journal_mode = WAL');
  // NORMAL is durable across application crashes in WAL mode; only an OS crash may lose the last commits.
  connection.pragma('synchronous = NORMAL');
  connection.pragma('foreign_keys = ON');
  connection.pragma('busy_timeout = 5000');
  const db = new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database: withStatementCache(connection) }) });
  return {
    db,
    dialect: 'sqlite',
    uniqueViolation(error) {
      const { code, message } = (error ?? {}) as { code?: string; message?: string };
      if (code !== 'SQLITE_CONSTRAINT_UNIQUE' && code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') return undefined;
      return /index '([^']+)'/.exec(message ?? '')?.[1] ?? /failed: ([\w.]+)/.exec(message ?? '')?.[1] ?? 'unknown';
    },
    isUnavailable(error) {
      const code = (error as { code?: string } | undefined)?.code ?? '';
      return code === 'SQLITE_BUSY' || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_IOERR' || code === 'SQLITE_FULL';
    },
    async ping() {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}

const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely prepares every query anew; better-sqlite3 statements are reusable, and Kysely runs each one to completion
 * synchronously, so one prepared statement per SQL text can serve every call.
 */
function withStatementCache(connection: SQLite.Database): SqliteDialectConfig['database'] {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => connection.close(),
    prepare: (text: string) => {
      let statement = statements.get(text);
      if (!statement) {
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.clear();
        statement = connection.prepare(text);
        statements.set(text, statement);
      }
      return statement;
    },
  };
}

function createPostgres(url: string, schema: string | undefined): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: 5000,
    // Timestamps are BIGINT epoch milliseconds; without this pg would return them as strings.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === PG_INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const db = new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    dialect: 'postgres',
    ...(schema && { schema }),
    uniqueViolation(error) {
      const { code, constraint } = (error ?? {}) as { code?: string; constraint?: string };
      return code === '23505' ? (constraint ?? 'unknown') : undefined;
    },
    isUnavailable(error) {
      const code = (error as { code?: string } | undefined)?.code ?? '';
      const message = (error as Error | undefined)?.message ?? '';
      return PG_UNAVAILABLE.test(code) || NET_UNAVAILABLE.has(code) || /timeout exceeded when trying to connect|Connection terminated/i.test(message);
    },
    async ping() {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}
