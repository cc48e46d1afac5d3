import type { AuditEvent } from '../../db/repositories/audit-repository.js';
import type { LoginAttempt } from '../../db/repositories/login-history-repository.js';
import { AuthError } from '../../errors/auth-error.js';
import type { DomainContext } from '../context.js';
import type { Session } from '../sessions/session.js';
import type { User } from './user.js';

/** Generous caps: login history is purged after LOGIN_HISTORY_DAYS anyway; these only bound one answer. */
const MAX_ROWS = 10_000;

export interface AccountExport {
  readonly exportedAt: number;
  readonly user: User;
  readonly sessions: readonly Session[];
  readonly loginHistory: readonly LoginAttempt[];
  readonly auditEvents: readonly AuditEvent[];
}

/** Everything held about a person (GDPR art. 15 / 20): never a password hash or a token, which are not "about" them. */
export async function exportAccount(ctx: DomainContext, userId: string): Promise<AccountExport> {
  const user = await ctx.repos.users.findById(userId);
  if (!user) throw new AuthError('not_found');
  const [sessions, loginHistory, auditEvents] = await Promise.all([
    ctx.repos.sessions.listForUser(userId),
    ctx.repos.loginHistory.listForUser(userId, MAX_ROWS),
    ctx.repos.audit.listInvolving(userId, MAX_ROWS),
  ]);
  return { exportedAt: ctx.clock.now(), user, sessions, loginHistory, auditEvents };
}
