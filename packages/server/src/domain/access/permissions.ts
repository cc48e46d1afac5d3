import type { Role } from '../accounts/user.js';
import type { Scope } from '../api-keys/api-key.js';

/**
 * What a caller may do. `self:*` is about the caller's own account; everything else is administration.
 * A permission ending in `:read` changes nothing.
 */
export const PERMISSIONS = [
  'self:read',
  'self:write',
  'users:read',
  'users:write',
  'users:delete',
  'sessions:revoke',
  'audit:read',
  'analytics:read',
  'system:read',
  'tokens:introspect',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/**
 * The policy: which role holds which permissions. A `guest` may read its own account and nothing else; a `user`
 * manages its own account and may run a resource server (token introspection); an `admin` runs the system.
 */
export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  guest: ['self:read'],
  user: ['self:read', 'self:write', 'tokens:introspect'],
  admin: PERMISSIONS,
};

/**
 * The scopes a key needs for a permission: `read` for reading, `write` for any change, and `admin` on top for
 * anything beyond the owner's own account; introspection has a scope of its own, so a resource server's key can be
 * given that and nothing else. A key never holds a permission its owner's role lacks.
 */
export function scopesNeeded(permission: Permission): readonly Scope[] {
  if (permission === 'tokens:introspect') return ['introspect'];
  const access: Scope = permission.endsWith(':read') ? 'read' : 'write';
  return permission.startsWith('self:') ? [access] : [access, 'admin'];
}

export function roleAllows(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}

/** For an API key: the owner's role allows it and the key's scopes cover it. */
export function keyAllows(role: Role, scopes: readonly Scope[], permission: Permission): boolean {
  return roleAllows(role, permission) && scopesNeeded(permission).every((scope) => scopes.includes(scope));
}
