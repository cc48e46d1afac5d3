import { Command } from 'commander';
import { describeTarget, withDatabase } from './context.js';

export function migrateCommand(): Command {
  return new Command('migrate')
    .summary('apply pending database migrations')
    .description('Apply pending database migrations (the server also does this on start); safe to run any number of times')
    .addHelpText(
      'after',
      `
Migrations are forward-only. Run this before starting new server versions when
several instances share one PostgreSQL database, so they do not race to migrate.

Examples:
  $ gatehouse migrate
  $ DATABASE_URL=postgres://gatehouse:secret@db:5432/gatehouse gatehouse migrate
`,
    )
    .action(async () => {
      const { migrateToLatest } = await import('../db/migrate.js');
      await withDatabase(async ({ config, database }) => {
        console.log(`Database: ${describeTarget(config.database)}`);
        const applied = await migrateToLatest(database);
        if (applied.length === 0) {
          console.log('Database is up to date; no migrations to apply');
          return;
        }
        console.log(`Applied ${applied.length} migration${applied.length === 1 ? '' : 's'}:`);
        for (const name of applied) console.log(`  ${name}`);
      });
    });
}
