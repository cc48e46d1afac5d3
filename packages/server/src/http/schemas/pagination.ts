import { type TSchema, Type } from 'typebox';
import { AuthError } from '../../errors/auth-error.js';

/** API.md "Pagination": limit 1–100 (default 20), an opaque keyset cursor, and `skip` as an offset for old clients. */
export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
  skip: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
};

export interface Keyset {
  readonly at: number;
  readonly id: string;
}

/** The cursor is opaque to clients: base64url of the last row's sort time and id. */
export function encodeCursor(position: Keyset | undefined): string | null {
  return position ? Buffer.from(JSON.stringify([position.at, position.id])).toString('base64url') : null;
}

export function decodeCursor(cursor: string | undefined): Keyset | undefined {
  if (cursor === undefined) return undefined;
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof at === 'number' && Number.isSafeInteger(at) && typeof id === 'string' && id.length <= 64) return { at, id };
  } catch {
    // fall through to the one error below
  }
  throw AuthError.validation('/cursor', 'cursor is not one this server gave out; start again without it');
}

/** API.md lists: `{items, next_cursor, total}`, where total counts the whole (filtered) set. */
export function listOf<T extends TSchema>(item: T) {
  return Type.Object({ items: Type.Array(item), next_cursor: Type.Union([Type.String(), Type.Null()]), total: Type.Integer() });
}
