import { Type } from 'typebox';
import { ROLES, type Role, type User } from '../../domain/accounts/user.js';
import { iso, isoOrNull, NullableString, NullableTime, Time } from './fields.js';


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

const DisplayName = Type.Union([Type.String({ maxLength: 200 }), Type.Null()]);

/** Profile fields a caller may send about themself; `full_name` is the tutorial-era alias of `display_name`. */
export const ProfileFields = {
  display_name: Type.Optional(DisplayName),
  full_name: Type.Optional(DisplayName),
  username: Type.Optional(Type.String({ maxLength: 50 })),
};
