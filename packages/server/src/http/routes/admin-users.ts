import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { authorize } from '../../domain/access/authorize.js';
import { suspendUser, unsuspendUser } from '../../domain/accounts/suspension.js';
import { unlockUser } from '../../domain/accounts/unlock.js';
import { adminResetPassword } from '../../domain/admin/admin-reset-password.js';
import { runBulk } from '../../domain/admin/bulk.js';
import { listLoginHistory } from '../../domain/admin/login-history.js';
import { listUserSessions, revokeUserSessions } from '../../domain/admin/user-sessions.js';
import type { DomainContext } from '../../domain/context.js';
import { AuthError } from '../../errors/auth-error.js';
import { allow } from '../plugins/access.js';
import { callerOf } from '../plugins/authenticate.js';
import { actorOf } from '../request-info.js';
import { BulkBody, BulkResponse } from '../schemas/bulk.js';
import { MessageResponse, message, problems } from '../schemas/common.js';
import { LoginAttemptResponse, toLoginAttemptResponse } from '../schemas/login-history.js';
import { decodeCursor, encodeCursor, listOf, PageQuery } from '../schemas/pagination.js';
import { SessionResponse, toSessionResponse } from '../schemas/session.js';
import { toUserResponse, UserResponse } from '../schemas/user.js';

const UserId = Type.Object({ id: Type.String({ maxLength: 64 }) });
const SuspendBody = Type.Object(
  { reason: Type.Optional(Type.String({ maxLength: 500 })), until: Type.Optional(Type.String({ format: 'date-time' })) },
  { additionalProperties: false },
);
const ResetPasswordBody = Type.Object(
  { new_password: Type.Optional(Type.String({ maxLength: 1024 })), send_email: Type.Optional(Type.Literal(true)) },
  { additionalProperties: false },
);
const Page = Type.Object(PageQuery, { additionalProperties: false });
const bearer = [{ bearerAuth: [] }];
const ADMIN_PROBLEMS = problems(401, 403, 404, 422);

/** /api/v1/admin/users/…: account status, passwords, sessions, login history and bulk actions. For admins only. */
export function adminUserRoutes(ctx: DomainContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    const managing = allow(ctx, 'users:write');
    const reading = allow(ctx, 'users:read');

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
        const user = await suspendUser(ctx, actorOf(request), request.params.id, {
          reason: reason?.trim() || null,
          until: until === undefined ? null : Date.parse(until),
        });
        return toUserResponse(user);
      },
    );

    app.post(
      '/admin/users/:id/unsuspend',
      { ...managing, schema: { tags: ['admin'], summary: 'Lift a suspension', security: bearer, params: UserId, response: { 200: UserResponse, ...ADMIN_PROBLEMS } } },
      async (request) => toUserResponse(await unsuspendUser(ctx, actorOf(request), request.params.id)),
    );

    app.post(
      '/admin/users/:id/unlock',
      { ...managing, schema: { tags: ['admin'], summary: "Clear a user's login lockout", security: bearer, params: UserId, response: { 200: MessageResponse, ...ADMIN_PROBLEMS } } },
      async (request) => {
        await unlockUser(ctx, actorOf(request), request.params.id);
        return message('Lockout cleared');
      },
    );

    app.post(
      '/admin/users/:id/reset-password',
      {
        ...managing,
        schema: {
          tags: ['admin'],
          summary: "Set a user's password (their sessions end) or mail them a reset link: exactly one of new_password, send_email",
          security: bearer,
          params: UserId,
          body: ResetPasswordBody,
          response: { 200: MessageResponse, ...ADMIN_PROBLEMS },
        },
      },
      async (request) => {
        const { new_password, send_email } = request.body;
        if ((new_password === undefined) === (send_email === undefined)) {
          throw AuthError.validation('/new_password', 'Send either new_password or send_email: true, not both and not neither');
        }
        const order = new_password === undefined ? { sendEmail: true as const } : { newPassword: new_password };
        await adminResetPassword(ctx, actorOf(request), request.params.id, order);
        return message(new_password === undefined ? 'A password reset link has been mailed to the user' : 'Password set; the user’s sessions have ended');
      },
    );

    app.get(
      '/admin/users/:id/login-history',
      {
        ...reading,
        schema: {
          tags: ['admin'],
          summary: "A user's login attempts, successful and failed, newest first",
          security: bearer,
          params: UserId,
          querystring: Page,
          response: { 200: listOf(LoginAttemptResponse), ...ADMIN_PROBLEMS },
        },
      },
      async (request) => {
        const { limit = 20, cursor, skip } = request.query;
        const page = await listLoginHistory(ctx, request.params.id, { limit, after: decodeCursor(cursor), skip });
        return { items: page.items.map(toLoginAttemptResponse), next_cursor: encodeCursor(page.next), total: page.total };
      },
    );

    app.get(
      '/admin/users/:id/sessions',
      {
        ...reading,
        schema: {
          tags: ['admin'],
          summary: "A user's live sessions, newest first",
          security: bearer,
          params: UserId,
          querystring: Page,
          response: { 200: listOf(SessionResponse), ...ADMIN_PROBLEMS },
        },
      },
      async (request) => {
        const { limit = 20, cursor, skip } = request.query;
        const page = await listUserSessions(ctx, request.params.id, { limit, after: decodeCursor(cursor), skip });
        return { items: page.items.map((session) => toSessionResponse(session, undefined)), next_cursor: encodeCursor(page.next), total: page.total };
      },
    );

    app.delete(
      '/admin/users/:id/sessions',
      {
        ...allow(ctx, 'sessions:revoke'),
        schema: {
          tags: ['admin'],
          summary: "End every session of a user; their access tokens are refused at once",
          security: bearer,
          params: UserId,
          response: { 204: Type.Null(), ...ADMIN_PROBLEMS },
        },
      },
      async (request, reply) => {
        await revokeUserSessions(ctx, actorOf(request), request.params.id);
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/admin/users/bulk',
      {
        ...managing,
        schema: {
          tags: ['admin'],
          summary: 'One action on up to 1000 users; one result per id, in order; each id succeeds or fails on its own',
          security: bearer,
          body: BulkBody,
          response: { 200: BulkResponse, ...problems(401, 403, 422) },
        },
      },
      async (request) => {
        const principal = callerOf(request);
        const { action, ids, role, reason } = request.body;
        const results = await runBulk(ctx, (permission) => authorize(principal, permission), actorOf(request), {
          action,
          ids,
          role,
          reason: reason === undefined ? undefined : reason.trim() || null,
        });
        return { results };
      },
    );
  };
}
