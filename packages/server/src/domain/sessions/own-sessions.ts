import { AuthError } from '../../errors/auth-error.js';
import type { DomainContext } from '../context.js';
import { announceRevocation, announceRevocations, revokeSessionIn, revokeUserSessionsIn } from './revoke-session.js';
import type { RequestInfo, Session } from './session.js';

export interface SessionPage {
  readonly items: readonly Session[];
  /** Where the next page starts, or undefined on the last page. */
  readonly next: { readonly at: number; readonly id: string } | undefined;
  readonly total: number;
}

/** The caller's live sessions, newest first, by keyset (never another user's). */
export async function listOwnSessions(
  ctx: DomainContext,
  userId: string,
  page: { readonly limit: number; readonly after?: { readonly at: number; readonly id: string } | undefined; readonly skip?: number | undefined },
): Promise<SessionPage> {
  const now = ctx.clock.now();
  const [rows, total] = await Promise.all([
    ctx.repos.sessions.listLive(userId, now, { limit: page.limit + 1, after: page.after, offset: page.after ? undefined : page.skip }),
    ctx.repos.sessions.countLive(userId, now),
  ]);
  const items = rows.slice(0, page.limit).map((session) => ({
    ...session,
    lastActiveAt: Math.max(session.lastActiveAt, ctx.sessionUse.lastSeen(session.id) ?? 0),
  }));
  const last = items.at(-1);
  return { items, next: rows.length > page.limit && last ? { at: last.createdAt, id: last.id } : undefined, total };
}

/** Ends one of the caller's own live sessions. Another user's session, or one already ended, is a 404 (no IDOR). */
export async function revokeOwnSession(ctx: DomainContext, userId: string, sessionId: string, request: RequestInfo): Promise<void> {
  const revoked = await ctx.repos.transaction(async (repos) => {
    const session = await repos.sessions.findById(sessionId);
    if (!session || session.userId !== userId || session.revokedAt !== null || session.expiresAt <= ctx.clock.now()) return false;
    return revokeSessionIn(ctx, repos, { sessionId, userId, actorId: userId, reason: 'revoked_by_user', ip: request.ip });
  });
  if (!revoked) throw new AuthError('not_found');
  await announceRevocation(ctx, sessionId, userId);
}

/** Ends every session of the caller but the current one, or all of them. */
export async function revokeOwnSessions(
  ctx: DomainContext,
  userId: string,
  current: string,
  includeCurrent: boolean,
  request: RequestInfo,
): Promise<void> {
  const revoked = await ctx.repos.transaction((repos) =>
    revokeUserSessionsIn(ctx, repos, { userId, actorId: userId, reason: 'revoked_by_user', ip: request.ip, keep: includeCurrent ? undefined : current }),
  );
  await announceRevocations(ctx, revoked, userId);
}
