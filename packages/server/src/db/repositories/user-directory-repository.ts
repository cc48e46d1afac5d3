import { type Expression, type Kysely, type Selectable, type SelectQueryBuilder, type SqlBool, sql } from 'kysely';
import type { Role, User } from '../../domain/accounts/user.js';
import { type UserDirectorySql, userDirectorySql } from '../database.js';
import type { DatabaseSchema, UsersTable } from '../schema.js';
import { toUser } from './user-repository.js';

export type DirectorySortKey = 'created_at' | 'email' | 'last_login_at';
export type DirectoryStatus = 'active' | 'suspended' | 'inactive' | 'unverified';

export interface DirectorySort {
  readonly key: DirectorySortKey;
  readonly descending: boolean;
}

export interface DirectoryFilter {
  /** `contains`: 3+ characters anywhere in email, username or display name; `prefix`: the start of email or username. */
  readonly search?: { readonly kind: 'contains' | 'prefix'; readonly text: string } | undefined;
  readonly role?: Role | undefined;
  readonly status?: DirectoryStatus | undefined;
  /** Only these users (the locked ones, which only the lockout counters know). */
  readonly ids?: readonly string[] | undefined;
}

/** A row's place in a sort order: its sort value, then its id to break ties. */
export interface DirectoryPosition {
  readonly value: number | string;
  readonly id: string;
}

export interface DirectoryPage {
  readonly limit: number;
  /** Continue after this row (exclusive)… */
  readonly after?: DirectoryPosition | undefined;
  /** …or skip this many rows. */
  readonly offset?: number | undefined;
  /**
   * The filters select few users (the caller counted them): find them through the filters' indexes and sort them,
   * rather than walk the sort order looking for them.
   */
  readonly fewMatches?: boolean | undefined;
}

export interface DirectoryEntry {
  readonly user: User;
  readonly position: DirectoryPosition;
}

type UsersQuery = SelectQueryBuilder<DatabaseSchema, 'users', object>;

/**
 * Each sort key as indexed by migration 0400 (never NULL, so one row comparison pages past users without one), and
 * the same order in a form no index provides, which makes the planner find the rows by the filters' indexes instead.
 */
const SORTS: Record<DirectorySortKey, { readonly indexed: Expression<number | string>; readonly unindexed: Expression<number | string> }> = {
  created_at: { indexed: sql`users.created_at`, unindexed: sql`users.created_at + 0` },
  email: { indexed: sql`coalesce(users.email, lower(users.username), '')`, unindexed: sql`coalesce(users.email, lower(users.username), '') || ''` },
  last_login_at: { indexed: sql`coalesce(users.last_login_at, 0)`, unindexed: sql`coalesce(users.last_login_at, 0) + 0` },
};

// Written as the partial indexes' predicates, word for word: SQLite uses a partial index only for the same term.
const STATUS_CONDITIONS: Record<DirectoryStatus, Expression<SqlBool>> = {
  active: sql<SqlBool>`is_active and not is_suspended`,
  suspended: sql<SqlBool>`is_suspended`,
  inactive: sql<SqlBool>`not is_active`,
  unverified: sql<SqlBool>`not is_verified`,
};

/**
 * A page of a large filtered set walks the sort order in windows, the first of WALK_WINDOW rows, each next one
 * twice as long: 31,000 rows in all, enough for any filter matching one user in a thousand or more, unless its
 * matches bunch up elsewhere in the order. Then the filters' indexes find the matches after all.
 */
const WALK_WINDOW = 1_000;
const WALK_WINDOWS = 5;

/** The smallest string greater than every string starting with `prefix` (code-point order). */
function prefixEnd(prefix: string): string {
  const points = [...prefix];
  for (let last = points.pop(); last !== undefined; last = points.pop()) {
    const code = last.codePointAt(0) ?? 0;
    // U+10FFFF has no successor: the range widens to the shorter prefix, a harmless superset for a noncharacter.
    if (code < 0x10ffff) return points.join('') + String.fromCodePoint(code === 0xd7ff ? 0xe000 : code + 1);
  }
  return `${prefix}\u{10ffff}`;
}

/**
 * The admin user directory: filtered, sorted, keyset-paged lists of users, and the size of the filtered set. Every
 * filter and sort is served by an index of migration 0400; the engine-specific parts come from db/database.ts.
 *
 * A few matches (the caller says so, having counted them) are found through the filters' indexes and sorted. Many
 * are found by walking the sort index and testing each row, which stops as soon as the page is full. The choice is
 * made here rather than left to the planners: SQLite cannot tell how many users a substring matches, and a wrong
 * guess costs sorting, or scanning, a million rows.
 */
export class UserDirectoryRepository {
  private readonly engine: UserDirectorySql;

  constructor(private readonly db: Kysely<DatabaseSchema>) {
    this.engine = userDirectorySql(db);
  }

  async list(filter: DirectoryFilter, sort: DirectorySort, page: DirectoryPage): Promise<DirectoryEntry[]> {
    const { indexed, unindexed } = SORTS[sort.key];
    const test = this.conditions(filter);
    if (!test) return this.page(this.db.selectFrom('users'), sort, indexed, page);
    if (page.fewMatches) return this.page(this.matching(filter), sort, unindexed, page);
    if (page.offset) return this.page(this.db.selectFrom('users').where(test), sort, indexed, page);
    return (await this.walk(test, sort, page)) ?? this.page(this.matching(filter), sort, unindexed, page);
  }

