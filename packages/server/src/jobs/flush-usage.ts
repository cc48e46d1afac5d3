import type { DomainContext } from '../domain/context.js';
import type { PeriodicJob } from './periodic.js';

/** Writes the usage counted in memory every ANALYTICS_FLUSH_SECONDS; a failed flush keeps its counts for the next. */
export function flushUsage(ctx: DomainContext): PeriodicJob {
  return {
    name: 'flush-usage',
    everyMs: ctx.config.analytics.flushMs,
    run: async () => {
      await ctx.usage.flush();
      const dropped = ctx.usage.takeDropped();
      if (dropped > 0) ctx.log.warn({ dropped }, 'usage counts dropped: too many unwritten while the database was away');
    },
  };
}
