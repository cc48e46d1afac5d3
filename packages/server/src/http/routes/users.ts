import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { pickDisplayName } from '../../domain/accounts/identity.js';
import { deleteOwnAccount } from '../../domain/accounts/delete-account.js';
import { exportAccount } from '../../domain/accounts/export-account.js';
import { updateProfile } from '../../domain/accounts/update-profile.js';
import type { DomainContext } from '../../domain/context.js';
import { allow } from '../plugins/access.js';
import { callerOf, sessionCallerOf } from '../plugins/authenticate.js';
import { requestInfo } from '../request-info.js';
import { problems } from '../schemas/common.js';
import { AccountExportResponse, toAccountExportResponse } from '../schemas/account-export.js';
import { ProfileFields, toUserResponse, UserResponse } from '../schemas/user.js';

// role, is_active, is_verified and friends are absent on purpose: sending them is a 422 (no mass assignment).
const ProfileUpdateBody = Type.Object(
  {
    ...ProfileFields,
    email: Type.Optional(Type.String({ maxLength: 320 })),
    current_password: Type.Optional(Type.String({ maxLength: 1024 })),
  },
  { additionalProperties: false },
);

const DeleteBody = Type.Object({ password: Type.String({ maxLength: 1024 }) }, { additionalProperties: false });

const bearer = [{ bearerAuth: [] }];

/**
 * GET and PATCH /users/me, under /api/v1 and (tagged `compatibility`) under /api for fastapi-users clients: one
 * definition, so the two paths cannot drift apart.
 */
export function ownProfileRoutes(ctx: DomainContext, tags: readonly string[]): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/users/me',
      {
        ...allow(ctx, 'self:read'),
        schema: { tags: [...tags], summary: "The caller's profile", security: bearer, response: { 200: UserResponse, ...problems(401, 403) } },
      },
      async (request) => toUserResponse(callerOf(request).user),
    );

    app.patch(
      '/users/me',
      {
        ...allow(ctx, 'self:write'),
        schema: {
          tags: [...tags],
          summary: "Update the caller's profile (an email change needs current_password and clears is_verified)",
          security: bearer,
          body: ProfileUpdateBody,
          response: { 200: UserResponse, ...problems(400, 401, 403, 409, 422) },
        },
      },
      async (request) => {
        const { username, email, current_password } = request.body;
        // The email is how an account is recovered: changing it needs the person, not a key.
        const caller = email === undefined ? callerOf(request) : sessionCallerOf(request);
        const user = await updateProfile(
          ctx,
          caller.user.id,
          { displayName: pickDisplayName(request.body), username, email, currentPassword: current_password },
          requestInfo(request),
        );
        return toUserResponse(user);
      },
    );
  };
}

/** /api/v1/users: the caller's own profile. */
export function userRoutes(ctx: DomainContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    await app.register(ownProfileRoutes(ctx, ['users']));

    app.delete(
      '/users/me',
      {
        ...allow(ctx, 'self:write', { interactive: true }),
        schema: {
          tags: ['users'],
          summary: "Delete the caller's account (confirm with the password); sessions and tokens go with it",
          security: bearer,
          body: DeleteBody,
          response: { 204: Type.Null(), ...problems(400, 401, 403, 422) },
        },
      },
      async (request, reply) => {
        await deleteOwnAccount(ctx, sessionCallerOf(request).user.id, request.body.password, requestInfo(request));
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/users/me/export',
      {
        ...allow(ctx, 'self:read'),
        schema: {
          tags: ['users'],
          summary: 'Everything held about the caller: profile, sessions, login history, audit events (no secrets)',
          security: bearer,
          response: { 200: AccountExportResponse, ...problems(401, 403) },
        },
      },
      async (request, reply) => {
        reply.header('content-disposition', 'attachment; filename="gatehouse-account-export.json"');
        return toAccountExportResponse(await exportAccount(ctx, callerOf(request).user.id));
      },
    );
  };
}
