import { createInterface } from 'node:readline/promises';
import { Command } from 'commander';
import { CLI_ACTOR } from '../domain/admin/actor.js';
import { withContext } from './context.js';

export function userDeleteCommand(): Command {
  return new Command('delete')
    .summary('delete a user and everything that is theirs')
    .description('Delete a user with their sessions, keys and login history; the audit log keeps the fact. The last active admin cannot be deleted.')
    .argument('<user>', 'the user: id, email or username')
    .option('--yes', 'do not ask for confirmation (required when not at a terminal)')
    .addHelpText('after', '\nExamples:\n  $ gatehouse user delete mallory@example.com\n  $ gatehouse user delete 0192f0c1-... --yes\n')
    .action(async (reference: string, options: { yes?: boolean }, command: Command) => {
      if (!options.yes && !process.stdin.isTTY) command.error('error: deleting cannot be undone; add --yes to confirm when not at a terminal');
      const [{ findUserByReference }, { deleteUser }] = await Promise.all([import('../domain/accounts/find-user.js'), import('../domain/admin/manage-users.js')]);
      const deleted = await withContext(async (ctx) => {
        const user = await findUserByReference(ctx, reference);
        const name = user.email ?? user.username ?? user.id;
        if (!options.yes && !(await confirm(`Delete ${name} (${user.id})? Type "yes" to confirm: `))) return undefined;
        await deleteUser(ctx, CLI_ACTOR, user.id);
        return name;
      });
      console.log(deleted === undefined ? 'Nothing deleted' : `Deleted user ${deleted}`);
    });
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question)).trim().toLowerCase() === 'yes';
  } finally {
    rl.close();
  }
}
