import type { AccountChanges } from '../../db/repositories/user-repository.js';
import { AuthError } from '../../errors/auth-error.js';
import { conflictError, createAccount } from '../accounts/create-account.js';
import { sendVerificationBestEffort } from '../accounts/email-verification.js';
import { checkDisplayName, checkUsername, normalizeEmail } from '../accounts/identity.js';
import type { RateLimitOverrides, Role, User } from '../accounts/user.js';
import { writeAudit } from '../audit/audit-entry.js';
import type { DomainContext } from '../context.js';
import { announceRevocations, revokeUserSessionsIn } from '../sessions/revoke-session.js';
import type { Actor } from './actor.js';
import { actorDetails } from './actor-details.js';
import { keepAnActiveAdmin } from './last-admin.js';

export interface NewUser {
  readonly email?: string | undefined;
  readonly username?: string | undefined;
  readonly password: string;
  readonly displayName?: string | null | undefined;
  /** `user` when absent. */
  readonly role?: Role | undefined;
  readonly isVerified?: boolean | undefined;
}

export interface UserChanges {
  readonly displayName?: string | null | undefined;
  readonly username?: string | undefined;
  readonly email?: string | undefined;
  readonly role?: Role | undefined;
  readonly isActive?: boolean | undefined;
  readonly isVerified?: boolean | undefined;
  /** Per-user rate limits: a positive integer per window, or null for the role's default. */
  readonly rateLimits?: Partial<RateLimitOverrides> | undefined;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** An administrator creates an account, with the same rules as registration; an unverified email is mailed a link. */
export async function createUserAsAdmin(ctx: DomainContext, actor: Actor, input: NewUser): Promise<User> {
  const user = await createAccount(
    ctx,
    { ...input, role: input.role ?? 'user', isVerified: input.isVerified ?? false },
    { action: 'user.created', actorId: actor.userId, ip: actor.ip, details: actorDetails(actor) },
  );
  await sendVerificationBestEffort(ctx, user);
  return user;
}

export async function getUser(ctx: DomainContext, targetId: string): Promise<User> {
  const user = await ctx.repos.users.findById(targetId);
  if (!user) throw new AuthError('not_found');
  return user;
}

/**
 * An administrator changes a user's profile, role or status. A change that takes admin rights away (demotion,
 * deactivation) is refused for the last active admin. A role change revokes nothing: the role is read from the
 * user cache on every request, and the change is announced so every instance applies it to the next request.
 * Deactivation ends every session at once, as a suspension does.
 */
export async function updateUser(ctx: DomainContext, actor: Actor, targetId: string, changes: UserChanges): Promise<User> {
  const wanted = checkChanges(changes);
  const takesAdminAway = (wanted.role !== undefined && wanted.role !== 'admin') || wanted.isActive === false;
  const now = ctx.clock.now();
  let outcome: { user: User; revoked: string[]; emailChanged: boolean } | undefined;
  try {
    outcome = await ctx.repos.transaction(async (repos) => {
      if (takesAdminAway) await keepAnActiveAdmin(ctx, repos, targetId);
      const current = await repos.users.findById(targetId);
      if (!current) return undefined;
      const diff = differences(current, wanted);
      if (Object.keys(diff).length === 0) return { user: current, revoked: [], emailChanged: false };
      const fields = Object.keys(diff).filter((field) => field !== 'role' && field !== 'isActive');
      // A new address is unproven unless the administrator says otherwise in the same change.
      if (diff.email !== undefined && wanted.isVerified === undefined && current.isVerified) diff.isVerified = false;
      const user = await repos.users.updateAccount(targetId, diff, now);
      if (!user) return undefined;
      const audit = { actorId: actor.userId, targetId, ip: actor.ip };
      if (diff.email !== undefined) {
        // Links mailed to the old address are bound to it; they must not act on the account any more.
        await repos.accountTokens.deleteForUser(targetId, 'email_verification');
        await repos.accountTokens.deleteForUser(targetId, 'password_reset');
      }
      if (fields.length > 0) {
        const action = diff.email !== undefined ? 'user.email_changed' : 'user.updated';
        await writeAudit(ctx, repos, { ...audit, action, details: actorDetails(actor, { fields }) });
      }
      if (diff.role !== undefined) {
        await writeAudit(ctx, repos, { ...audit, action: 'user.role_changed', details: actorDetails(actor, { from: current.role, to: diff.role }) });
      }
      let revoked: string[] = [];
      if (diff.isActive !== undefined) {
        await writeAudit(ctx, repos, { ...audit, action: diff.isActive ? 'user.activated' : 'user.deactivated', details: actorDetails(actor) });
        if (!diff.isActive) {
          revoked = await revokeUserSessionsIn(ctx, repos, { userId: targetId, actorId: actor.userId, reason: 'account_deactivated', ip: actor.ip , details: actorDetails(actor) });
        }
      }
      return { user, revoked, emailChanged: diff.email !== undefined };
    });
  } catch (error) {
    throw conflictError(ctx, error) ?? error;
  }
  if (!outcome) throw new AuthError('not_found');
  await announceRevocations(ctx, outcome.revoked, targetId);
  await ctx.events.publish({ type: 'user.changed', userId: targetId });
  if (outcome.emailChanged) await sendVerificationBestEffort(ctx, outcome.user);
  return outcome.user;
}

export function setRole(ctx: DomainContext, actor: Actor, targetId: string, role: Role): Promise<User> {
  return updateUser(ctx, actor, targetId, { role });
}

/**
 * An administrator deletes an account. Its sessions, tokens, keys and login history go with it (foreign keys
 * cascade) and the sessions are announced as revoked; the audit trail keeps the fact. An admin deletes their own
 * account with DELETE /users/me (which asks for the password), and the last active admin cannot be deleted.
 */
export async function deleteUser(ctx: DomainContext, actor: Actor, targetId: string): Promise<void> {
  if (actor.userId === targetId) throw AuthError.validation('/id', 'Delete your own account with DELETE /users/me');
  const sessions = await ctx.repos.transaction(async (repos) => {
    await keepAnActiveAdmin(ctx, repos, targetId);
    const live = await repos.sessions.liveIdsForUser(targetId, ctx.clock.now());
    if (!(await repos.users.delete(targetId))) return undefined;
    await writeAudit(ctx, repos, {
      action: 'user.deleted',
      actorId: actor.userId,
      targetId,
      ip: actor.ip,
      details: actorDetails(actor, { sessions: live.length }),
    });
    return live;
  });
  if (!sessions) throw new AuthError('not_found');
  await announceRevocations(ctx, sessions, targetId);
  await ctx.events.publish({ type: 'user.changed', userId: targetId });
}

/** Validates and normalises each field given, naming the field of the request on failure. */
function checkChanges(changes: UserChanges): UserChanges {
  return {
    ...(changes.displayName !== undefined && { displayName: checkDisplayName(changes.displayName) }),
    ...(changes.username !== undefined && { username: checkUsername(changes.username) }),
    ...(changes.email !== undefined && { email: normalizeEmail(changes.email) }),
    ...(changes.role !== undefined && { role: changes.role }),
    ...(changes.isActive !== undefined && { isActive: changes.isActive }),
    ...(changes.isVerified !== undefined && { isVerified: changes.isVerified }),
    ...(changes.rateLimits !== undefined && { rateLimits: validRateLimits(changes.rateLimits) }),
  };
}

/** Where each rate-limit override is named in a request body (for error paths). */
export const RATE_LIMIT_PATHS = { perMinute: '/rate_limit_per_minute', perHour: '/rate_limit_per_hour', perDay: '/rate_limit_per_day' } as const;

function validRateLimits(limits: Partial<RateLimitOverrides>): Partial<RateLimitOverrides> {
  for (const [window, path] of Object.entries(RATE_LIMIT_PATHS)) {
    const value = limits[window as keyof RateLimitOverrides];
    if (value !== undefined && value !== null && !(Number.isSafeInteger(value) && value >= 1)) {
      throw AuthError.validation(path, 'A rate limit is a positive whole number of requests, or null for the default');
    }
  }
  return limits;
}

/** Only what actually changes, so the audit trail and the events say what happened and nothing else. */
function differences(current: User, wanted: UserChanges): Mutable<AccountChanges> {
  const diff: Mutable<AccountChanges> = {};
  if (wanted.displayName !== undefined && wanted.displayName !== current.displayName) diff.displayName = wanted.displayName;
  if (wanted.username !== undefined && wanted.username !== current.username) diff.username = wanted.username;
  if (wanted.email !== undefined && wanted.email !== current.email) diff.email = wanted.email;
  if (wanted.role !== undefined && wanted.role !== current.role) diff.role = wanted.role;
  if (wanted.isActive !== undefined && wanted.isActive !== current.isActive) diff.isActive = wanted.isActive;
  if (wanted.isVerified !== undefined && wanted.isVerified !== current.isVerified) diff.isVerified = wanted.isVerified;
  const limits = Object.entries(wanted.rateLimits ?? {}).filter(([window, value]) => value !== undefined && value !== current.rateLimits[window as keyof RateLimitOverrides]);
  if (limits.length > 0) diff.rateLimits = Object.fromEntries(limits);
  return diff;
}
