import { Type } from 'typebox';
import type { Stats } from '../../domain/admin/stats.js';

const Count = Type.Integer({ minimum: 0 });

export const StatsResponse = Type.Object(
  {
    users: Type.Object(
      { total: Count, active: Count, verified: Count, suspended: Count, admins: Count },
      { description: 'active: is_active and not suspended; admins: every account with role admin, active or not' },
    ),
    logins_24h: Type.Object({ success: Count, failure: Count }, { description: 'Login attempts in the last 24 hours' }),
    active_sessions: Type.Integer({ minimum: 0, description: 'Sessions neither revoked nor expired' }),
  },
  { title: 'Stats' },
);

export function toStatsResponse(stats: Stats) {
  return { users: { ...stats.users }, logins_24h: { ...stats.logins24h }, active_sessions: stats.activeSessions };
}

export const UserCountResponse = Type.Object({ total_users: Count });
