import { Type } from 'typebox';
import { ROLES, type Role, type User } from '../../domain/accounts/user.js';
import { iso, isoOrNull, NullableString, NullableTime, Time } from './fields.js';


const NullableLimit = Type.Unsafe<number | null>({ type: ['integer', 'null'], description: 'Requests per window set for this user; null: the default' });

/** The response schema is a whitelist: a field not listed here can never reach a client. */
export const UserResponse = Type.Object(
  {
    id: Type.String(),
    email: NullableString,
    username: NullableString,
    display_name: NullableString,
    role: Type.Unsafe<Role>({ type: 'string', enum: [...ROLES] }),
    is_active: Type.Boolean(),
    is_verified: Type.Boolean(),
    is_suspended: Type.Boolean(),
    is_superuser: Type.Boolean(),
    created_at: Time,
    updated_at: Time,
    last_login_at: NullableTime,
    // Only in an administrator's view of a user (toAdminUserResponse); null is the default for the role.
    rate_limit_per_minute: Type.Optional(NullableLimit),
    rate_limit_per_hour: Type.Optional(NullableLimit),
    rate_limit_per_day: Type.Optional(NullableLimit),
    // Only in an administrator's view too: usage as of the last analytics flush (ANALYTICS_FLUSH_SECONDS).
    total_requests: Type.Optional(Type.Integer({ minimum: 0, description: 'Authenticated requests ever made as this user' })),
    last_seen_at: Type.Optional({ ...NullableTime, description: 'The last authenticated request' }),
  },
  { title: 'User' },
);


export function toUserResponse(user: User) {
  return {
    id: user.id,
    email: user.email,
    username: user.username,
    display_name: user.displayName,
    role: user.role,
    is_active: user.isActive,
    is_verified: user.isVerified,
    is_suspended: user.isSuspended,
    is_superuser: user.role === 'admin',
    created_at: iso(user.createdAt),
    updated_at: iso(user.updatedAt),
    last_login_at: isoOrNull(user.lastLoginAt),
  };
}

/** A user as an administrator sees them: also the per-user rate limits. */
export function toAdminUserResponse(user: User) {
  return {
    ...toUserResponse(user),
    rate_limit_per_minute: user.rateLimits.perMinute,
    rate_limit_per_hour: user.rateLimits.perHour,
    rate_limit_per_day: user.rateLimits.perDay,
    total_requests: user.totalRequests,
    last_seen_at: isoOrNull(user.lastSeenAt),
  };
}

const RateLimit = Type.Unsafe<number | null>({ type: ['integer', 'null'], minimum: 1, maximum: 10_000_000 });

/** Per-user rate limits an administrator sends (PATCH /users/{id}); null puts a window back to the default. */
export const RateLimitFields = {
  rate_limit_per_minute: Type.Optional(RateLimit),
  rate_limit_per_hour: Type.Optional(RateLimit),
  rate_limit_per_day: Type.Optional(RateLimit),
};

const DisplayName = Type.Union([Type.String({ maxLength: 200 }), Type.Null()]);

/** Profile fields a caller may send about themself; `full_name` is the tutorial-era alias of `display_name`. */
export const ProfileFields = {
  display_name: Type.Optional(DisplayName),
  full_name: Type.Optional(DisplayName),
  username: Type.Optional(Type.String({ maxLength: 50 })),
};
