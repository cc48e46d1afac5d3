import type { Token } from './generated/api-types.js';

/** What the SDK keeps between calls: the server's answer to a login or a refresh, as it came. */
export type Tokens = Token;

/**
 * Where tokens live. Any object with these three methods will do, synchronous or asynchronous (a secure store on a
 * device, an encrypted cookie, a database row for a server-side client).
 */
export interface TokenStorage {
  get(): Tokens | null | Promise<Tokens | null>;
  set(tokens: Tokens): void | Promise<void>;
  clear(): void | Promise<void>;
}

/**
 * Keeps tokens in this JavaScript context only: gone on reload, out of reach of other tabs and of storage-stealing
 * XSS payloads. The default.
 *
 * @example
 * ```ts
 * import { createGatehouseClient, memoryStorage } from '@gatehouse/client';
 * const client = createGatehouseClient({ baseUrl: 'https://auth.example.com', storage: memoryStorage() });
 * ```
 */
export function memoryStorage(): TokenStorage {
  let tokens: Tokens | null = null;
  return {
    get: () => tokens,
    set: (next) => {
      tokens = next;
    },
    clear: () => {
      tokens = null;
    },
  };
}

/**
 * Keeps tokens in `localStorage` under `key`, so a login survives reloads and is shared by the tabs of one origin.
 * Anything running on the page can read them there (OWASP: prefer memory or cookie mode where XSS is a concern).
 * Throws at creation when there is no `localStorage` (Node, workers).
 *
 * @example
 * ```ts
 * import { createGatehouseClient, localStorageStorage } from '@gatehouse/client';
 * const client = createGatehouseClient({ baseUrl: 'https://auth.example.com', storage: localStorageStorage('myapp.tokens') });
 * ```
 */
export function localStorageStorage(key = 'gatehouse.tokens'): TokenStorage {
  const store = (globalThis as { localStorage?: Storage }).localStorage;
  if (!store) throw new TypeError('localStorageStorage: globalThis.localStorage is not available here; use memoryStorage() or your own store');
  return {
    get: () => {
      const saved = store.getItem(key);
      if (saved === null) return null;
      try {
        return JSON.parse(saved) as Tokens;
      } catch {
        // Written by something else: treat it as signed out rather than failing every call.
        return null;
      }
    },
    set: (tokens) => store.setItem(key, JSON.stringify(tokens)),
    clear: () => store.removeItem(key),
  };
}
