import { Type } from 'typebox';
import type { Client } from '../../db/repositories/client-repository.js';
import type { Session } from '../../domain/sessions/session.js';
import { iso, NullableString, Time } from './fields.js';


export const SessionResponse = Type.Object(
  {
    id: Type.String(),
    created_at: Time,
    last_active_at: Time,
    expires_at: Time,
    ip: NullableString,
    user_agent: NullableString,
    device_name: NullableString,
    client_id: Type.String(),
    method: Type.String(),
    /** The session the request itself belongs to. */
    current: Type.Boolean(),
  },
  { title: 'Session' },
);

export function toSessionResponse(session: Session, currentId: string | undefined) {
  return {
    id: session.id,
    created_at: iso(session.createdAt),
    last_active_at: iso(session.lastActiveAt),
    expires_at: iso(session.expiresAt),
    ip: session.ip,
    user_agent: session.userAgent,
    device_name: session.deviceName,
    client_id: session.clientId,
    method: session.method,
    current: session.id === currentId,
  };
}

export const ClientResponse = Type.Object(
  { client_id: Type.String(), device_name: NullableString, first_seen_at: Time, last_seen_at: Time },
  { title: 'Client' },
);

export function toClientResponse(client: Client) {
  return { client_id: client.clientId, device_name: client.deviceName, first_seen_at: iso(client.firstSeenAt), last_seen_at: iso(client.lastSeenAt) };
}
