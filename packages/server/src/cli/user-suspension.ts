import { Command } from 'commander';
import { CLI_ACTOR } from '../domain/admin/actor.js';
import { withContext } from './context.js';
import { printUser } from './user-output.js';

export function userSuspendCommand(): Command {
  return new Command('suspend')
    .summary('suspend a user; their sessions end at once')
    .description('Suspend a user: every session ends, logins answer 403 until the suspension is lifted or runs out')
    .argument('<user>', 'the user: id, email or username')
    .option('--reason <text>', 'why (kept in the audit log and shown to admins)')
    .option('--until <time>', 'lift it by itself at this ISO 8601 time, for example 2026-12-31T00:00:00Z')
    .addHelpText(
      'after',
      '\nExamples:\n  $ gatehouse user suspend mallory@example.com --reason "credential stuffing"\n  $ gatehouse user suspend bob --until 2026-12-01T00:00:00Z\n',
    )
    .action(async (reference: string, options: { reason?: string; until?: string }, command: Command) => {
      const until = options.until === undefined ? null : Date.parse(options.until);
      if (until !== null && Number.isNaN(until)) command.error(`error: --until "${options.until}" is not a date and time; use ISO 8601, for example 2026-12-31T00:00:00Z`);
      const [{ findUserByReference }, { suspendUser }] = await Promise.all([
        import('../domain/accounts/find-user.js'),
        import('../domain/accounts/suspension.js'),
      ]);
      const user = await withContext(async (ctx) => {
        const target = await findUserByReference(ctx, reference);
        return suspendUser(ctx, CLI_ACTOR, target.id, { reason: options.reason?.trim() || null, until });
      });
      printUser(user, 'Suspended user');
    });
}

export function userUnsuspendCommand(): Command {
  return new Command('unsuspend')
    .summary('lift a suspension')
    .description('Lift a user’s suspension; they can log in again (their old sessions stay ended)')
    .argument('<user>', 'the user: id, email or username')
    .addHelpText('after', '\nExample:\n  $ gatehouse user unsuspend bob@example.com\n')
    .action(async (reference: string) => {
      const [{ findUserByReference }, { unsuspendUser }] = await Promise.all([
        import('../domain/accounts/find-user.js'),
        import('../domain/accounts/suspension.js'),
      ]);
      const user = await withContext(async (ctx) => unsuspendUser(ctx, CLI_ACTOR, (await findUserByReference(ctx, reference)).id));
      printUser(user, 'Suspension lifted');
    });
}
