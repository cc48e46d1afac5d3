import type { ApiCall } from './api-caller.js';
import type { ApiKey, NewApiKey } from './generated/api-types.js';
import type { BodyOf } from './operations.js';

export type ApiKeyInput = BodyOf<'POST /api/v1/auth/api-keys'>;

/** The caller's API keys (for scripts and services acting as the user). Managing them needs a login, not a key. */
export interface ApiKeysApi {
  /**
   * The caller's keys: names, prefixes, scopes and dates, never the keys themselves.
   * @example
   * ```ts
   * const keys = await client.apiKeys.list();
   * ```
   */
  list(): Promise<ApiKey[]>;
  /**
   * Creates a key; `key` in the answer is shown this once only (the server keeps a hash).
   * @example
   * ```ts
   * const { key } = await client.apiKeys.create({ name: 'ci', scopes: ['read'], expires_in_days: 90 });
   * ```
   */
  create(input: ApiKeyInput): Promise<NewApiKey>;
  /**
   * Deletes a key; requests made with it fail from then on.
   * @example
   * ```ts
   * await client.apiKeys.revoke(keyId);
   * ```
   */
  revoke(id: string): Promise<void>;
}

export function apiKeysApi(call: ApiCall): ApiKeysApi {
  return {
    list: async () => (await call('GET /api/v1/auth/api-keys', {})).items,
    create: (body) => call('POST /api/v1/auth/api-keys', { body }),
    revoke: (id) => call('DELETE /api/v1/auth/api-keys/{id}', { params: { id } }),
  };
}
