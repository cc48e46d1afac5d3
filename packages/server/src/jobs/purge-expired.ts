import type { DomainContext } from '../domain/context.js';
import type { PeriodicJob } from './periodic.js';

/** Login history past LOGIN_HISTORY_DAYS and mailed tokens past their expiry are deleted, not kept forever. */
export function purgeExpired(ctx: DomainContext): PeriodicJob {
  return {
    name: 'purge-expired',
    everyMs: 3_600_000,
    run: async () => {
      const now = ctx.clock.now();
      const attempts = await ctx.repos.loginHistory.deleteOlderThan(now - ctx.config.loginHistoryRetentionMs);
      const tokens = await ctx.repos.accountTokens.deleteExpired(now);
      if (attempts + tokens > 0) ctx.log.info({ loginAttempts: attempts, accountTokens: tokens }, 'purged expired records');
    },
  };
}
