import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { suspendUser, unsuspendUser } from '../../domain/accounts/suspension.js';
import { unlockUser } from '../../domain/accounts/unlock.js';
import type { DomainContext } from '../../domain/context.js';
import { allow } from '../plugins/access.js';
import { callerOf } from '../plugins/authenticate.js';
import { requestInfo } from '../request-info.js';
import { MessageResponse, message, problems } from '../schemas/common.js';
import { toUserResponse, UserResponse } from '../schemas/user.js';

const UserId = Type.Object({ id: Type.String({ maxLength: 36 }) });
const SuspendBody = Type.Object(
  { reason: Type.Optional(Type.String({ maxLength: 500 })), until: Type.Optional(Type.String({ format: 'date-time' })) },
  { additionalProperties: false },
);
const bearer = [{ bearerAuth: [] }];
const ADMIN_PROBLEMS = problems(401, 403, 404, 422);

/** /api/v1/admin/users/{id}/…: account status and lockout. Every route here is for admins only. */
export function adminUserRoutes(ctx: DomainContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    const managing = allow(ctx, 'users:write');

    app.post(
      '/admin/users/:id/suspend',
      {
        ...managing,
        schema: {
          tags: ['admin'],
          summary: 'Suspend a user (optionally until a time); their sessions end at once',
          security: bearer,
          params: UserId,
          body: SuspendBody,
          response: { 200: UserResponse, ...ADMIN_PROBLEMS },
        },
      },
      async (request) => {
        const { reason, until } = request.body;
        const user = await suspendUser(
          ctx,
          callerOf(request).user.id,
          request.params.id,
          { reason: reason?.trim() || null, until: until === undefined ? null : Date.parse(until) },
          requestInfo(request),
        );
        return toUserResponse(user);
      },
    );

    app.post(
      '/admin/users/:id/unsuspend',
      { ...managing, schema: { tags: ['admin'], summary: 'Lift a suspension', security: bearer, params: UserId, response: { 200: UserResponse, ...ADMIN_PROBLEMS } } },
      async (request) => toUserResponse(await unsuspendUser(ctx, callerOf(request).user.id, request.params.id, requestInfo(request))),
    );

    app.post(
      '/admin/users/:id/unlock',
      { ...managing, schema: { tags: ['admin'], summary: "Clear a user's login lockout", security: bearer, params: UserId, response: { 200: MessageResponse, ...ADMIN_PROBLEMS } } },
      async (request) => {
        await unlockUser(ctx, callerOf(request).user.id, request.params.id, requestInfo(request));
        return message('Lockout cleared');
      },
    );
  };
}
