import { AuthError } from '../../errors/auth-error.js';
import { checkNewPassword } from '../../security/password-policy.js';
import type { AuditAction } from '../audit/audit-entry.js';
import { writeAudit } from '../audit/audit-entry.js';
import type { DomainContext } from '../context.js';
import { checkDisplayName, checkUsername, normalizeEmail } from './identity.js';
import type { Role, User } from './user.js';

export interface NewAccount {
  readonly email?: string | undefined;
  readonly username?: string | undefined;
  readonly password: string;
  readonly displayName?: string | null | undefined;
  readonly role: Role;
  readonly isVerified: boolean;
}

export interface AccountOrigin {
  readonly action: Extract<AuditAction, 'user.registered' | 'user.created' | 'admin.bootstrapped'>;
  /** The admin who created it (null at the command line); a registration or bootstrap is recorded as the user's own act. */
  readonly actorId: string | null;
  readonly ip: string | null;
  readonly details?: Record<string, unknown>;
}

/** Creates a user (registration, CLI, admin bootstrap): validation, policy, hash, insert and audit in one place. */
export async function createAccount(ctx: DomainContext, input: NewAccount, origin: AccountOrigin): Promise<User> {
  const email = input.email === undefined ? null : normalizeEmail(input.email);
  const username = input.username === undefined ? null : checkUsername(input.username);
  if (email === null && username === null) throw AuthError.validation('/email', 'Give an email or a username');
  const displayName = input.displayName === undefined ? null : checkDisplayName(input.displayName);
  const password = checkNewPassword(input.password, ctx.config.password, { email, username });
  const passwordHash = await ctx.hasher.hash(password);
  const id = ctx.newId();
  const at = ctx.clock.now();
  try {
    await ctx.repos.transaction(async (repos) => {
      await repos.users.insert({
        id,
        email,
        username,
        displayName,
        passwordHash,
        role: input.role,
        isActive: true,
        isVerified: input.isVerified,
        at,
      });
      await writeAudit(ctx, repos, {
        action: origin.action,
        actorId: origin.action === 'user.created' ? origin.actorId : id,
        targetId: id,
        ip: origin.ip,
        details: { ...origin.details, role: input.role },
      });
    });
  } catch (error) {
    throw conflictError(ctx, error) ?? error;
  }
  const user = await ctx.repos.users.findById(id);
  if (!user) throw new Error(`user ${id} vanished right after it was created`);
  return user;
}

/** Translates a unique-index violation on users into the API's 409 codes. */
export function conflictError(ctx: DomainContext, error: unknown): AuthError | undefined {
  const index = ctx.uniqueViolation(error);
  if (index === undefined) return undefined;
  return new AuthError(index.includes('username') ? 'username_taken' : 'email_taken');
}
