import type {
  DirectoryFilter,
  DirectoryPosition,
  DirectorySort,
  DirectorySortKey,
  DirectoryStatus,
} from '../../db/repositories/user-directory-repository.js';
import { AuthError } from '../../errors/auth-error.js';
import { safeEqual } from '../../security/secret-keys.js';
import { ROLES, type Role, type User } from '../accounts/user.js';
import type { DomainContext } from '../context.js';
import { lockedAccountIds } from '../sessions/lockout.js';

export const USER_SORTS = ['created_at', '-created_at', 'email', '-email', 'last_login_at', '-last_login_at'] as const;
export type UserSort = (typeof USER_SORTS)[number];
export const USER_STATUSES = ['active', 'suspended', 'inactive', 'unverified', 'locked'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

export const MAX_QUERY_LENGTH = 320;
export const MAX_LIMIT = 100;
/** Searches this long (in characters) look anywhere in the text; shorter ones match the start of email or username. */
export const SUBSTRING_MIN_LENGTH = 3;

export interface UserListQuery {
  readonly q?: string | undefined;
  readonly role?: Role | undefined;
  readonly status?: UserStatus | undefined;
  /** `-created_at` (newest first) when absent. */
  readonly sort?: UserSort | undefined;
  /** 1–100, 20 when absent. */
  readonly limit?: number | undefined;
  /** From a previous page's nextCursor, with the same q, role, status and sort. */
  readonly cursor?: string | undefined;
  /** An offset, for clients that page that way; ignored with a cursor. */
  readonly skip?: number | undefined;
}

export interface UserList {
  readonly users: readonly User[];
  /** Where the next page starts; null on the last page. */
  readonly nextCursor: string | null;
  /** How many users the filters select (all pages), or COUNT_CAP when totalExact is false. */
  readonly total: number;
  /** False when more than COUNT_CAP users match and only that many were counted. */
  readonly totalExact: boolean;
}

/**
 * Filtered totals count this far and no further: counting every match of a broad search (a mail provider, a common
 * name) means reading hundreds of thousands of rows, hundreds of milliseconds at a million users, so beyond this
 * the answer is "more than COUNT_CAP" (totalExact false). The whole directory and single-status filters are counted
 * exactly, from the counters the database keeps (migration 0500).
 */
export const COUNT_CAP = 1_000;

interface Total {
  readonly total: number;
  readonly exact: boolean;
}

/** What a cursor carries besides the row it continues after: the total counted for the first page. */
interface CursorState extends Total {
  readonly position: DirectoryPosition;
}

const CURSOR_PURPOSE = 'user-list-cursor';
const CONTROL_CHARACTERS = /\p{Cc}/u;

/**
 * The admin user directory (GET /users, `gatehouse user list`): search, filters, a sort, and keyset pages.
 *
 * `q` of 3 or more characters finds users whose email, username or display name contains it (case-insensitive,
 * `%`, `_` and `\` literal); 1–2 characters match the start of the email or username. `status=locked` lists the
 * accounts the lockout counters refuse right now. The total is counted for the first page (see COUNT_CAP) and
 * carried, with the position, in a cursor signed with the server secret and bound to the query, so later pages
 * cost no count and a cursor can be neither forged nor replayed against other filters.
 */
export async function listUsers(ctx: DomainContext, query: UserListQuery): Promise<UserList> {
  const sortName = query.sort ?? '-created_at';
  if (!USER_SORTS.includes(sortName)) throw AuthError.validation('/sort', `sort must be one of ${USER_SORTS.join(', ')}`);
  if (query.role !== undefined && !ROLES.includes(query.role)) throw AuthError.validation('/role', `role must be one of ${ROLES.join(', ')}`);
  if (query.status !== undefined && !USER_STATUSES.includes(query.status)) {
    throw AuthError.validation('/status', `status must be one of ${USER_STATUSES.join(', ')}`);
  }
  const limit = query.limit ?? 20;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw AuthError.validation('/limit', `limit must be an integer from 1 to ${MAX_LIMIT}`);
  const skip = query.skip ?? 0;
  if (!Number.isSafeInteger(skip) || skip < 0) throw AuthError.validation('/skip', 'skip must be an integer of 0 or more');

  const text = normalizedSearch(query.q);
  const sort: DirectorySort = { key: sortName.replace(/^-/, '') as DirectorySortKey, descending: sortName.startsWith('-') };
  const binding = JSON.stringify([sortName, text ?? null, query.role ?? null, query.status ?? null]);
  const resumed = query.cursor === undefined ? undefined : readCursor(ctx, query.cursor, binding, sort.key);

  const filter: DirectoryFilter = {
    search: text === undefined ? undefined : { kind: [...text].length >= SUBSTRING_MIN_LENGTH ? 'contains' : 'prefix', text },
    role: query.role,
    status: query.status === 'locked' ? undefined : (query.status as DirectoryStatus | undefined),
    ids: query.status === 'locked' ? await lockedAccountIds(ctx) : undefined,
  };
  // Counted first (or carried by the cursor): how many match decides how the page is best found.
  const { total, exact } = resumed ?? (await countMatches(ctx, filter));
  const rows = await ctx.repos.userDirectory.list(filter, sort, {
    limit: limit + 1,
    after: resumed?.position,
    offset: resumed ? undefined : skip,
    fewMatches: exact && total <= COUNT_CAP,
  });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const nextCursor = rows.length > limit && last ? writeCursor(ctx, { position: last.position, total, exact }, binding) : null;
  return { users: page.map((entry) => entry.user), nextCursor, total, totalExact: exact };
}

async function countMatches(ctx: DomainContext, filter: DirectoryFilter): Promise<Total> {
  const kept = await keptCount(ctx, filter);
  if (kept !== undefined) return { total: kept, exact: true };
  const counted = await ctx.repos.userDirectory.countUpTo(filter, COUNT_CAP + 1);
  return counted > COUNT_CAP ? { total: COUNT_CAP, exact: false } : { total: counted, exact: true };
}

/** The filters whose count the database keeps up to date: none, one of three statuses, or admins. */
async function keptCount(ctx: DomainContext, { search, role, status, ids }: DirectoryFilter): Promise<number | undefined> {
  if (search || ids || (role && status) || (role && role !== 'admin') || status === 'inactive') return undefined;
  const counts = await ctx.repos.stats.userCounts();
  if (role === 'admin') return counts.admins;
  if (status === 'active') return counts.active;
  if (status === 'suspended') return counts.suspended;
  if (status === 'unverified') return counts.total - counts.verified;
  return counts.total;
}

/** Trimmed; undefined when empty. Control characters are refused: they are in no name, and NUL breaks PostgreSQL. */
function normalizedSearch(q: string | undefined): string | undefined {
  const text = q?.trim();
  if (!text) return undefined;
  if ([...text].length > MAX_QUERY_LENGTH) throw AuthError.validation('/q', `q must be at most ${MAX_QUERY_LENGTH} characters`);
  if (CONTROL_CHARACTERS.test(text)) throw AuthError.validation('/q', 'q must not contain control characters');
  return text;
}

function signature(ctx: DomainContext, payload: string, binding: string): string {
  return ctx.secrets.deriveToken('', CURSOR_PURPOSE, `${payload}\n${binding}`);
}

function writeCursor(ctx: DomainContext, state: CursorState, binding: string): string {
  const payload = Buffer.from(JSON.stringify([state.position.value, state.position.id, state.total, state.exact])).toString('base64url');
  return `${payload}.${signature(ctx, payload, binding)}`;
}

function readCursor(ctx: DomainContext, cursor: string, binding: string, key: DirectorySortKey): CursorState {
  const [payload = '', mac = '', ...rest] = cursor.split('.');
  if (rest.length === 0 && safeEqual(mac, signature(ctx, payload, binding))) {
    try {
      const [value, id, total, exact] = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown[];
      const valueFits = key === 'email' ? typeof value === 'string' : Number.isSafeInteger(value);
      if (valueFits && typeof id === 'string' && Number.isSafeInteger(total) && (total as number) >= 0 && typeof exact === 'boolean') {
        return { position: { value: value as number | string, id }, total: total as number, exact };
      }
    } catch {
      // fall through to the one error below
    }
  }
  throw AuthError.validation('/cursor', 'cursor is not one this server gave out for this search; start again without it');
}
