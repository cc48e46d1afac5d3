import { Command, Option } from 'commander';
import { CLI_ACTOR } from '../domain/admin/actor.js';
import { withContext } from './context.js';
import { promptNewPassword, readPasswordFromStdin } from './password-input.js';

interface ResetOptions {
  readonly passwordStdin?: boolean;
  readonly interactive?: boolean;
  readonly sendEmail?: boolean;
}

export function userResetPasswordCommand(): Command {
  return new Command('reset-password')
    .summary('set a user’s password, or mail them a reset link')
    .description('Set a new password (every session of the user ends) or mail the user a password reset link')
    .argument('<user>', 'the user: id, email or username')
    .addOption(new Option('--password-stdin', 'read the new password from stdin (one trailing newline is removed)').conflicts(['interactive', 'sendEmail']))
    .addOption(new Option('--interactive', 'prompt for the new password twice, without echo').conflicts('sendEmail'))
    .option('--send-email', 'mail the user a reset link instead (needs SMTP settings)')
    .addHelpText(
      'after',
      `
Exactly one of --password-stdin, --interactive or --send-email is required.

Examples:
  $ gatehouse user reset-password ada@example.com --interactive
  $ printf '%s' "$NEW_PASSWORD" | gatehouse user reset-password ada --password-stdin
  $ gatehouse user reset-password ada@example.com --send-email
`,
    )
    .action(async (reference: string, options: ResetOptions, command: Command) => {
      if (!options.passwordStdin && !options.interactive && !options.sendEmail) {
        command.error('error: give --password-stdin (piped in), --interactive (typed at a hidden prompt) or --send-email (mail a reset link)');
      }
      const [{ findUserByReference }, { adminResetPassword }] = await Promise.all([
        import('../domain/accounts/find-user.js'),
        import('../domain/admin/admin-reset-password.js'),
      ]);
      const name = await withContext(async (ctx) => {
        const user = await findUserByReference(ctx, reference);
        if (options.sendEmail) {
          if (ctx.mailer.mode === 'disabled') throw new Error('no SMTP server is configured (set SMTP_URL or SMTP_HOST); set the password with --password-stdin instead');
          await adminResetPassword(ctx, CLI_ACTOR, user.id, { sendEmail: true });
        } else {
          const newPassword = options.passwordStdin ? await readPasswordFromStdin() : await promptNewPassword();
          await adminResetPassword(ctx, CLI_ACTOR, user.id, { newPassword });
        }
        return user.email ?? user.username ?? user.id;
      });
      console.log(options.sendEmail ? `Mailed a password reset link to ${name}` : `Password set for ${name}; their sessions have ended`);
    });
}
