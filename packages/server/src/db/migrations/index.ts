import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './2026-11-23T0000-initial.js';
import * as accountLifecycle from './2026-11-23T0100-account-lifecycle.js';
import * as devices from './2026-11-23T0200-devices.js';
import * as apiKeys from './2026-11-23T0300-api-keys.js';
import * as userDirectory from './2026-11-23T0400-user-directory.js';
import * as userCounts from './2026-11-23T0500-user-counts.js';
import * as rateLimits from './2026-11-23T0600-rate-limits.js';
import * as usageAnalytics from './2026-11-23T0700-usage-analytics.js';

/** Registered in code (not read from disk) so the built server and the tests run the same list. */
const MIGRATIONS: Record<string, Migration> = {
  '2026-11-23T0000-initial': initial,
  '2026-11-23T0100-account-lifecycle': accountLifecycle,
  '2026-11-23T0200-devices': devices,
  '2026-11-23T0300-api-keys': apiKeys,
  '2026-11-23T0400-user-directory': userDirectory,
  '2026-11-23T0500-user-counts': userCounts,
  '2026-11-23T0600-rate-limits': rateLimits,
  '2026-11-23T0700-usage-analytics': usageAnalytics,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
