import { Command, Option } from 'commander';
import { ROLES, type Role, type User } from '../domain/accounts/user.js';
import { USER_SORTS, USER_STATUSES, type UserSort, type UserStatus } from '../domain/admin/list-users.js';
import { withContext } from './context.js';
import { userRecord } from './user-output.js';

interface ListOptions {
  readonly query?: string;
  readonly role?: Role;
  readonly status?: UserStatus;
  readonly sort?: UserSort;
  readonly limit: string;
  readonly cursor?: string;
  readonly json?: boolean;
}

export function userListCommand(): Command {
  return new Command('list')
    .summary('list and search users')
    .description('List users a page at a time, with the search, filters and sort of GET /api/v1/users')
    .option('--query <text>', 'email, username or display name containing the text (1–2 characters: starting with it)')
    .addOption(new Option('--role <role>', 'only users with this role').choices(ROLES))
    .addOption(new Option('--status <status>', 'only users in this state').choices(USER_STATUSES))
    .addOption(new Option('--sort <order>', 'order; a leading - reverses it').choices(USER_SORTS).default('-created_at'))
    .option('--limit <n>', 'users per page, 1 to 100', '20')
    .option('--cursor <cursor>', 'continue after the page that printed this cursor')
    .option('--json', 'print {items, next_cursor, total, total_exact} as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ gatehouse user list --query ada
  $ gatehouse user list --status suspended --sort email
  $ gatehouse user list --role admin --json
`,
    )
    .action(async (options: ListOptions, command: Command) => {
      const limit = Number(options.limit);
      if (!/^\d+$/.test(options.limit) || limit < 1 || limit > 100) command.error(`error: --limit must be a whole number from 1 to 100, not "${options.limit}"`);
      const { listUsers } = await import('../domain/admin/list-users.js');
      const page = await withContext((ctx) =>
        listUsers(ctx, { q: options.query, role: options.role, status: options.status, sort: options.sort, limit, cursor: options.cursor }),
      );
      if (options.json) {
        console.log(JSON.stringify({ items: page.users.map(userRecord), next_cursor: page.nextCursor, total: page.total, total_exact: page.totalExact }, null, 2));
        return;
      }
      printTable(page.users);
      console.log(`${page.total}${page.totalExact ? '' : '+'} ${page.total === 1 ? 'user' : 'users'}${page.nextCursor ? `; next page: --cursor ${page.nextCursor}` : ''}`);
    });
}

function printTable(users: readonly User[]): void {
  const rows = users.map((user) => [user.id, user.email ?? '-', user.username ?? '-', user.role, statusOf(user)]);
  const header = ['ID', 'EMAIL', 'USERNAME', 'ROLE', 'STATUS'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  for (const row of [header, ...rows]) console.log(row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ').trimEnd());
}

function statusOf(user: User): string {
  if (user.isSuspended) return 'suspended';
  if (!user.isActive) return 'inactive';
  return user.isVerified ? 'active' : 'active, unverified';
}
