import type { LoginAttempt } from '../../db/repositories/login-history-repository.js';
import type { DomainContext } from '../context.js';
import { getUser } from './manage-users.js';
import type { PageRequest } from './user-sessions.js';

export interface LoginHistoryPage {
  readonly items: readonly LoginAttempt[];
  /** Where the next page starts, or undefined on the last page. */
  readonly next: { readonly at: number; readonly id: string } | undefined;
  readonly total: number;
}

/** A user's login attempts, successes and failures alike, newest first (404 for an unknown user). */
export async function listLoginHistory(ctx: DomainContext, targetId: string, page: PageRequest): Promise<LoginHistoryPage> {
  await getUser(ctx, targetId);
  const [rows, total] = await Promise.all([
    ctx.repos.loginHistory.pageForUser(targetId, { limit: page.limit + 1, after: page.after, offset: page.after ? undefined : page.skip }),
    ctx.repos.loginHistory.countForUser(targetId),
  ]);
  const items = rows.slice(0, page.limit);
  const last = items.at(-1);
  return { items, next: rows.length > page.limit && last ? { at: last.at, id: last.id } : undefined, total };
}
