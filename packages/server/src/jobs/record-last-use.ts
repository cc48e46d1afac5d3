import type { DomainContext } from '../domain/context.js';
import type { PeriodicJob } from './periodic.js';

/** Writes the use of sessions and API keys noted in memory, so last_active_at / last_used_at are at most a minute behind. */
export function recordLastUse(ctx: DomainContext): PeriodicJob {
  return {
    name: 'record-last-use',
    everyMs: 60_000,
    run: async () => {
      for (const [sessionId, at] of ctx.sessionUse.drain()) await ctx.repos.sessions.recordActivity(sessionId, at);
      for (const [keyId, at] of ctx.apiKeyUse.drain()) await ctx.repos.apiKeys.recordUse(keyId, at);
    },
  };
}
