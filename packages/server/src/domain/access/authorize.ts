import { AuthError } from '../../errors/auth-error.js';
import type { Principal } from '../sessions/authenticate.js';
import { keyAllows, type Permission, roleAllows } from './permissions.js';

/** Whether the caller holds the permission: by their role, and for an API key also by its scopes. */
export function allows(principal: Principal, permission: Permission): boolean {
  return principal.kind === 'api_key'
    ? keyAllows(principal.user.role, principal.scopes, permission)
    : roleAllows(principal.user.role, permission);
}

/** 403 `forbidden` unless the caller holds the permission. */
export function authorize(principal: Principal, permission: Permission): void {
  if (!allows(principal, permission)) {
    const detail =
      principal.kind === 'api_key' && roleAllows(principal.user.role, permission)
        ? `This API key's scopes do not cover "${permission}"`
        : `This needs the "${permission}" permission`;
    throw new AuthError('forbidden', { detail });
  }
}
