import type { Repositories } from '../../db/repositories/repositories.js';
import { writeAudit } from '../audit/audit-entry.js';
import type { DomainContext } from '../context.js';

export type RevokeReason =
  | 'logout'
  | 'refresh_token_reuse'
  | 'password_changed'
  | 'password_reset'
  | 'account_suspended'
  | 'account_deleted'
  | 'idle_timeout'
  | 'revoked_by_user'
  | 'revoked_by_admin'
  | 'account_deactivated';

export interface Revocation {
  readonly sessionId: string;
  readonly userId: string;
  readonly actorId: string | null;
  readonly reason: RevokeReason;
  readonly ip: string | null;
}

/**
 * Ends a session inside the caller's transaction: its refresh tokens die with it (the refresh path checks the
 * session) and the audit entry is written with it. Returns whether this call was the one that revoked it.
 */
export async function revokeSessionIn(ctx: DomainContext, repos: Repositories, revocation: Revocation): Promise<boolean> {
  const revoked = await repos.sessions.revoke(revocation.sessionId, ctx.clock.now(), revocation.reason);
  if (revoked) {
    await writeAudit(ctx, repos, {
      action: revocation.reason === 'refresh_token_reuse' ? 'refresh_token.reuse_detected' : 'session.revoked',
      actorId: revocation.actorId,
      targetId: revocation.userId,
      ip: revocation.ip,
      details: { session_id: revocation.sessionId, reason: revocation.reason },
    });
  }
  return revoked;
}

/** Tells every instance; access tokens of the session are refused from this moment (no database round trip). */
export function announceRevocation(ctx: DomainContext, sessionId: string, userId: string): Promise<void> {
  return ctx.events.publish({ type: 'session.revoked', sessionId, userId, at: ctx.clock.now() });
}

export async function revokeSession(ctx: DomainContext, revocation: Revocation): Promise<void> {
  await ctx.repos.transaction((repos) => revokeSessionIn(ctx, repos, revocation));
  // Announce even when it was already revoked: a peer that missed the first announcement catches up.
  await announceRevocation(ctx, revocation.sessionId, revocation.userId);
}

export interface UserRevocation {
  readonly userId: string;
  readonly actorId: string | null;
  readonly reason: RevokeReason;
  readonly ip: string | null;
  /** The session to leave alone (the caller's own, on a password change). */
  readonly keep?: string | undefined;
  /** More for the audit entry (an administrator's change made at the command line says so). */
  readonly details?: Record<string, unknown>;
}

/** Ends every live session of a user inside the caller's transaction; returns their ids for announceRevocations. */
export async function revokeUserSessionsIn(ctx: DomainContext, repos: Repositories, revocation: UserRevocation): Promise<string[]> {
  const ids = await repos.sessions.revokeAllForUser(revocation.userId, ctx.clock.now(), revocation.reason, revocation.keep);
  if (ids.length > 0) {
    await writeAudit(ctx, repos, {
      action: 'session.revoked',
      actorId: revocation.actorId,
      targetId: revocation.userId,
      ip: revocation.ip,
      details: { ...revocation.details, sessions: ids.length, reason: revocation.reason },
    });
  }
  return ids;
}

export async function announceRevocations(ctx: DomainContext, sessionIds: readonly string[], userId: string): Promise<void> {
  for (const sessionId of sessionIds) await announceRevocation(ctx, sessionId, userId);
}
