import type { UserCredentials } from '../../db/repositories/user-repository.js';
import { AuthError } from '../../errors/auth-error.js';
import { normalizePassword } from '../../security/password-policy.js';
import { randomToken } from '../../security/random-token.js';
import { statusError } from '../accounts/account-status.js';
import { mailNewSignIn } from '../accounts/notices.js';
import type { User } from '../accounts/user.js';
import { writeAudit } from '../audit/audit-entry.js';
import type { DomainContext } from '../context.js';
import { issueTokenPair, REFRESH_TOKEN_PREFIX, type TokenPair } from '../tokens/token-pair.js';
import { clientIdFor } from './client-id.js';
import { enterAttempt, failedAttempt, type LockoutTicket, lockoutKey, succeededAttempt } from './lockout.js';
import type { RequestInfo, Session } from './session.js';

export interface LoginInput {
  /** An email or a username. */
  readonly identifier: string;
  readonly password: string;
  readonly deviceName?: string | undefined;
  /** How the login came: `compat_form` is fastapi-users' form login (POST /auth/jwt/login), so the log shows who still uses it. */
  readonly method: 'password' | 'password_form' | 'cookie' | 'compat_form';
}

type FailureCode = 'invalid_credentials' | 'account_inactive' | 'account_suspended' | 'email_not_verified' | 'account_locked';

/**
 * Password login. Unknown identifiers cost a dummy verification and get the same 401 as a wrong password, and they
 * lock the same way (OWASP Authentication CS); account status is revealed only after the correct password. The
 * session, its first refresh token, the login-history row and last_login_at are written in one transaction.
 */
export async function login(ctx: DomainContext, input: LoginInput, request: RequestInfo): Promise<TokenPair> {
  const refreshToken = randomToken(REFRESH_TOKEN_PREFIX);
  const { user, session } = await openSession(ctx, input, request, refreshToken);
  return issueTokenPair(ctx, user, session, refreshToken);
}

/** A browser login: the same checks and records, a session without refresh tokens (the cookie refers to it). */
export function cookieLogin(ctx: DomainContext, input: Omit<LoginInput, 'method'>, request: RequestInfo): Promise<{ user: User; session: Session }> {
  return openSession(ctx, { ...input, method: 'cookie' }, request, undefined);
}

async function openSession(
  ctx: DomainContext,
  input: LoginInput,
  request: RequestInfo,
  refreshToken: string | undefined,
): Promise<{ user: User; session: Session }> {
  const identifier = input.identifier.trim();
  const password = normalizePassword(input.password);
  const found = await findCredentials(ctx, identifier);
  const fail = async (reason: string, code: FailureCode, error = new AuthError(code)) => {
    await recordAttempt(ctx, { userId: found?.user.id ?? null, identifier, success: false, reason, method: input.method, sessionId: null }, request);
    ctx.usage.count('login_failures');
    ctx.telemetry.loginAttempt(reason);
    return error;
  };
  let ticket: LockoutTicket | undefined;
  try {
    ticket = await enterAttempt(ctx, lockoutKey(found?.user.id, identifier));
  } catch (error) {
    throw await fail('locked', 'account_locked', error as AuthError);
  }
  if (!found) {
    await ctx.hasher.verifyDummy(password);
    await failedAttempt(ctx, ticket);
    throw await fail('unknown_user', 'invalid_credentials');
  }
  const { ok, needsRehash } = await ctx.hasher.verify(found.passwordHash, password);
  if (!ok) {
    if (await failedAttempt(ctx, ticket)) {
      await writeAudit(ctx, ctx.repos, { action: 'user.locked', actorId: null, targetId: found.user.id, ip: request.ip });
    }
    throw await fail('bad_password', 'invalid_credentials');
  }
  await succeededAttempt(ctx, ticket);
  const { user } = found;
  const now = ctx.clock.now();
  const refused = statusError(user, now);
  if (refused) throw await fail(refused.code, refused.code as FailureCode, refused);
  // Accounts without an email have nothing to verify (an administrator created them by username).
  if (ctx.config.requireEmailVerification && !user.isVerified && user.email !== null) throw await fail('unverified', 'email_not_verified');

  const newHash = needsRehash ? await ctx.hasher.hash(password) : undefined;
  const deviceName = input.deviceName?.trim() || null;
  const session: Session = {
    id: ctx.newId(),
    userId: user.id,
    createdAt: now,
    lastActiveAt: now,
    expiresAt: now + ctx.config.refreshTokenTtlSeconds * 1000,
    revokedAt: null,
    ip: request.ip,
    userAgent: request.userAgent,
    deviceName,
    // API.md: cookie logins without a device name are the `web` client.
    clientId: clientIdFor(user.id, deviceName, input.method === 'cookie' ? 'web' : 'default'),
    method: input.method,
  };
  // A sign-in from an IP and browser this account has not used before is worth telling its owner about.
  const unfamiliar = user.lastLoginAt !== null && !(await ctx.repos.loginHistory.hasSucceededFrom(user.id, request.ip, request.userAgent));
  await ctx.repos.transaction(async (repos) => {
    if (newHash) await repos.users.updatePasswordHash(user.id, newHash);
    await repos.sessions.insert(session);
    if (refreshToken) await repos.refreshTokens.insert(ctx.secrets.hashToken(refreshToken), session.id, now);
    await repos.users.recordLogin(user.id, now);
    await repos.clients.seen(user.id, session.clientId, deviceName, now);
    await recordAttempt(
      ctx,
      { userId: user.id, identifier, success: true, reason: null, method: input.method, sessionId: session.id },
      request,
      repos,
    );
  });
  await ctx.events.publish({ type: 'user.changed', userId: user.id });
  ctx.usage.count('logins');
  ctx.telemetry.loginAttempt('success');
  if (unfamiliar && user.email !== null) mailNewSignIn(ctx, { email: user.email, displayName: user.displayName }, request, deviceName);
  return { user: { ...user, lastLoginAt: now }, session };
}

/** The account an identifier names: an email when it has an `@`, else a username. */
export function findCredentials(ctx: DomainContext, identifier: string): Promise<UserCredentials | undefined> {
  if (identifier === '') return Promise.resolve(undefined);
  return identifier.includes('@')
    ? ctx.repos.users.credentialsByEmail(identifier.normalize('NFKC').toLowerCase())
    : ctx.repos.users.credentialsByUsername(identifier);
}

interface Attempt {
  readonly userId: string | null;
  readonly identifier: string;
  readonly success: boolean;
  readonly reason: string | null;
  readonly method: string;
  readonly sessionId: string | null;
}

function recordAttempt(ctx: DomainContext, attempt: Attempt, request: RequestInfo, repos = ctx.repos): Promise<void> {
  return repos.loginHistory.insert({
    id: ctx.newId(),
    at: ctx.clock.now(),
    ...attempt,
    identifier: attempt.identifier.slice(0, 320),
    ip: request.ip,
    userAgent: request.userAgent,
  });
}
