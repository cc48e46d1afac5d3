import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { DatabaseTarget } from '../config.js';
import type { NotesSchema } from './schema.js';

/** The one place where SQLite and PostgreSQL differ: connection set-up and how each reports a duplicate. */
export interface Database {
  readonly db: Kysely<NotesSchema>;
  /** The PostgreSQL schema the tables live in, when not the default search path. */
  readonly schema?: string;
  /** True when a write collided with a unique index. */
  isUniqueViolation(error: unknown): boolean;
  close(): Promise<void>;
}

export function createDatabase(target: DatabaseTarget): Database {
  return target.kind === 'sqlite' ? createSqlite(target.path) : createPostgres(target.url, target.schema);
}

function createSqlite(path: string): Database {
  mkdirSync(dirname(path), { recursive: true });
  const connection = new SQLite(path);
  connection.pragma('journal_mode = WAL');
  connection.pragma('busy_timeout = 5000');
  // Deleting a document or a chat removes its tag links and messages (ON DELETE CASCADE needs this in SQLite).
  connection.pragma('foreign_keys = ON');
  const db = new Kysely<NotesSchema>({ dialect: new SqliteDialect({ database: connection }) });
  return {
    db,
    isUniqueViolation: (error) => /^SQLITE_CONSTRAINT_(UNIQUE|PRIMARYKEY)$/.test((error as { code?: string } | undefined)?.code ?? ''),
    close: () => db.destroy(),
  };
}

function createPostgres(url: string, schema: string | undefined): Database {
  const pool = new pg.Pool({ connectionString: url, max: 10, ...(schema && { options: `-c search_path=${schema}` }) });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const db = new Kysely<NotesSchema>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    ...(schema && { schema }),
    isUniqueViolation: (error) => (error as { code?: string } | undefined)?.code === '23505',
    close: () => db.destroy(),
  };
}
