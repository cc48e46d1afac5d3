import type { Repositories } from '../../db/repositories/repositories.js';
import { AuthError } from '../../errors/auth-error.js';
import type { DomainContext } from '../context.js';

/**
 * Refuses to suspend, demote, deactivate or delete the last active admin: someone must be left who can run the
 * system. Call it inside the transaction of the change, before making it. The active admins stay locked until that
 * transaction ends, so of two admins demoting each other at the same moment the second sees the first's change
 * and is refused, instead of both checking "there is another admin" and both winning.
 */
export async function keepAnActiveAdmin(ctx: DomainContext, repos: Repositories, targetId: string): Promise<void> {
  const admins = await repos.users.lockActiveAdmins(ctx.clock.now());
  if (admins.length <= 1 && admins.includes(targetId)) throw new AuthError('last_admin');
}
