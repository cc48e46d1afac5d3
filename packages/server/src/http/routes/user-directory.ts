import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ROLES, type Role } from '../../domain/accounts/user.js';
import {
  COUNT_CAP,
  listUsers,
  MAX_QUERY_LENGTH,
  SUBSTRING_MIN_LENGTH,
  USER_SORTS,
  USER_STATUSES,
  type UserSort,
  type UserStatus,
} from '../../domain/admin/list-users.js';
import type { DomainContext } from '../../domain/context.js';
import { allow } from '../plugins/access.js';
import { problems } from '../schemas/common.js';
import { PageQuery } from '../schemas/pagination.js';
import { toAdminUserResponse, UserResponse } from '../schemas/user.js';

const bearer = [{ bearerAuth: [] }];

const UserListQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: MAX_QUERY_LENGTH, description: 'Search text (see above)' })),
    role: Type.Optional(Type.Unsafe<Role>({ type: 'string', enum: [...ROLES] })),
    status: Type.Optional(Type.Unsafe<UserStatus>({ type: 'string', enum: [...USER_STATUSES] })),
    sort: Type.Optional(Type.Unsafe<UserSort>({ type: 'string', enum: [...USER_SORTS], default: '-created_at' })),
    ...PageQuery,
    // Longer than other lists' cursors: this one carries an email address and a signature.
    cursor: Type.Optional(Type.String({ maxLength: 1_000 })),
  },
  { additionalProperties: false },
);

const UserList = Type.Object(
  {
    items: Type.Array(UserResponse),
    next_cursor: Type.Union([Type.String(), Type.Null()]),
    total: Type.Integer({ description: `Users the filters select, counted up to ${COUNT_CAP} (see total_exact)` }),
    total_exact: Type.Boolean({ description: `false when more than ${COUNT_CAP} users match: total then reads ${COUNT_CAP}` }),
  },
  { title: 'UserList' },
);

const DESCRIPTION = `Admins only (permission users:read; an API key needs scopes read and admin).

- \`q\` of ${SUBSTRING_MIN_LENGTH} or more characters finds users whose email, username or display name contains it,
  ignoring case; \`%\`, \`_\` and \`\\\` are matched literally. Shorter \`q\` matches the start of the email or the
  username (no index can look up one or two characters anywhere in a name).
- \`status\`: \`active\` (active and not suspended), \`suspended\`, \`inactive\` (deactivated), \`unverified\` (email not
  verified), \`locked\` (refused logins by the lockout counters right now).
- \`sort\`: \`-created_at\` (newest first, the default), \`created_at\`, \`email\` or \`-email\` (users without an email
  by their username), \`last_login_at\` or \`-last_login_at\` (never logged in counts as oldest). Ties are broken by id.
- \`next_cursor\` continues the same query (same \`q\`, \`role\`, \`status\` and \`sort\`): opaque, signed by the server, and
  refused (422) when altered or sent with other filters. Users added while paging never make another user appear twice
  or be skipped. \`skip\` is an offset for old clients, ignored with a cursor.
- \`total\` is counted when the first page is asked for and carried in the cursor, so later pages repeat it. It is exact
  for the whole directory and for \`status\` active, suspended or unverified alone, or \`role=admin\` alone (counts the
  database keeps); for other filters it counts up to ${COUNT_CAP} and says \`total_exact: false\` beyond.`;

/** GET /api/v1/users: the admin user directory. */
export function userDirectoryRoutes(ctx: DomainContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/users',
      {
        ...allow(ctx, 'users:read'),
        schema: {
          tags: ['users'],
          summary: 'List users: search, filter by role and status, sort, page by cursor',
          description: DESCRIPTION,
          security: bearer,
          querystring: UserListQuery,
          response: { 200: UserList, ...problems(401, 403, 422) },
        },
      },
      async (request) => {
        const { q, role, status, sort, limit, cursor, skip } = request.query;
        const list = await listUsers(ctx, { q, role, status, sort, limit, cursor, skip });
        return { items: list.users.map(toAdminUserResponse), next_cursor: list.nextCursor, total: list.total, total_exact: list.totalExact };
      },
    );
  };
}
