import type { ApiCall } from './api-caller.js';
import type { QueryOf, ResponseOf } from './operations.js';

export type PageQuery = QueryOf<'GET /api/v1/auth/sessions'>;
export type SessionPage = ResponseOf<'GET /api/v1/auth/sessions'>;

/** The caller's own sessions (one per login, per device). */
export interface SessionsApi {
  /**
   * The caller's live sessions, newest first; `current` marks this one. Page with `next_cursor`.
   * @example
   * ```ts
   * const { items } = await client.sessions.list({ limit: 50 });
   * ```
   */
  list(page?: PageQuery): Promise<SessionPage>;
  /**
   * Ends one of the caller's sessions (another user's id is a 404 `not_found`).
   * @example
   * ```ts
   * await client.sessions.revoke(sessionId);
   * ```
   */
  revoke(id: string): Promise<void>;
  /**
   * Ends every session of the caller except this one ("sign out everywhere else").
   * @example
   * ```ts
   * await client.sessions.revokeOthers();
   * ```
   */
  revokeOthers(): Promise<void>;
}

export function sessionsApi(call: ApiCall): SessionsApi {
  return {
    list: (query = {}) => call('GET /api/v1/auth/sessions', { query }),
    revoke: (id) => call('DELETE /api/v1/auth/sessions/{id}', { params: { id } }),
    revokeOthers: () => call('DELETE /api/v1/auth/sessions', {}),
  };
}
