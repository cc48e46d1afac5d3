import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './2026-12-06T0000-initial.js';

/** Registered in code (not read from a folder) so the built package runs from anywhere. */
export const migrationProvider: MigrationProvider = {
  getMigrations: async (): Promise<Record<string, Migration>> => ({
    '2026-12-06T0000-initial': initial,
  }),
};
