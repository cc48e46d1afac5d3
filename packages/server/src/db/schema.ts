import type { ColumnType } from 'kysely';

/** SQLite hands booleans back as 0/1, PostgreSQL as true/false; both accept 0/1 on the way in. */
export type Flag = ColumnType<boolean | number, number, number>;
/** Times are epoch milliseconds in a BIGINT column on both engines (int8 is parsed to a number on PostgreSQL). */
export type Millis = number;

export interface UsersTable {
  id: string;
  email: string | null;
  username: string | null;
  display_name: string | null;
  password_hash: string;
  role: string;
  is_active: Flag;
  is_verified: Flag;
  is_suspended: Flag;
  suspended_reason: string | null;
  suspended_until: Millis | null;
  password_changed_at: Millis;
  created_at: Millis;
  updated_at: Millis;
  last_login_at: Millis | null;
  /** Per-user rate limits set by an administrator (migration 0600); null: the role's default. */
  rate_limit_per_minute: number | null;
  rate_limit_per_hour: number | null;
  rate_limit_per_day: number | null;
  /** Requests made as this user, added by the usage flush (migration 0700). */
  total_requests: ColumnType<number, number | undefined, number>;
  last_seen_at: Millis | null;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  created_at: Millis;
  last_active_at: Millis;
  expires_at: Millis;
  revoked_at: Millis | null;
  revoke_reason: string | null;
  ip: string | null;
  user_agent: string | null;
  device_name: string | null;
  client_id: string;
  method: string;
}

export interface RefreshTokensTable {
  token_hash: string;
  session_id: string;
  created_at: Millis;
  used_at: Millis | null;
}

export interface SigningKeysTable {
  kid: string;
  alg: string;
  public_jwk: string;
  private_key: string;
  created_at: Millis;
  retired_at: Millis | null;
}

export interface LoginHistoryTable {
  id: string;
  user_id: string | null;
  identifier: string;
  at: Millis;
  success: Flag;
  method: string;
  reason: string | null;
  ip: string | null;
  user_agent: string | null;
  session_id: string | null;
}

export interface AuditEventsTable {
  id: string;
  at: Millis;
  actor_id: string | null;
  action: string;
  target_id: string | null;
  ip: string | null;
  details: string | null;
}

export interface AccountTokensTable {
  token_hash: string;
  kind: string;
  user_id: string;
  email: string;
  created_at: Millis;
  expires_at: Millis;
}

export interface ClientsTable {
  user_id: string;
  client_id: string;
  device_name: string | null;
  first_seen_at: Millis;
  last_seen_at: Millis;
}

export interface ApiKeysTable {
  id: string;
  user_id: string;
  name: string;
  prefix: string;
  key_hash: string;
  /** A JSON array of scope names. */
  scopes: string;
  created_at: Millis;
  expires_at: Millis | null;
  last_used_at: Millis | null;
}

/** Kept by triggers on `users` (migration 0500); the counts are the sum over the slots. */
export interface UserCountsTable {
  slot: number;
  total: number;
  active: number;
  verified: number;
  suspended: number;
  admins: number;
}

/** Usage counted per minute (migration 0700): route '' holds a metric's total, a route template its share. */
export interface UsageMinutesTable {
  minute: Millis;
  metric: string;
  route: string;
  count: number;
}

export interface DatabaseSchema {
  users: UsersTable;
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  signing_keys: SigningKeysTable;
  login_history: LoginHistoryTable;
  audit_events: AuditEventsTable;
  account_tokens: AccountTokensTable;
  clients: ClientsTable;
  api_keys: ApiKeysTable;
  user_counts: UserCountsTable;
  usage_minutes: UsageMinutesTable;
}
