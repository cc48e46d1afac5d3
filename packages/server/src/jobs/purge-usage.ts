import type { DomainContext } from '../domain/context.js';
import type { PeriodicJob } from './periodic.js';

/** Per-minute usage counts past ANALYTICS_RETENTION_DAYS are deleted (hourly); users' lifetime counters stay. */
export function purgeUsage(ctx: DomainContext): PeriodicJob {
  return {
    name: 'purge-usage',
    everyMs: 3_600_000,
    run: async () => {
      const minutes = await ctx.repos.usage.deleteMinutesBefore(ctx.clock.now() - ctx.config.analytics.retentionMs);
      if (minutes > 0) ctx.log.info({ usageMinutes: minutes }, 'purged old usage counts');
    },
  };
}
