import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import {
  type Expression,
  Kysely,
  PostgresAdapter,
  PostgresDialect,
  type QueryCompiler,
  type SelectModifierNode,
  type SelectQueryBuilder,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteQueryCompiler,
  type SqlBool,
  sql,
} from 'kysely';
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
  /** PostgreSQL's connection pool right now, for metrics; SQLite has one connection and no pool. */
  poolStats?(): PoolStats;
}

export interface PoolStats {
  readonly total: number;
  readonly idle: number;
  /** Queries waiting for a connection. */
  readonly waiting: number;
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
  // 64 MiB of page cache instead of 2: listing and searching a million users reads rows all over the file.
  connection.pragma('cache_size = -65536');
  // SQLite's lower() folds ASCII only; searching row by row must fold case as the FTS5 trigram index does.
  connection.function('gh_lower', { deterministic: true }, (text: unknown) => (typeof text === 'string' ? text.toLowerCase() : text));
  const db = new Kysely<DatabaseSchema>({ dialect: new SqliteWithoutRowLocks({ database: withStatementCache(connection) }) });
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

const ROW_LOCKS = new Set<SelectModifierNode['modifier']>(['ForUpdate', 'ForNoKeyUpdate', 'ForShare', 'ForKeyShare', 'NoWait', 'SkipLocked']);

/**
 * SQLite has no row locks: a write transaction holds the whole database, and this process runs one transaction at a
 * time on its one connection. A repository may therefore say `for update` (what PostgreSQL needs to serialise a
 * check-then-change) and SQLite, where the check is serialised already, leaves it out.
 */
class SqliteWithoutRowLocks extends SqliteDialect {
  override createQueryCompiler(): QueryCompiler {
    return new (class extends SqliteQueryCompiler {
      protected override visitSelectModifier(node: SelectModifierNode): void {
        if (!ROW_LOCKS.has(node.modifier)) super.visitSelectModifier(node);
      }
    })();
  }
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
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    close: () => db.destroy(),
  };
}

type UsersQuery = SelectQueryBuilder<DatabaseSchema, 'users', object>;

/**
 * The user directory's SQL that differs by engine (migration 0400 built the indexes it relies on): substring search
 * through pg_trgm on PostgreSQL and an FTS5 trigram table on SQLite, prefix ranges in byte order, and an id list.
 * Columns are named `users.…`, so the same SQL works on rows of users selected into a subquery aliased `users`.
 */
export interface UserDirectorySql {
  /** Narrows to users whose email, username or display name contains `text` (3+ characters), through the search index. */
  containing(query: UsersQuery, text: string): UsersQuery;
  /** The same test on each row as it comes, for rows walked in a sort order rather than found by the index. */
  contains(text: string): Expression<SqlBool>;
  /** The lower-cased column lies in [from, to) in code-point order: a prefix search when `to` follows every extension of `from`. */
  lowerInRange(column: 'email' | 'username', from: string, to: string): Expression<SqlBool>;
  /** The user's id is one of `ids`, sent as one parameter however many there are. */
  idIn(ids: readonly string[]): Expression<SqlBool>;
}

/** For the engine behind `db` (a transaction's Kysely too). */
export function userDirectorySql(db: Kysely<DatabaseSchema>): UserDirectorySql {
  return db.getExecutor().adapter instanceof PostgresAdapter ? POSTGRES_USER_DIRECTORY : SQLITE_USER_DIRECTORY;
}

/** LIKE treats `%`, `_` and the escape character as wildcards; searches mean them literally. */
const escapeLike = (text: string) => text.replace(/[\\%_]/g, '\\$&');

// The expression the GIN index is built on; lower() on both sides, so case folds the same way for both.
const postgresContains = (text: string) =>
  sql<SqlBool>`lower(coalesce(users.email, '') || chr(10) || coalesce(users.username, '') || chr(10) || coalesce(users.display_name, '')) like lower(${`%${escapeLike(text)}%`}) escape '\\'`;

const POSTGRES_USER_DIRECTORY: UserDirectorySql = {
  containing: (query, text) => query.where(postgresContains(text)),
  contains: postgresContains,
  lowerInRange: (column, from, to) =>
    sql<SqlBool>`(lower(${sql.ref(`users.${column}`)}) collate "C" >= ${from} and lower(${sql.ref(`users.${column}`)}) collate "C" < ${to})`,
  idIn: (ids) => sql<SqlBool>`users.id = any(${[...ids]}::text[])`,
};

const SQLITE_USER_DIRECTORY: UserDirectorySql = {
  // A join, not `rowid in (…)`: SQLite then streams index matches instead of collecting them all first. A quoted
  // FTS5 string is matched literally (its own quotes doubled); the trigram tokenizer folds case.
  containing: (query, text) =>
    query
      .innerJoin(sql`users_search`.as('users_search'), (join) => join.on(sql<SqlBool>`users_search.rowid = users.rowid`))
      .where(sql<SqlBool>`users_search match ${`"${text.replaceAll('"', '""')}"`}`) as unknown as UsersQuery,
  // SQLite's lower() folds ASCII only; gh_lower (registered in createSqlite) folds as the trigram tokenizer does.
  contains: (text) =>
    sql<SqlBool>`instr(gh_lower(coalesce(users.email, '') || char(10) || coalesce(users.username, '') || char(10) || coalesce(users.display_name, '')), ${text.toLowerCase()}) > 0`,
  lowerInRange: (column, from, to) =>
    sql<SqlBool>`(lower(${sql.ref(`users.${column}`)}) >= ${from} and lower(${sql.ref(`users.${column}`)}) < ${to})`,
  idIn: (ids) => sql<SqlBool>`users.id in (select value from json_each(${JSON.stringify(ids)}))`,
};
