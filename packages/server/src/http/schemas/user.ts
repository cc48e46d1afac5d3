import { Type } from 'typebox';
import { ROLES, type Role, type User } from '../../domain/accounts/user.js';

// `type: [x, 'null']` rather than anyOf: fast-json-stringify serialises it directly, while anyOf makes it run a
// validator per field to pick a branch, on every response of the authenticated hot path.
const NullableString = Type.Unsafe<string | null>({ type: ['string', 'null'] });
const NullableTime = Type.Unsafe<string | null>({ type: ['string', 'null'], format: 'date-time' });

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
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
    last_login_at: NullableTime,
  },
  { title: 'User' },
);

const iso = (ms: number) => new Date(ms).toISOString();

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
    last_login_at: user.lastLoginAt === null ? null : iso(user.lastLoginAt),
  };
}

const DisplayName = Type.Union([Type.String({ maxLength: 200 }), Type.Null()]);

/** Profile fields a caller may send about themself; `full_name` is the tutorial-era alias of `display_name`. */
export const ProfileFields = {
  display_name: Type.Optional(DisplayName),
  full_name: Type.Optional(DisplayName),
  username: Type.Optional(Type.String({ maxLength: 50 })),
};
