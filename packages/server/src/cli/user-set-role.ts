import { Argument, Command } from 'commander';
import { CLI_ACTOR } from '../domain/admin/actor.js';
import { ROLES, type Role } from '../domain/accounts/user.js';
import { withContext } from './context.js';
import { printUser } from './user-output.js';

export function userSetRoleCommand(): Command {
  return new Command('set-role')
    .summary('give a user another role')
    .description('Set a user’s role (admin, user or guest). The last active admin cannot be demoted. Running servers apply it at once when REDIS_URL is set (the events bus); without Redis, when they restart.')
    .argument('<user>', 'the user: id, email or username')
    .addArgument(new Argument('<role>', 'the new role').choices(ROLES))
    .addHelpText('after', '\nExamples:\n  $ gatehouse user set-role ada@example.com admin\n  $ gatehouse user set-role bot guest\n')
    .action(async (reference: string, role: Role) => {
      const [{ findUserByReference }, { setRole }] = await Promise.all([import('../domain/accounts/find-user.js'), import('../domain/admin/manage-users.js')]);
      const user = await withContext(async (ctx) => setRole(ctx, CLI_ACTOR, (await findUserByReference(ctx, reference)).id, role));
      printUser(user, `Role set to ${user.role}`);
    });
}
