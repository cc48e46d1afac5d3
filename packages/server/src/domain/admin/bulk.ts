import { AuthError } from '../../errors/auth-error.js';
import type { Permission } from '../access/permissions.js';
import { suspendUser, unsuspendUser } from '../accounts/suspension.js';
import type { Role } from '../accounts/user.js';
import type { DomainContext } from '../context.js';
import type { Actor } from './actor.js';
import { deleteUser, setRole, updateUser } from './manage-users.js';
import { revokeUserSessions } from './user-sessions.js';

export const BULK_ACTIONS = ['suspend', 'unsuspend', 'delete', 'set_role', 'verify', 'revoke_sessions'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];
export const MAX_BULK_IDS = 1000;

export interface BulkOrder {
  readonly action: BulkAction;
  readonly ids: readonly string[];
  /** The new role: required with set_role, refused otherwise. */
  readonly role?: Role | undefined;
  /** Why, for suspend only. */
  readonly reason?: string | null | undefined;
}

/** One per id, in the order of the request. `error` is a stable snake_case code. */
export interface BulkResult {
  readonly id: string;
  readonly ok: boolean;
  readonly error?: string;
}

/** What each action needs on top of the route's own permission. */
const PERMISSION: Readonly<Record<BulkAction, Permission>> = {
  suspend: 'users:write',
  unsuspend: 'users:write',
  delete: 'users:delete',
  set_role: 'users:write',
  verify: 'users:write',
  revoke_sessions: 'sessions:revoke',
};

/** One stray id in a long list must not lock the administrator out: these skip their own account. */
const NOT_ON_SELF: ReadonlySet<BulkAction> = new Set(['suspend', 'delete', 'set_role']);

/**
 * Applies one action to up to 1000 users. Each id is its own use-case call with its own transaction, so each
 * change is whole or absent and one failing id (unknown, the caller's own, the last admin) leaves the others
 * applied. `authorize` throws when the caller may not run the action (over HTTP: authorize(principal, …)).
 */
export async function runBulk(
  ctx: DomainContext,
  authorize: (permission: Permission) => void,
  actor: Actor,
  order: BulkOrder,
): Promise<BulkResult[]> {
  authorize(PERMISSION[order.action]);
  checkOrder(order);
  const results: BulkResult[] = [];
  for (const id of order.ids) results.push(await applyTo(ctx, actor, order, id));
  return results;
}

function checkOrder(order: BulkOrder): void {
  if (order.ids.length === 0 || order.ids.length > MAX_BULK_IDS) throw AuthError.validation('/ids', `Give 1 to ${MAX_BULK_IDS} ids`);
  const seen = new Set<string>();
  order.ids.forEach((id, index) => {
    if (seen.has(id)) throw AuthError.validation(`/ids/${index}`, `The id ${id} appears more than once; give each id once`);
    seen.add(id);
  });
  if (order.action === 'set_role' && order.role === undefined) throw AuthError.validation('/role', 'set_role needs the role to set');
  if (order.action !== 'set_role' && order.role !== undefined) throw AuthError.validation('/role', 'role goes only with set_role');
  if (order.action !== 'suspend' && order.reason !== undefined) throw AuthError.validation('/reason', 'reason goes only with suspend');
}

async function applyTo(ctx: DomainContext, actor: Actor, order: BulkOrder, id: string): Promise<BulkResult> {
  if (NOT_ON_SELF.has(order.action) && id === actor.userId) return { id, ok: false, error: 'cannot_target_self' };
  try {
    await apply(ctx, actor, order, id);
    return { id, ok: true };
  } catch (error) {
    if (error instanceof AuthError) return { id, ok: false, error: error.publicCode };
    ctx.log.error({ err: error, userId: id, action: order.action }, 'a bulk action failed for one user');
    return { id, ok: false, error: 'internal_error' };
  }
}

async function apply(ctx: DomainContext, actor: Actor, order: BulkOrder, id: string): Promise<void> {
  switch (order.action) {
    case 'suspend':
      await suspendUser(ctx, actor, id, { reason: order.reason ?? null, until: null });
      return;
    case 'unsuspend':
      await unsuspendUser(ctx, actor, id);
      return;
    case 'delete':
      await deleteUser(ctx, actor, id);
      return;
    case 'set_role':
      await setRole(ctx, actor, id, order.role as Role);
      return;
    case 'verify':
      await updateUser(ctx, actor, id, { isVerified: true });
      return;
    case 'revoke_sessions':
      await revokeUserSessions(ctx, actor, id);
      return;
  }
}
