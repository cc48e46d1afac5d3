import { AuthError } from '../../errors/auth-error.js';
import type { DomainContext } from '../context.js';
import type { User } from './user.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A user named the way an operator would: by id, email or username. */
export async function findUserByReference(ctx: DomainContext, reference: string): Promise<User> {
  const name = reference.trim();
  const user = UUID.test(name)
    ? await ctx.repos.users.findById(name.toLowerCase())
    : name.includes('@')
      ? await ctx.repos.users.findByEmail(name)
      : (await ctx.repos.users.credentialsByUsername(name))?.user;
  if (!user) throw new AuthError('not_found', { detail: `no user "${name}": give an id, an email or a username` });
  return user;
}
