import { type AccountApi, accountApi } from './account-api.js';
import { type AdminApi, adminApi } from './admin-api.js';
import { createApiCaller } from './api-caller.js';
import { type ApiKeysApi, apiKeysApi } from './api-keys-api.js';
import { type Credentials, sendAuthorized } from './authorized-fetch.js';
import type { GatehouseClientOptions } from './client-options.js';
import { documentCookies } from './cookie-mode.js';
import { type EmailApi, emailApi, type PasswordApi, passwordApi } from './password-api.js';
import { networkError } from './problem-response.js';
import { type SessionsApi, sessionsApi } from './sessions-api.js';
import { TokenRefresher } from './token-refresher.js';
import { memoryStorage } from './token-storage.js';

export interface GatehouseClient extends AccountApi {
  readonly sessions: SessionsApi;
  readonly apiKeys: ApiKeysApi;
  readonly password: PasswordApi;
  readonly email: EmailApi;
  readonly admin: AdminApi;
  /**
   * `fetch` for your own APIs (resource servers that trust Gatehouse tokens): adds `Authorization: Bearer`, refreshes
   * like every other call, and after a 401 `token_expired` / `invalid_token` refreshes once and retries once. Answers
   * the Response as fetch does (no throw on 4xx/5xx); throws GatehouseError when the refresh itself fails or the
   * network does. A body that is a stream cannot be sent twice: pass strings, Blobs or FormData when a retry may happen.
   * In cookie mode it sends the browser's cookies (`credentials`) and nothing else.
   * @example
   * ```ts
   * const response = await client.fetch('https://notes.example.com/notes', { method: 'POST', body: JSON.stringify(note) });
   * ```
   */
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
}

const DEFAULT_LEEWAY_SECONDS = 30;

/**
 * Creates a Gatehouse client. Works in browsers and in Node 20+ (global fetch); no dependencies.
 *
 * @example
 * ```ts
 * import { createGatehouseClient } from '@gatehouse/client';
 * const client = createGatehouseClient({ baseUrl: 'https://auth.example.com' });
 * await client.login({ username: 'ada@example.com', password: 'correct horse battery staple' });
 * const me = await client.me();
 * ```
 */
export function createGatehouseClient(options: GatehouseClientOptions): GatehouseClient {
  const mode = options.mode ?? 'token';
  const fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const now = options.now ?? Date.now;
  const storage = options.storage ?? memoryStorage();
  const credentials = options.credentials ?? (mode === 'cookie' ? 'include' : undefined);
  // The refresher and the caller need each other: refreshing is itself an (anonymous) call.
  const refresher: TokenRefresher = new TokenRefresher({
    storage,
    now,
    leewayMs: (options.refreshLeewaySeconds ?? DEFAULT_LEEWAY_SECONDS) * 1000,
    exchange: (refresh_token) => call('POST /api/v1/auth/refresh', { body: { refresh_token } }, { anonymous: true }),
  });
  const auth: Credentials = mode === 'cookie' ? { mode, cookies: options.cookies ?? documentCookies } : { mode, refresher };
  const call = createApiCaller({ baseUrl: options.baseUrl, fetch: fetchImpl, now, credentials, auth });

  return {
    ...accountApi(call, mode, storage, refresher),
    sessions: sessionsApi(call),
    apiKeys: apiKeysApi(call),
    password: passwordApi(call),
    email: emailApi(call),
    admin: adminApi(call),
    async fetch(input, init = {}) {
      // A Request's body can be read once: keep the original for the retry and send clones.
      const send = (headers: Headers) =>
        fetchImpl(input instanceof Request ? input.clone() : input, { ...init, headers, ...(credentials && { credentials: init.credentials ?? credentials }) }).catch(
          (cause: unknown) => Promise.reject(networkError(cause)),
        );
      const method = init.method ?? (input instanceof Request ? input.method : 'GET');
      const headers = new Headers(input instanceof Request ? input.headers : undefined);
      new Headers(init.headers).forEach((value, name) => headers.set(name, value));
      return sendAuthorized(send, method, headers, auth);
    },
  };
}
