import { Type } from 'typebox';
import type { AuditEvent } from '../../domain/audit/audit-log.js';
import { iso, NullableString, Time } from './fields.js';
import { PageQuery } from './pagination.js';

/**
 * One entry of the security log. `details` is free-form per action; what goes into it is decided where the entry
 * is written, and never holds a password, token or key.
 */
export const AuditEntryResponse = Type.Object(
  {
    id: Type.String(),
    at: Time,
    actor_id: NullableString,
    action: Type.String(),
    target_id: NullableString,
    ip: NullableString,
    details: Type.Unsafe<Record<string, unknown> | null>({ type: ['object', 'null'], additionalProperties: true }),
  },
  { title: 'AuditEntry' },
);

export const AuditLogQuery = Type.Object(
  {
    action: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 1000,
        description:
          'Comma-separated action names (user.suspended) and prefixes (user.* matches every action starting with "user."). ' +
          'Logins appear as user.login_succeeded and user.login_failed.',
      }),
    ),
    actor_id: Type.Optional(Type.String({ maxLength: 36 })),
    target_id: Type.Optional(Type.String({ maxLength: 36 })),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'Inclusive' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Exclusive' })),
    // No default: with format=ndjson a limit, cursor or skip is refused rather than silently ignored.
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'Default 20' })),
    cursor: PageQuery.cursor,
    skip: PageQuery.skip,
    format: Type.Optional(
      Type.Unsafe<'json' | 'ndjson'>({
        type: 'string',
        enum: ['json', 'ndjson'],
        description: 'ndjson streams the whole selection, one entry per line, newest first; it takes no limit, cursor or skip',
      }),
    ),
  },
  { additionalProperties: false },
);

export function toAuditEntryResponse(event: AuditEvent) {
  return {
    id: event.id,
    at: iso(event.at),
    actor_id: event.actorId,
    action: event.action,
    target_id: event.targetId,
    ip: event.ip,
    details: event.details,
  };
}
