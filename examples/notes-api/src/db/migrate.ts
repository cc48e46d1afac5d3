import { Migrator } from 'kysely';
import type { Database } from './database.js';
import { migrationProvider } from './migrations/index.js';

/** Applies every pending migration in order; run at every start. */
export async function migrateToLatest(database: Database): Promise<void> {
  // On PostgreSQL Kysely keeps its bookkeeping in the schema the tables live in, not in every schema it can see.
  const migrator = new Migrator({ db: database.db, provider: migrationProvider, ...(database.schema && { migrationTableSchema: database.schema }) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName ?? '(unknown)';
    throw new Error(`Migration ${failed} failed: ${(error as Error).message}`, { cause: error });
  }
}
