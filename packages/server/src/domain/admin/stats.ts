import type { UserCounts } from '../../db/repositories/stats-repository.js';
import type { DomainContext } from '../context.js';

const DAY = 86_400_000;

export interface Stats {
  readonly users: UserCounts;
  readonly logins24h: { readonly success: number; readonly failure: number };
  readonly activeSessions: number;
}

/**
 * The dashboard's figures. User counts come from counters the database keeps (a suspension that ran out counts as
 * suspended until the end-suspensions job clears its flag, within a minute); the rest are index range counts.
 */
export async function readStats(ctx: DomainContext): Promise<Stats> {
  const now = ctx.clock.now();
  const [users, logins24h, activeSessions] = await Promise.all([
    ctx.repos.stats.userCounts(),
    ctx.repos.stats.loginsSince(now - DAY),
    ctx.repos.stats.liveSessions(now),
  ]);
  return { users, logins24h, activeSessions };
}

export async function countUsers(ctx: DomainContext): Promise<number> {
  return (await ctx.repos.stats.userCounts()).total;
}
