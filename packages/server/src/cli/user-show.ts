import { Command } from 'commander';
import { withContext } from './context.js';
import { printUser, userRecord } from './user-output.js';

export function userShowCommand(): Command {
  return new Command('show')
    .summary('show one user')
    .description('Show a user: profile, role and status (never the password hash)')
    .argument('<user>', 'the user: id, email or username')
    .option('--json', 'print JSON instead of aligned text')
    .addHelpText('after', '\nExamples:\n  $ gatehouse user show ada@example.com\n  $ gatehouse user show ada --json\n')
    .action(async (reference: string, options: { json?: boolean }) => {
      const { findUserByReference } = await import('../domain/accounts/find-user.js');
      const user = await withContext((ctx) => findUserByReference(ctx, reference));
      if (options.json) console.log(JSON.stringify(userRecord(user), null, 2));
      else printUser(user);
    });
}
