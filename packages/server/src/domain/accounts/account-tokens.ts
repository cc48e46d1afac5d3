import type { AccountTokenKind } from '../../db/repositories/account-token-repository.js';
import type { Repositories } from '../../db/repositories/repositories.js';
import { randomToken } from '../../security/random-token.js';
import type { DomainContext } from '../context.js';

const PREFIXES: Record<AccountTokenKind, string> = { email_verification: 'ev_', password_reset: 'pr_' };
const MAX_LENGTH = 128;

function lifetimeMs(ctx: DomainContext, kind: AccountTokenKind): number {
  return (kind === 'password_reset' ? ctx.config.passwordResetTtlSeconds : ctx.config.emailVerificationTtlSeconds) * 1000;
}

/**
 * A new single-use token for the user's current email, replacing any earlier one of the same kind (only the latest
 * mail works). Only its keyed hash is stored; the prefix says what it is for, so it is refused anywhere else.
 */
export async function issueAccountToken(
  ctx: DomainContext,
  repos: Repositories,
  kind: AccountTokenKind,
  user: { readonly id: string; readonly email: string },
): Promise<string> {
  const token = randomToken(PREFIXES[kind]);
  const now = ctx.clock.now();
  await repos.accountTokens.deleteForUser(user.id, kind);
  await repos.accountTokens.insert({
    tokenHash: ctx.secrets.hashToken(token),
    kind,
    userId: user.id,
    email: user.email,
    createdAt: now,
    expiresAt: now + lifetimeMs(ctx, kind),
  });
  return token;
}

/** The stored hash of a presented token, or undefined when it cannot be one of ours (wrong kind, absurd length). */
export function accountTokenHash(ctx: DomainContext, kind: AccountTokenKind, presented: string): string | undefined {
  if (!presented.startsWith(PREFIXES[kind]) || presented.length > MAX_LENGTH) return undefined;
  return ctx.secrets.hashToken(presented);
}

/** The link mailed to the user: the configured template with the token in place of `{token}`. */
export function accountTokenLink(template: string, token: string): string {
  return template.replace('{token}', encodeURIComponent(token));
}
