import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { allows } from '../../domain/access/authorize.js';
import { pickDisplayName } from '../../domain/accounts/identity.js';
import { ROLES, type Role, type User } from '../../domain/accounts/user.js';
import { createUserAsAdmin, deleteUser } from '../../domain/admin/manage-users.js';
import { editUser, viewUser } from '../../domain/admin/user-access.js';
import type { DomainContext } from '../../domain/context.js';
import { allow } from '../plugins/access.js';
import { callerOf } from '../plugins/authenticate.js';
import { actorOf } from '../request-info.js';
import { problems } from '../schemas/common.js';
import { ProfileFields, RateLimitFields, toAdminUserResponse, toUserResponse, UserResponse } from '../schemas/user.js';

const RoleField = Type.Unsafe<Role>({ type: 'string', enum: [...ROLES] });
const UserId = Type.Object({ id: Type.String({ maxLength: 64 }) });

const CreateUserBody = Type.Object(
  {
    ...ProfileFields,
    email: Type.Optional(Type.String({ maxLength: 320 })),
    password: Type.String({ maxLength: 1024 }),
    role: Type.Optional(RoleField),
    is_verified: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

// Fields only an administrator may change are listed so that a user sending them about themself gets a 422 that
// says so; anything else (is_superuser, password) is an unknown field, also a 422.
const UpdateUserBody = Type.Object(
  {
    ...ProfileFields,
    email: Type.Optional(Type.String({ maxLength: 320 })),
    role: Type.Optional(RoleField),
    is_active: Type.Optional(Type.Boolean()),
    is_verified: Type.Optional(Type.Boolean()),
    ...RateLimitFields,
  },
  { additionalProperties: false },
);

/** An administrator's view carries the per-user rate limits; a user's view of themself does not. */
function userView(request: FastifyRequest, user: User) {
  return allows(callerOf(request), 'users:read') ? toAdminUserResponse(user) : toUserResponse(user);
}

const bearer = [{ bearerAuth: [] }];

/**
 * An administrator creates a user: POST /api/v1/users, and (tagged `compatibility`) POST /api/create_user for
 * clients of fastapi-users back ends. One definition, so the two paths cannot drift apart.
 */
export function createUserRoute(ctx: DomainContext, path: string, tags: readonly string[]): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      path,
      {
        ...allow(ctx, 'users:write'),
        schema: {
          tags: [...tags],
          summary: 'Create a user (an email, a username or both; role and is_verified optional)',
          security: bearer,
          body: CreateUserBody,
          response: { 201: UserResponse, ...problems(401, 403, 409, 422) },
        },
      },
      async (request, reply) => {
        const { email, username, password, role, is_verified } = request.body;
        const user = await createUserAsAdmin(ctx, actorOf(request), {
          email,
          username,
          password,
          displayName: pickDisplayName(request.body),
          role,
          isVerified: is_verified,
        });
        return reply.code(201).send(toUserResponse(user));
      },
    );
  };
}

/**
 * /api/v1/users and /users/{id}: accounts by id. Creating and deleting is for administrators; reading and editing
 * is also for the user themself, and another user's id answers 404 as an unknown one does. `/users/me` (users.ts)
 * is a static path and wins over `/users/:id`.
 */
export function userManagementRoutes(ctx: DomainContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    await app.register(createUserRoute(ctx, '/users', ['users']));

    app.get(
      '/users/:id',
      {
        ...allow(ctx, 'self:read'),
        schema: {
          tags: ['users'],
          summary: 'A user by id: any user for an administrator, else only the caller (others are 404)',
          security: bearer,
          params: UserId,
          response: { 200: UserResponse, ...problems(401, 403, 404) },
        },
      },
      async (request) => userView(request, await viewUser(ctx, callerOf(request), request.params.id)),
    );

    app.patch(
      '/users/:id',
      {
        ...allow(ctx, 'self:write'),
        schema: {
          tags: ['users'],
          summary: 'Update a user: an administrator any field (rate limits too), the user themself only display_name and username',
          security: bearer,
          params: UserId,
          body: UpdateUserBody,
          response: { 200: UserResponse, ...problems(401, 403, 404, 409, 422) },
        },
      },
      async (request) => {
        const { username, email, role, is_active, is_verified, rate_limit_per_minute, rate_limit_per_hour, rate_limit_per_day } = request.body;
        const user = await editUser(ctx, callerOf(request), actorOf(request), request.params.id, {
          displayName: pickDisplayName(request.body),
          username,
          email,
          role,
          isActive: is_active,
          isVerified: is_verified,
          rateLimits: { perMinute: rate_limit_per_minute, perHour: rate_limit_per_hour, perDay: rate_limit_per_day },
        });
        return userView(request, user);
      },
    );

    app.delete(
      '/users/:id',
      {
        ...allow(ctx, 'users:delete'),
        schema: {
          tags: ['users'],
          summary: 'Delete a user; their sessions end at once (your own account: DELETE /users/me)',
          security: bearer,
          params: UserId,
          response: { 204: Type.Null(), ...problems(401, 403, 404, 422) },
        },
      },
      async (request, reply) => {
        await deleteUser(ctx, actorOf(request), request.params.id);
        return reply.code(204).send(null);
      },
    );
  };
}
