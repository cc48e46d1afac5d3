import type { Kysely } from 'kysely';
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

/** Append-only: there is deliberately no update or delete here. */
export class AuditRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

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
      details: row.details ? (JSON.parse(row.details) as Record<string, unknown>) : null,
    }));
  }
}
