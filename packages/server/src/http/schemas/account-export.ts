import { Type } from 'typebox';
import type { AccountExport } from '../../domain/accounts/export-account.js';
import { toUserResponse, UserResponse } from './user.js';
import { iso, isoOrNull, NullableString, NullableTime, Time } from './fields.js';


/** A whitelist like every response schema: hashes and tokens have no field here, so they cannot be exported. */
export const AccountExportResponse = Type.Object(
  {
    exported_at: Time,
    user: Type.Object({ ...UserResponse.properties, suspended_reason: NullableString, suspended_until: NullableTime }),
    sessions: Type.Array(
      Type.Object({
        id: Type.String(),
        created_at: Time,
        last_active_at: Time,
        expires_at: Time,
        revoked_at: NullableTime,
        ip: NullableString,
        user_agent: NullableString,
        device_name: NullableString,
        client_id: Type.String(),
        method: Type.String(),
      }),
    ),
    login_history: Type.Array(
      Type.Object({
        at: Time,
        success: Type.Boolean(),
        method: Type.String(),
        identifier: Type.String(),
        reason: NullableString,
        ip: NullableString,
        user_agent: NullableString,
        session_id: NullableString,
      }),
    ),
    audit_events: Type.Array(
      Type.Object({
        at: Time,
        action: Type.String(),
        actor_id: NullableString,
        target_id: NullableString,
        ip: NullableString,
        details: Type.Unsafe<Record<string, unknown> | null>({ type: ['object', 'null'], additionalProperties: true }),
      }),
    ),
  },
  { title: 'AccountExport' },
);

export function toAccountExportResponse(data: AccountExport) {
  return {
    exported_at: iso(data.exportedAt),
    user: { ...toUserResponse(data.user), suspended_reason: data.user.suspendedReason, suspended_until: isoOrNull(data.user.suspendedUntil) },
    sessions: data.sessions.map((session) => ({
      id: session.id,
      created_at: iso(session.createdAt),
      last_active_at: iso(session.lastActiveAt),
      expires_at: iso(session.expiresAt),
      revoked_at: isoOrNull(session.revokedAt),
      ip: session.ip,
      user_agent: session.userAgent,
      device_name: session.deviceName,
      client_id: session.clientId,
      method: session.method,
    })),
    login_history: data.loginHistory.map((attempt) => ({
      at: iso(attempt.at),
      success: attempt.success,
      method: attempt.method,
      identifier: attempt.identifier,
      reason: attempt.reason,
      ip: attempt.ip,
      user_agent: attempt.userAgent,
      session_id: attempt.sessionId,
    })),
    audit_events: data.auditEvents.map((event) => ({
      at: iso(event.at),
      action: event.action,
      actor_id: event.actorId,
      target_id: event.targetId,
      ip: event.ip,
      details: event.details,
    })),
  };
}
