import { AuthError } from '../../errors/auth-error.js';
import type { DomainContext } from '../context.js';
import type { RequestInfo } from '../sessions/session.js';
import { createAccount } from './create-account.js';
import { sendVerificationBestEffort } from './email-verification.js';
import type { User } from './user.js';

export interface Registration {
  readonly email: string;
  readonly password: string;
  readonly username?: string | undefined;
  readonly displayName?: string | null | undefined;
}

/** Self-service sign-up: always a plain, unverified `user` (the role is never taken from the request), mailed a verification link. */
export async function registerUser(ctx: DomainContext, input: Registration, request: RequestInfo): Promise<User> {
  if (!ctx.config.registrationOpen) throw new AuthError('registration_closed');
  const user = await createAccount(ctx, { ...input, role: 'user', isVerified: false }, { action: 'user.registered', actorId: null, ip: request.ip });
  ctx.usage.count('signups');
  await sendVerificationBestEffort(ctx, user);
  return user;
}
