import { Command, Option } from 'commander';
import { ROLES, type Role } from '../domain/accounts/user.js';
import { AuthError } from '../errors/auth-error.js';
import { withContext } from './context.js';
import { promptNewPassword, readPasswordFromStdin } from './password-input.js';

interface UserCreateOptions {
  readonly email: string;
  readonly username?: string;
  readonly displayName?: string;
  readonly role: Role;
  readonly verified?: boolean;
  readonly passwordStdin?: boolean;
  readonly interactive?: boolean;
  /** Hidden: only there to explain why it is refused instead of answering "unknown option". */
  readonly password?: string;
}

const ARGUMENT_LEAKS = 'a password given as an argument is kept in shell history and shown by `ps`';
const NO_PASSWORD_SOURCE = 'give the password with --password-stdin (piped in) or --interactive (typed at a hidden prompt)';

export function userCreateCommand(): Command {
  return new Command('create')
    .summary('create a user (admin bootstrap without the UI)')
    .description('Create a user with the same rules as registration: password policy, unique email and username, audit entry')
    .requiredOption('--email <email>', 'email address of the new user (required; also a login name)')
    .option('--username <name>', 'optional login name: 3 to 50 letters, digits, dot, underscore or hyphen')
    .option('--display-name <name>', 'name shown in the UI')
    .addOption(new Option('--role <role>', 'role of the new user').choices(ROLES).default('user'))
    .option('--verified', 'mark the email as already verified', false)
    .addOption(new Option('--password-stdin', 'read the password from stdin (one trailing newline is removed)').conflicts('interactive'))
    .option('--interactive', 'prompt for the password twice on the terminal, without echo')
    .addOption(new Option('--password <password>').hideHelp())
    .addHelpText(
      'after',
      `
Exactly one of --password-stdin or --interactive is required.

Examples:
  $ gatehouse user create --email ada@example.com --role admin --interactive
  $ printf '%s' "$ADA_PASSWORD" | gatehouse user create --email ada@example.com --username ada --password-stdin
  $ gatehouse user create --email bot@example.com --role guest --verified --password-stdin < password.txt
`,
    )
    .action(async (options: UserCreateOptions, command: Command) => {
      if (options.password !== undefined) command.error(`error: --password is refused because ${ARGUMENT_LEAKS}; ${NO_PASSWORD_SOURCE}`);
      if (!options.passwordStdin && !options.interactive) command.error(`error: ${NO_PASSWORD_SOURCE}`);
      const { createAccount } = await import('../domain/accounts/create-account.js');
      const user = await withContext(async (ctx) => {
        // Asked for once the settings and the database are known good, so nobody types a password in vain.
        const password = options.passwordStdin ? await readPasswordFromStdin() : await promptNewPassword();
        try {
          return await createAccount(
            ctx,
            {
              email: options.email,
              username: options.username,
              displayName: options.displayName,
              password,
              role: options.role,
              isVerified: options.verified === true,
            },
            { action: 'user.created', actorId: null, ip: null, details: { via: 'cli' } },
          );
        } catch (error) {
          throw takenError(error, options) ?? error;
        }
      });
      console.log('Created user');
      console.log(`  id:       ${user.id}`);
      console.log(`  email:    ${user.email ?? '(none)'}`);
      console.log(`  username: ${user.username ?? '(none)'}`);
      console.log(`  role:     ${user.role}`);
      console.log(`  verified: ${user.isVerified ? 'yes' : 'no'}`);
    });
}

function takenError(error: unknown, options: UserCreateOptions): Error | undefined {
  if (!(error instanceof AuthError) || error.status !== 409) return undefined;
  const what = error.code === 'username_taken' ? `username "${options.username}"` : `email "${options.email}"`;
  return new Error(`the ${what} is already taken (${error.detail})`);
}
