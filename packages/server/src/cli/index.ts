#!/usr/bin/env -S node --max-semi-space-size=64
// The flag as in `npm start`: see docs/configuration.md, "Node.js flags".
import { Command } from 'commander';
import { VERSION } from '../version.js';
import { reportCliError } from './context.js';
import { keysRotateCommand } from './keys-rotate.js';
import { migrateCommand } from './migrate.js';
import { serveCommand } from './serve.js';
import { userCreateCommand } from './user-create.js';
import { userDeleteCommand } from './user-delete.js';
import { userImportCommand } from './user-import.js';
import { userExportCommand } from './user-export.js';
import { userListCommand } from './user-list.js';
import { userResetPasswordCommand } from './user-reset-password.js';
import { userSetRoleCommand } from './user-set-role.js';
import { userShowCommand } from './user-show.js';
import { userSuspendCommand, userUnsuspendCommand } from './user-suspension.js';

const program = new Command('gatehouse')
  .description('Gatehouse: self-hosted authentication and user management')
  .version(VERSION, '-v, --version', 'print the version')
  .addHelpText(
    'after',
    `
Every command reads the same settings as the server (environment variables and
./.env: DATABASE_URL, DATA_DIR, AUTH_SECRET_KEY, ...). Run commands with the
server's settings, or they act on another database or cannot read its keys.

Examples:
  $ gatehouse serve
  $ gatehouse migrate
  $ gatehouse user create --email ada@example.com --role admin --interactive
  $ gatehouse user list --status suspended
  $ gatehouse user set-role ada@example.com admin
  $ gatehouse keys rotate
  $ gatehouse help user create
`,
  );

program.addCommand(serveCommand());
program.addCommand(migrateCommand());
program.addCommand(
  new Command('user')
    .description('manage users')
    .addCommand(userCreateCommand())
    .addCommand(userListCommand())
    .addCommand(userShowCommand())
    .addCommand(userSuspendCommand())
    .addCommand(userUnsuspendCommand())
    .addCommand(userSetRoleCommand())
    .addCommand(userResetPasswordCommand())
    .addCommand(userDeleteCommand())
    .addCommand(userImportCommand())
    .addCommand(userExportCommand())
    .addHelpText(
      'after',
      '\nExamples:\n  $ gatehouse user create --email ada@example.com --interactive\n  $ gatehouse user list --query ada\n  $ gatehouse user suspend mallory@example.com --reason "abuse"\n',
    ),
);
program.addCommand(
  new Command('keys')
    .description('manage token signing keys')
    .addCommand(keysRotateCommand())
    .addHelpText('after', '\nExample:\n  $ gatehouse keys rotate\n'),
);

// Settings are not inherited through addCommand, so every level gets the hint explicitly.
const withHint = (command: Command): void => {
  command.showHelpAfterError('(add --help for usage)');
  command.commands.forEach(withHint);
};
withHint(program);

await program.parseAsync().catch(reportCliError);