  /** The size of the filtered set, counting no further than `cap` (so the answer is min(size, cap)). */
  async countUpTo(filter: DirectoryFilter, cap: number): Promise<number> {
    const row = await this.db
      .selectFrom(this.matching(filter).select(sql`1`.as('one')).limit(cap).as('matches'))
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  /**
   * The page from the rows after the position in sort order, tested one by one, window after window; undefined
   * when every window was walked and the page is still not full.
   */
  private async walk(test: Expression<SqlBool>, sort: DirectorySort, page: DirectoryPage): Promise<DirectoryEntry[] | undefined> {
    const key = SORTS[sort.key].indexed;
    const order = this.order(sort, key);
    const found: DirectoryEntry[] = [];
    let start = page.after;
    for (let window = 0, size = WALK_WINDOW; window < WALK_WINDOWS; window++, size *= 2) {
      const from = start;
      // One statement gives the window's matches and its last row (when it is full) from one snapshot, so windows
      // follow each other exactly while users come and go.
      const rows = await this.db
        .with(
          (cte) => cte('walked').materialized(),
          (db) => db.selectFrom('users').selectAll('users').where(this.after(sort, from)).orderBy(order).limit(size),
        )
        .selectFrom((db) =>
          db.selectFrom('walked as users').selectAll().select([this.sortValue(sort), sql<number>`0`.as('window_end')]).where(test).orderBy(order).limit(page.limit - found.length).as('matches'),
        )
        .selectAll()
        .unionAll((db) =>
          db.selectFrom((inner) =>
            inner.selectFrom('walked as users').selectAll().select([this.sortValue(sort), sql<number>`1`.as('window_end')]).orderBy(order).limit(1).offset(size - 1).as('last'),
          ).selectAll(),
        )
        .execute();
      const matches = rows.filter((row) => !Number(row.window_end));
      found.push(...matches.map((row) => this.entry(row)));
      if (found.length === page.limit) return found;
      const last = rows.find((row) => Number(row.window_end));
      if (!last) return found;
      start = { value: last.sort_value, id: last.id };
    }
    return undefined;
  }

  private async page(from: UsersQuery, sort: DirectorySort, key: Expression<unknown>, page: DirectoryPage): Promise<DirectoryEntry[]> {
    const rows = await from
      .selectAll('users')
      .select(this.sortValue(sort))
      .where(this.after(sort, page.after))
      .orderBy(this.order(sort, key))
      .limit(page.limit)
      .$if(Boolean(page.offset), (q) => q.offset(page.offset ?? 0))
      .execute();
    return rows.map((row) => this.entry(row));
  }

  /** The sort value as the database computes it, so the cursor compares with the index as the index does. */
  private sortValue(sort: DirectorySort) {
    return sql<number | string>`${SORTS[sort.key].indexed}`.as('sort_value');
  }

  private entry(row: Selectable<UsersTable> & { sort_value: number | string }): DirectoryEntry {
    return { user: toUser(row), position: { value: row.sort_value, id: row.id } };
  }

  /** Rows after the position in the sort order (all rows without one): a row comparison, served by the sort index. */
  private after(sort: DirectorySort, position: DirectoryPosition | undefined): Expression<SqlBool> {
    if (!position) return sql<SqlBool>`true`;
    return sql<SqlBool>`(${SORTS[sort.key].indexed}, users.id) ${sort.descending ? sql`<` : sql`>`} (${position.value}, ${position.id})`;
  }

  /** By `key` (the indexed sort expression or its unindexed twin), ties broken by id. */
  private order(sort: DirectorySort, key: Expression<unknown>): Expression<unknown> {
    const direction = sort.descending ? sql`desc` : sql`asc`;
    return sql`${key} ${direction}, users.id ${direction}`;
  }

  /** The filtered set through the filters' indexes (substring search joins the search index on SQLite). */
  private matching(filter: DirectoryFilter): UsersQuery {
    const { search } = filter;
    const from = search?.kind === 'contains' ? this.engine.containing(this.db.selectFrom('users'), search.text) : this.db.selectFrom('users');
    const rest = this.conditions({ ...filter, search: search?.kind === 'contains' ? undefined : search });
    return rest ? from.where(rest) : from;
  }

  /** Every filter as one condition on a row; undefined without filters. */
  private conditions({ search, role, status, ids }: DirectoryFilter): Expression<SqlBool> | undefined {
    const terms: Expression<SqlBool>[] = [];
    if (search?.kind === 'contains') terms.push(this.engine.contains(search.text));
    if (search?.kind === 'prefix') {
      const from = search.text.toLowerCase();
      const to = prefixEnd(from);
      terms.push(sql<SqlBool>`(${this.engine.lowerInRange('email', from, to)} or ${this.engine.lowerInRange('username', from, to)})`);
    }
    if (role) terms.push(sql<SqlBool>`users.role = ${role}`);
    if (status) terms.push(STATUS_CONDITIONS[status]);
    if (ids) terms.push(this.engine.idIn(ids));
    return terms.length === 0 ? undefined : sql<SqlBool>`${sql.join(terms, sql` and `)}`;
  }
}
