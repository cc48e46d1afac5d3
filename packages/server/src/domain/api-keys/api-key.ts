/**
 * What a key may do, within its owner's role: `read` (GET and HEAD), `write` (every other method), `admin` (the
 * administration API, for admins' keys) and `introspect` (token introspection for resource servers).
 */
export const SCOPES = ['read', 'write', 'admin', 'introspect'] as const;
export type Scope = (typeof SCOPES)[number];

export interface ApiKey {
  readonly id: string;
  readonly userId: string;
  readonly name: string;
  /** `tk_` and the first 8 characters of the secret part, shown in lists. */
  readonly prefix: string;
  readonly scopes: readonly Scope[];
  readonly createdAt: number;
  readonly expiresAt: number | null;
  readonly lastUsedAt: number | null;
}

export const API_KEY_PREFIX = 'tk_';
