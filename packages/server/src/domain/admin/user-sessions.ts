import type { DomainContext } from '../context.js';
import { listOwnSessions, type SessionPage } from '../sessions/own-sessions.js';
import { announceRevocations, revokeUserSessionsIn } from '../sessions/revoke-session.js';
import type { Actor } from './actor.js';
import { getUser } from './manage-users.js';
import { actorDetails } from './actor-details.js';

export interface PageRequest {
  readonly limit: number;
  readonly after?: { readonly at: number; readonly id: string } | undefined;
  readonly skip?: number | undefined;
}

/** A user's live sessions, newest first, as they would see them themselves (404 for an unknown user). */
export async function listUserSessions(ctx: DomainContext, targetId: string, page: PageRequest): Promise<SessionPage> {
  await getUser(ctx, targetId);
  return listOwnSessions(ctx, targetId, page);
}

/**
 * An administrator ends every session of a user: refresh tokens die with them and the revocations are announced,
 * so the user's access tokens are refused at once on every instance. API keys are not sessions and keep working.
 * Returns how many sessions it ended.
 */
export async function revokeUserSessions(ctx: DomainContext, actor: Actor, targetId: string): Promise<number> {
  await getUser(ctx, targetId);
  const revoked = await ctx.repos.transaction((repos) =>
    revokeUserSessionsIn(ctx, repos, { userId: targetId, actorId: actor.userId, reason: 'revoked_by_admin', ip: actor.ip , details: actorDetails(actor) }),
  );
  await announceRevocations(ctx, revoked, targetId);
  return revoked.length;
}
