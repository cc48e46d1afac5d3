import { AuthError } from '../../errors/auth-error.js';
import { allows } from '../access/authorize.js';
import { updateProfile } from '../accounts/update-profile.js';
import type { User } from '../accounts/user.js';
import type { DomainContext } from '../context.js';
import type { Principal } from '../sessions/authenticate.js';
import type { Actor } from './actor.js';
import { getUser, RATE_LIMIT_PATHS, type UserChanges, updateUser } from './manage-users.js';

/**
 * GET /users/{id}: the user themself, or a caller who may read users. Anyone else gets the same 404 as for an id
 * that does not exist, so asking reveals nothing (API.md "Other users' objects").
 */
export async function viewUser(ctx: DomainContext, principal: Principal, targetId: string): Promise<User> {
  if (principal.user.id !== targetId && !allows(principal, 'users:read')) throw new AuthError('not_found');
  return getUser(ctx, targetId);
}

const ADMIN_FIELDS = { role: '/role', isActive: '/is_active', isVerified: '/is_verified' } as const;
/**
 * PATCH /users/{id}. A caller who may manage users changes any field (through updateUser, with its last-admin
 * rule); anyone else only their own profile, as PATCH /users/me does, and another user's id is a 404. Nobody
 * changes their own email here: that needs the current password, on PATCH /users/me.
 */
export async function editUser(ctx: DomainContext, principal: Principal, actor: Actor, targetId: string, changes: UserChanges): Promise<User> {
  const self = principal.user.id === targetId;
  if (allows(principal, 'users:write')) {
    if (self && changes.email !== undefined) throw ownEmailError();
    return updateUser(ctx, actor, targetId, changes);
  }
  if (!self) throw new AuthError('not_found');
  for (const [field, path] of Object.entries(ADMIN_FIELDS)) {
    if (changes[field as keyof typeof ADMIN_FIELDS] !== undefined) {
      throw AuthError.validation(path, 'Role and account status are changed by an administrator, not by the account itself');
    }
  }
  // Raising one's own limits would make them no limits (API.md: PATCH /users/me with limits → 422).
  for (const [window, path] of Object.entries(RATE_LIMIT_PATHS)) {
    if (changes.rateLimits?.[window as keyof typeof RATE_LIMIT_PATHS] !== undefined) {
      throw AuthError.validation(path, 'Rate limits are set by an administrator, not by the account itself');
    }
  }
  if (changes.email !== undefined) throw ownEmailError();
  return updateProfile(ctx, targetId, { displayName: changes.displayName, username: changes.username }, { ip: actor.ip, userAgent: null });
}

function ownEmailError(): AuthError {
  return AuthError.validation('/email', 'Change your own email with PATCH /users/me, together with current_password');
}
