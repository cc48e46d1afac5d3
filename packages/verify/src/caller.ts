/**
 * The roles a Gatehouse access token can carry (API.md "User").
 *
 * @example
 * ```ts
 * const staff: Role[] = ['admin'];
 * ```
 */
export type Role = 'admin' | 'user' | 'guest';

/**
 * Who is calling: what a verified access token (or an introspection answer) says about its bearer. `scopes` come
 * from a `scope` claim when a token has one; Gatehouse access tokens have none, so they are derived from the role:
 * admin → read, write, admin; user → read, write; guest → read.
 *
 * @example
 * ```ts
 * const caller: Caller = await verifier.verify(token);
 * if (!caller.scopes.includes('write')) throw new VerifyError('forbidden');
 * db.notes.where('owner_id', '=', caller.userId);
 * ```
 */
export interface Caller {
  readonly userId: string;
  readonly sessionId: string;
  readonly role: Role;
  readonly scopes: readonly string[];
}

export const ROLES: readonly Role[] = ['admin', 'user', 'guest'];

/**
 * Access tokens carry no `scope` claim: a token speaks for its user, whose role bounds what it may do. The scopes a
 * resource server sees are derived from the role so that scope checks work the same for tokens and for API keys.
 */
const ROLE_SCOPES: Readonly<Record<Role, readonly string[]>> = {
  admin: Object.freeze(['read', 'write', 'admin']),
  user: Object.freeze(['read', 'write']),
  guest: Object.freeze(['read']),
};

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** An explicit space-separated `scope` claim (RFC 8693 §4.2) wins; otherwise the role's scopes. */
export function scopesFor(role: Role, scopeClaim: unknown): readonly string[] {
  if (typeof scopeClaim === 'string') return Object.freeze(scopeClaim.split(' ').filter((scope) => scope !== ''));
  return ROLE_SCOPES[role];
}

/**
 * True when the caller has one of the given roles.
 *
 * @example
 * ```ts
 * import { hasRole } from '@gatehouse/verify';
 * if (!hasRole(caller, 'admin')) throw new VerifyError('forbidden');
 * ```
 */
export function hasRole(caller: Caller, ...roles: Role[]): boolean {
  return roles.includes(caller.role);
}
