import type { ApiCall } from './api-caller.js';
import { GatehouseError } from './gatehouse-error.js';
import type { User } from './generated/api-types.js';
import type { BodyOf } from './operations.js';
import type { TokenRefresher } from './token-refresher.js';
import type { Tokens, TokenStorage } from './token-storage.js';

export type RegisterInput = BodyOf<'POST /api/v1/auth/register'>;
export type LoginInput = BodyOf<'POST /api/v1/auth/login'>;
export type ProfileUpdate = BodyOf<'PATCH /api/v1/users/me'>;

/** Signing up, in and out, and the caller's own profile. */
export interface AccountApi {
  /**
   * Creates an account (201 User). Does not sign in: call `login` next.
   * @example
   * ```ts
   * const user = await client.register({ email: 'ada@example.com', password: 'correct horse battery staple', username: 'ada' });
   * ```
   */
  register(input: RegisterInput): Promise<User>;
  /**
   * Signs in with a username or email. Token mode stores the tokens; cookie mode lets the browser keep the session
   * cookie. Wrong credentials throw `invalid_credentials`; a locked account `account_locked` with `retryAfter`.
   * @example
   * ```ts
   * await client.login({ username: 'ada@example.com', password: 'correct horse battery staple', device_name: 'laptop' });
   * ```
   */
  login(input: LoginInput): Promise<void>;
  /**
   * Ends the session on the server (its refresh and access tokens stop working at once) and forgets the tokens.
   * An already ended session is not an error.
   * @example
   * ```ts
   * await client.logout();
   * ```
   */
  logout(): Promise<void>;
  /**
   * The signed-in user.
   * @example
   * ```ts
   * const { id, email, role } = await client.me();
   * ```
   */
  me(): Promise<User>;
  /**
   * Updates the caller's display name, username or email (an email change needs `current_password`).
   * @example
   * ```ts
   * const user = await client.updateProfile({ display_name: 'Ada L.' });
   * ```
   */
  updateProfile(update: ProfileUpdate): Promise<User>;
  /**
   * Deletes the caller's account after checking the password, and forgets the tokens.
   * @example
   * ```ts
   * await client.deleteAccount('correct horse battery staple');
   * ```
   */
  deleteAccount(password: string): Promise<void>;
  /**
   * Refreshes the tokens now (calls do it on their own when needed). Shares a refresh already in flight.
   * A refresh the server refuses clears the stored tokens and throws.
   * @example
   * ```ts
   * const { expires_in } = await client.refresh();
   * ```
   */
  refresh(): Promise<Tokens>;
  /**
   * The stored tokens, or null when signed out (always null in cookie mode).
   * @example
   * ```ts
   * const signedIn = (await client.tokens()) !== null;
   * ```
   */
  tokens(): Promise<Tokens | null>;
}

export function accountApi(call: ApiCall, mode: 'token' | 'cookie', storage: TokenStorage, refresher: TokenRefresher): AccountApi {
  return {
    register: (body) => call('POST /api/v1/auth/register', { body }, { anonymous: true }),
    async login(body) {
      if (mode === 'cookie') return call('POST /api/v1/auth/cookie/login', { body }, { anonymous: true });
      await storage.set(await call('POST /api/v1/auth/login', { body }, { anonymous: true }));
    },
    async logout() {
      if (mode === 'cookie') return endQuietly(call('POST /api/v1/auth/cookie/logout', {}));
      if (!(await storage.get())) return;
      try {
        await endQuietly(call('POST /api/v1/auth/logout', {}).then(() => undefined));
      } finally {
        await storage.clear();
      }
    },
    me: () => call('GET /api/v1/auth/me', {}),
    updateProfile: (body) => call('PATCH /api/v1/users/me', { body }),
    async deleteAccount(password) {
      await call('DELETE /api/v1/users/me', { body: { password } });
      if (mode === 'token') await storage.clear();
    },
    refresh: () => refresher.refresh(),
    tokens: async () => (mode === 'token' ? storage.get() : null),
  };
}

/** Logging out of a session that has already ended (revoked, expired) has nothing left to do. */
async function endQuietly(logout: Promise<void>): Promise<void> {
  try {
    await logout;
  } catch (error) {
    if (!(error instanceof GatehouseError && error.status === 401)) throw error;
  }
}
