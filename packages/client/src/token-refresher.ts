import { GatehouseError } from './gatehouse-error.js';
import { accessTokenExpiry } from './token-expiry.js';
import type { Tokens, TokenStorage } from './token-storage.js';

export interface TokenRefresherOptions {
  readonly storage: TokenStorage;
  /** POST /auth/refresh: spends the refresh token and answers the next pair. */
  readonly exchange: (refreshToken: string) => Promise<Tokens>;
  readonly now: () => number;
  readonly leewayMs: number;
}

/**
 * The refresh in flight per store. Keyed by the store, not the client: clients sharing a store share its tokens and
 * so must share its refresh too. (Tabs of a browser sharing localStorage are separate contexts; for them the
 * server's reuse grace window answers a replay within seconds with the same successor instead of revoking.)
 */
const inFlight = new WeakMap<TokenStorage, Promise<Tokens>>();

/**
 * Keeps the stored access token fresh. Refresh tokens are single use and the server revokes the whole session when
 * one is presented twice (reuse detection), so every caller that wants a refresh shares the one in flight.
 */
export class TokenRefresher {
  readonly #options: TokenRefresherOptions;

  constructor(options: TokenRefresherOptions) {
    this.#options = options;
  }

  /** The access token to send now, refreshed first when it expires within the leeway; undefined when signed out. */
  async accessToken(): Promise<string | undefined> {
    const tokens = await this.#options.storage.get();
    if (!tokens) return undefined;
    const expiresAt = accessTokenExpiry(tokens.access_token);
    // An unreadable exp is left to the server to judge: a 401 then triggers the refresh.
    if (expiresAt === undefined || expiresAt - this.#options.leewayMs > this.#options.now()) return tokens.access_token;
    return (await this.refresh(tokens.access_token)).access_token;
  }

  /**
   * Refreshes once for everyone waiting. `stale` is the access token the caller found wanting: when the store
   * already holds another one, a refresh that finished meanwhile produced it, and it is used as is.
   */
  refresh(stale?: string): Promise<Tokens> {
    const { storage } = this.#options;
    const running = inFlight.get(storage);
    if (running) return running;
    const started = this.#run(stale).finally(() => inFlight.delete(storage));
    inFlight.set(storage, started);
    return started;
  }

  async #run(stale: string | undefined): Promise<Tokens> {
    const { storage, exchange } = this.#options;
    const tokens = await storage.get();
    if (!tokens) throw new GatehouseError({ status: 401, code: 'not_authenticated', detail: 'Not signed in: there is no refresh token to use' });
    if (stale !== undefined && tokens.access_token !== stale) return tokens;
    let next: Tokens;
    try {
      next = await exchange(tokens.refresh_token);
    } catch (error) {
      // The server refused the refresh token (spent, expired, session revoked): it will never work again. A network
      // failure, a 429 or a 5xx says nothing about the token, so the user stays signed in for the next attempt.
      if (error instanceof GatehouseError && error.status >= 400 && error.status < 500 && error.status !== 429) await storage.clear();
      throw error;
    }
    await storage.set(next);
    return next;
  }
}
