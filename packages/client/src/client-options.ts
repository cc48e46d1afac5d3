import type { TokenStorage } from './token-storage.js';

/** Reads a cookie visible to script by name (cookie mode reads `gh_csrf` with it). */
export interface CookieReader {
  get(name: string): string | undefined;
}

export interface GatehouseClientOptions {
  /** Where Gatehouse is served, such as `https://auth.example.com`; `''` for the page's own origin in a browser. */
  readonly baseUrl: string;
  /**
   * How the client proves who it is. `token` (the default): logins return access and refresh tokens, kept in
   * `storage` and refreshed automatically. `cookie`: the browser keeps the httpOnly `gh_session` cookie and the
   * client echoes the `gh_csrf` cookie in `X-CSRF-Token` on state-changing calls; nothing is stored by the SDK.
   */
  readonly mode?: 'token' | 'cookie';
  /** Where tokens live in token mode; `memoryStorage()` by default. */
  readonly storage?: TokenStorage;
  /** The fetch to use; the global one by default. Wrap it to add logging, a cookie jar outside browsers, or retries. */
  readonly fetch?: typeof fetch;
  /** The current time in epoch milliseconds, for deciding when a token is about to expire; `Date.now` by default. */
  readonly now?: () => number;
  /** Refresh this many seconds before the access token's `exp` (default 30, the server's allowed clock skew). */
  readonly refreshLeewaySeconds?: number;
  /** fetch's `credentials` for calls to Gatehouse; default `include` in cookie mode, fetch's own default in token mode. */
  readonly credentials?: RequestCredentials;
  /** Reads script-visible cookies in cookie mode; `document.cookie` by default (pass one outside browsers). */
  readonly cookies?: CookieReader;
}
