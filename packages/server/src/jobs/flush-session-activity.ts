import type { DomainContext } from '../domain/context.js';
import type { PeriodicJob } from './periodic.js';

/** Writes the session activity noted in memory, so last_active_at is at most a minute behind. */
export function flushSessionActivity(ctx: DomainContext): PeriodicJob {
  return {
    name: 'flush-session-activity',
    everyMs: 60_000,
    run: async () => {
      for (const [sessionId, at] of ctx.activity.drain()) await ctx.repos.sessions.recordActivity(sessionId, at);
    },
  };
}
