import { NotesError } from './notes-error.js';

/** Keyset pagination: ids are UUIDv7, so "after this id" is a stable position however rows are added or removed. */
export interface PageRequest {
  readonly limit: number;
  /** The id of the last row of the previous page. */
  readonly afterId?: string;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Opaque; undefined on the last page. */
  readonly nextCursor: string | undefined;
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** Reads `?limit=&cursor=` (already checked for shape) into a page request; a cursor that is not ours is refused. */
export function pageRequest(limit: number | undefined, cursor: string | undefined): PageRequest {
  if (cursor === undefined) return { limit: limit ?? DEFAULT_PAGE_SIZE };
  const afterId = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[0-9a-f-]{36}$/.test(afterId)) throw new NotesError('invalid_cursor');
  return { limit: limit ?? DEFAULT_PAGE_SIZE, afterId };
}

/** Repositories fetch one row more than asked: its presence says there is a next page. */
export function toPage<T extends { readonly id: string }>(rows: readonly T[], request: PageRequest): Page<T> {
  const items = rows.slice(0, request.limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > request.limit && last ? Buffer.from(last.id).toString('base64url') : undefined };
}
