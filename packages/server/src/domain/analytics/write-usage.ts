import type { Repositories } from '../../db/repositories/repositories.js';
import type { UsageBatch } from './usage-collector.js';

/**
 * One flush: a few multi-row statements in one transaction, so a failure adds nothing and the collector's retry
 * cannot count anything twice.
 */
export function writeUsage(repos: Repositories): (batch: UsageBatch) => Promise<void> {
  return (batch) =>
    repos.transaction(async (trx) => {
      await trx.usage.addMinuteCounts(batch.minutes);
      await trx.usage.addUserUsage(batch.users);
    });
}
