import { AuthError } from '../../errors/auth-error.js';
import type { DomainContext } from '../context.js';
import { createAccount } from './create-account.js';
import { normalizeEmail } from './identity.js';

/**
 * Creates the ADMIN_EMAIL admin when no user has that email. Idempotent and never overwrites: an existing user
 * keeps its password and role. Returns whether an account was created.
 */
export async function bootstrapAdmin(ctx: DomainContext, admin: { email: string; password: string }): Promise<boolean> {
  const email = normalizeEmail(admin.email);
  if (await ctx.repos.users.findByEmail(email)) return false;
  try {
    await createAccount(
      ctx,
      { email, password: admin.password, role: 'admin', isVerified: true },
      { action: 'admin.bootstrapped', actorId: null, ip: null },
    );
    return true;
  } catch (error) {
    // Another instance starting at the same moment created it first.
    if (error instanceof AuthError && error.code === 'email_taken') return false;
    throw error;
  }
}
