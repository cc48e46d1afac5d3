import type { ApiCall } from './api-caller.js';
import type { BulkResults, Stats, User, UserList } from './generated/api-types.js';
import type { Message } from './password-api.js';
import type { BodyOf, QueryOf, ResponseOf } from './operations.js';
import type { PageQuery, SessionPage } from './sessions-api.js';

export type UserListQuery = QueryOf<'GET /api/v1/users'>;
export type AuditLogQuery = Omit<QueryOf<'GET /api/v1/admin/audit-log'>, 'format'>;
export type AuditLogPage = ResponseOf<'GET /api/v1/admin/audit-log'>;
export type LoginHistoryPage = ResponseOf<'GET /api/v1/admin/users/{id}/login-history'>;

/** Accounts as an administrator manages them (a `user` or `guest` gets 403 `forbidden`). */
export interface AdminUsersApi {
  /**
   * One page of the user directory: search (`q`), filter (`role`, `status`), `sort`; pass `next_cursor` back as
   * `cursor` (with the same filters) for the next page.
   * @example
   * ```ts
   * const first = await client.admin.users.list({ q: 'ada', status: 'active', limit: 50 });
   * const second = first.next_cursor ? await client.admin.users.list({ q: 'ada', status: 'active', limit: 50, cursor: first.next_cursor }) : null;
   * ```
   */
  list(query?: UserListQuery): Promise<UserList>;
  /**
   * Every user the query selects, page after page, following `next_cursor`.
   * @example
   * ```ts
   * for await (const user of client.admin.users.all({ role: 'admin' })) console.log(user.email);
   * ```
   */
  all(query?: Omit<UserListQuery, 'cursor' | 'skip'>): AsyncGenerator<User, void, undefined>;
  /**
   * Creates a user (an email, a username or both); `role` and `is_verified` optional.
   * @example
   * ```ts
   * const user = await client.admin.users.create({ email: 'bob@example.com', password, role: 'user', is_verified: true });
   * ```
   */
  create(input: BodyOf<'POST /api/v1/users'>): Promise<User>;
  /**
   * A user by id, with their rate limits and usage.
   * @example
   * ```ts
   * const user = await client.admin.users.get(id);
   * ```
   */
  get(id: string): Promise<User>;
  /**
   * Changes profile fields, `role`, `is_active`, `is_verified` or per-user rate limits.
   * @example
   * ```ts
   * await client.admin.users.update(id, { role: 'admin', rate_limit_per_minute: 120 });
   * ```
   */
  update(id: string, update: BodyOf<'PATCH /api/v1/users/{id}'>): Promise<User>;
  /**
   * Deletes a user; their sessions end at once.
   * @example
   * ```ts
   * await client.admin.users.delete(id);
   * ```
   */
  delete(id: string): Promise<void>;
  /**
   * Suspends a user, optionally until an ISO time; their sessions end at once.
   * @example
   * ```ts
   * await client.admin.users.suspend(id, { reason: 'abuse report #42', until: '2026-12-31T00:00:00Z' });
   * ```
   */
  suspend(id: string, input?: BodyOf<'POST /api/v1/admin/users/{id}/suspend'>): Promise<User>;
  /**
   * Lifts a suspension.
   * @example
   * ```ts
   * await client.admin.users.unsuspend(id);
   * ```
   */
  unsuspend(id: string): Promise<User>;
  /**
   * Clears a login lockout.
   * @example
   * ```ts
   * await client.admin.users.unlock(id);
   * ```
   */
  unlock(id: string): Promise<Message>;
  /**
   * Sets a user's password (`new_password`) or mails them a reset link (`send_email: true`); their sessions end.
   * @example
   * ```ts
   * await client.admin.users.resetPassword(id, { send_email: true });
   * ```
   */
  resetPassword(id: string, input: BodyOf<'POST /api/v1/admin/users/{id}/reset-password'>): Promise<Message>;
  /**
   * A user's login attempts, newest first.
   * @example
   * ```ts
   * const { items } = await client.admin.users.loginHistory(id, { limit: 100 });
   * ```
   */
  loginHistory(id: string, page?: PageQuery): Promise<LoginHistoryPage>;
  /**
   * A user's live sessions, newest first.
   * @example
   * ```ts
   * const { items } = await client.admin.users.sessions(id);
   * ```
   */
  sessions(id: string, page?: PageQuery): Promise<SessionPage>;
  /**
   * Ends every session of a user.
   * @example
   * ```ts
   * await client.admin.users.revokeSessions(id);
   * ```
   */
  revokeSessions(id: string): Promise<void>;
  /**
   * One action on up to 1000 users; one result per id, each succeeding or failing on its own.
   * @example
   * ```ts
   * const { results } = await client.admin.users.bulk({ action: 'suspend', ids, reason: 'spam wave' });
   * ```
   */
  bulk(input: BodyOf<'POST /api/v1/admin/users/bulk'>): Promise<BulkResults>;
  /**
   * How many users there are.
   * @example
   * ```ts
   * const total = await client.admin.users.count();
   * ```
   */
  count(): Promise<number>;
}

export interface AdminApi {
  readonly users: AdminUsersApi;
  /**
   * One page of the security log, newest first, filtered by `action` (names or `prefix.*`), actor, target and time.
   * @example
   * ```ts
   * const { items, next_cursor } = await client.admin.auditLog({ action: 'user.*', limit: 100 });
   * ```
   */
  auditLog(query?: AuditLogQuery): Promise<AuditLogPage>;
  /**
   * Counts of users, logins in the last 24 hours and live sessions.
   * @example
   * ```ts
   * const { users, active_sessions } = await client.admin.stats();
   * ```
   */
  stats(): Promise<Stats>;
}

export function adminApi(call: ApiCall): AdminApi {
  const users: AdminUsersApi = {
    list: (query = {}) => call('GET /api/v1/users', { query }),
    async *all(query = {}) {
      let cursor: string | undefined;
      do {
        const page = await call('GET /api/v1/users', { query: { ...query, ...(cursor !== undefined && { cursor }) } });
        yield* page.items;
        cursor = page.next_cursor ?? undefined;
      } while (cursor !== undefined);
    },
    create: (body) => call('POST /api/v1/users', { body }),
    get: (id) => call('GET /api/v1/users/{id}', { params: { id } }),
    update: (id, body) => call('PATCH /api/v1/users/{id}', { params: { id }, body }),
    delete: (id) => call('DELETE /api/v1/users/{id}', { params: { id } }),
    suspend: (id, body = {}) => call('POST /api/v1/admin/users/{id}/suspend', { params: { id }, body }),
    unsuspend: (id) => call('POST /api/v1/admin/users/{id}/unsuspend', { params: { id } }),
    unlock: (id) => call('POST /api/v1/admin/users/{id}/unlock', { params: { id } }),
    resetPassword: (id, body) => call('POST /api/v1/admin/users/{id}/reset-password', { params: { id }, body }),
    loginHistory: (id, query = {}) => call('GET /api/v1/admin/users/{id}/login-history', { params: { id }, query }),
    sessions: (id, query = {}) => call('GET /api/v1/admin/users/{id}/sessions', { params: { id }, query }),
    revokeSessions: (id) => call('DELETE /api/v1/admin/users/{id}/sessions', { params: { id } }),
    bulk: (body) => call('POST /api/v1/admin/users/bulk', { body }),
    count: async () => (await call('GET /api/v1/users/stats/count', {})).total_users,
  };
  return {
    users,
    auditLog: (query = {}) => call('GET /api/v1/admin/audit-log', { query }),
    stats: () => call('GET /api/v1/admin/stats', {}),
  };
}
