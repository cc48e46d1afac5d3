import { type Kysely, type RawBuilder, type SelectQueryBuilder, type SqlBool, sql } from 'kysely';
import type { DatabaseSchema } from '../schema.js';

export interface AuditEvent {
  readonly id: string;
  readonly at: number;
  readonly actorId: string | null;
  readonly action: string;
  readonly targetId: string | null;
  readonly ip: string | null;
  readonly details: Readonly<Record<string, unknown>> | null;
}

/** The actions under which rows of login_history appear in the log (they are not copied into audit_events). */
export const LOGIN_SUCCEEDED = 'user.login_succeeded';
export const LOGIN_FAILED = 'user.login_failed';

export interface AuditLogFilter {
  /** Exact action names and prefixes ending in '.' (`user.` matches every user.* action); absent: every action. */
  readonly actions?: { readonly exact: readonly string[]; readonly prefixes: readonly string[] } | undefined;
  readonly actorId?: string | undefined;
  readonly targetId?: string | undefined;
  /** Inclusive, epoch ms. */
  readonly from?: number | undefined;
  /** Exclusive, epoch ms. */
  readonly to?: number | undefined;
}

export interface AuditLogPage {
  readonly limit: number;
  /** Keyset position (exclusive): rows strictly older than it in (at, id) order. */
  readonly after?: { readonly at: number; readonly id: string } | undefined;
  readonly offset?: number | undefined;
}

/** One row of the merged log: audit_events and login_history selected into the same columns. */
interface LogRow {
  source: string;
  id: string;
  at: number;
  actor_id: string | null;
  action: string;
  target_id: string | null;
  ip: string | null;
  details: string | null;
  method: string | null;
  reason: string | null;
  user_agent: string | null;
  identifier: string | null;
}

type Db = Kysely<DatabaseSchema>;
type LogQuery = SelectQueryBuilder<DatabaseSchema, never, LogRow>;

/** Append-only: there is deliberately no update or delete here. */
export class AuditRepository {
  constructor(private readonly db: Db) {}

  async insert(event: AuditEvent): Promise<void> {
    await this.db
      .insertInto('audit_events')
      .values({
        id: event.id,
        at: event.at,
        actor_id: event.actorId,
        action: event.action,
        target_id: event.targetId,
        ip: event.ip,
        details: event.details ? JSON.stringify(event.details) : null,
      })
      .execute();
  }

  /** Events about the user or done by them. */
  async listInvolving(userId: string, limit: number): Promise<AuditEvent[]> {
    const rows = await this.db
      .selectFrom('audit_events')
      .selectAll()
      .where((eb) => eb.or([eb('target_id', '=', userId), eb('actor_id', '=', userId)]))
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((row) => ({
      id: row.id,
      at: row.at,
      actorId: row.actor_id,
      action: row.action,
      targetId: row.target_id,
      ip: row.ip,
      details: parseDetails(row.details),
    }));
  }

  /**
   * The security log, newest first by (at, id): audit_events and login_history merged as one log, so filters and
   * keyset pages treat them alike. Each side is ordered and cut to the page on its own index before the merge.
   */
  async listLog(filter: AuditLogFilter, page: AuditLogPage): Promise<AuditEvent[]> {
    const wanted = page.limit + (page.offset ?? 0);
    const sides = [this.auditEvents(filter, page.after), this.logins(filter, page.after)]
      .filter((side) => side !== undefined)
      .map((side) => this.db.selectFrom(side.orderBy('at', 'desc').orderBy('id', 'desc').limit(wanted).as('side')).selectAll() as LogQuery);
    const [first, ...rest] = sides;
    if (!first) return [];
    let merged = first;
    for (const side of rest) merged = merged.unionAll(side);
    let query = merged.orderBy('at', 'desc').orderBy('id', 'desc').limit(page.limit);
    if (page.offset) query = query.offset(page.offset);
    const rows = await query.execute();
    return rows.map(toEvent);
  }

  /** How many rows the filtered log holds (both sides counted at once, each over its own indexes). */
  async countLog(filter: AuditLogFilter): Promise<number> {
    const sides = [this.auditEvents(filter, undefined), this.logins(filter, undefined)].filter((side) => side !== undefined);
    const counts = await Promise.all(
      sides.map((side) =>
        this.db
          .selectFrom(side.as('side'))
          .select((eb) => eb.fn.countAll<number | string>().as('count'))
          .executeTakeFirstOrThrow(),
      ),
    );
    return counts.reduce((total, row) => total + Number(row.count), 0);
  }

  private auditEvents(filter: AuditLogFilter, after: AuditLogPage['after']): LogQuery | undefined {
    const { actions } = filter;
    if (actions && actions.exact.length + actions.prefixes.length === 0) return undefined;
    let query = this.db
      .selectFrom('audit_events')
      .select([
        sql<string>`'audit'`.as('source'),
        'id',
        'at',
        'actor_id',
        'action',
        'target_id',
        'ip',
        'details',
        sql<string | null>`null`.as('method'),
        sql<string | null>`null`.as('reason'),
        sql<string | null>`null`.as('user_agent'),
        sql<string | null>`null`.as('identifier'),
      ]);
    if (actions) {
      query = query.where((eb) =>
        eb.or([
          ...(actions.exact.length > 0 ? [eb('action', 'in', [...actions.exact])] : []),
          // Action names are [a-z0-9_.]; `_` is a LIKE wildcard, so it is escaped.
          ...actions.prefixes.map((prefix) => eb('action', 'like', sql<string>`${`${prefix.replaceAll('_', '\\_')}%`} escape '\\'`)),
        ]),
      );
    }
    if (filter.actorId !== undefined) query = query.where('actor_id', '=', filter.actorId);
    if (filter.targetId !== undefined) query = query.where('target_id', '=', filter.targetId);
    for (const condition of timeAndCursor(filter, after)) query = query.where(condition);
    return query;
  }

  /** Login attempts as log rows: the account is both actor and target (null when no account matched). */
  private logins(filter: AuditLogFilter, after: AuditLogPage['after']): LogQuery | undefined {
    const succeeded = matches(filter, LOGIN_SUCCEEDED);
    const failed = matches(filter, LOGIN_FAILED);
    if (!succeeded && !failed) return undefined;
    let query = this.db
      .selectFrom('login_history')
      .select([
        sql<string>`'login'`.as('source'),
        'id',
        'at',
        'user_id as actor_id',
        sql<string>`case when success then ${LOGIN_SUCCEEDED} else ${LOGIN_FAILED} end`.as('action'),
        'user_id as target_id',
        'ip',
        sql<string | null>`null`.as('details'),
        'method',
        'reason',
        'user_agent',
        // What someone typed is kept only when it named no account (a user's own email or name says nothing new).
        sql<string | null>`case when user_id is null then identifier end`.as('identifier'),
      ]);
    if (!succeeded || !failed) query = query.where('success', '=', succeeded ? 1 : 0);
    if (filter.actorId !== undefined) query = query.where('user_id', '=', filter.actorId);
    if (filter.targetId !== undefined) query = query.where('user_id', '=', filter.targetId);
    for (const condition of timeAndCursor(filter, after)) query = query.where(condition);
    return query;
  }
}

function matches(filter: AuditLogFilter, action: string): boolean {
  const { actions } = filter;
  return !actions || actions.exact.includes(action) || actions.prefixes.some((prefix) => action.startsWith(prefix));
}

/** The time range and keyset position, for either side of the log (both have `at` and `id`). */
function timeAndCursor(filter: AuditLogFilter, after: AuditLogPage['after']): Array<RawBuilder<SqlBool>> {
  return [
    ...(filter.from !== undefined ? [sql<SqlBool>`at >= ${filter.from}`] : []),
    ...(filter.to !== undefined ? [sql<SqlBool>`at < ${filter.to}`] : []),
    // A row-value comparison, which both engines serve from the (at, id) indexes.
    ...(after ? [sql<SqlBool>`(at, id) < (${after.at}, ${after.id})`] : []),
  ];
}

function parseDetails(details: string | null): Record<string, unknown> | null {
  return details ? (JSON.parse(details) as Record<string, unknown>) : null;
}

function toEvent(row: LogRow): AuditEvent {
  return {
    id: row.id,
    at: Number(row.at),
    actorId: row.actor_id,
    action: row.action,
    targetId: row.target_id,
    ip: row.ip,
    details:
      row.source === 'login'
        ? {
            method: row.method,
            reason: row.reason,
            user_agent: row.user_agent,
            ...(row.identifier !== null && { identifier: row.identifier }),
          }
        : parseDetails(row.details),
  };
}
