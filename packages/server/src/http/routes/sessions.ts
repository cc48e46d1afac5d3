import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { DomainContext } from '../../domain/context.js';
import { listDevices } from '../../domain/sessions/devices.js';
import { listOwnSessions, revokeOwnSession, revokeOwnSessions } from '../../domain/sessions/own-sessions.js';
import { allow } from '../plugins/access.js';
import { callerOf, sessionCallerOf } from '../plugins/authenticate.js';
import { requestInfo } from '../request-info.js';
import { problems } from '../schemas/common.js';
import { decodeCursor, encodeCursor, listOf, PageQuery } from '../schemas/pagination.js';
import { ClientResponse, SessionResponse, toClientResponse, toSessionResponse } from '../schemas/session.js';

const bearer = [{ bearerAuth: [] }];
const SessionId = Type.Object({ id: Type.String({ maxLength: 64 }) });

/** The caller's own sessions and devices. Every route needs a caller and only ever touches that caller's rows. */
export function sessionRoutes(ctx: DomainContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/auth/sessions',
      {
        ...allow(ctx, 'self:read'),
        schema: {
          tags: ['sessions'],
          summary: "The caller's live sessions, newest first",
          security: bearer,
          querystring: Type.Object(PageQuery, { additionalProperties: false }),
          response: { 200: listOf(SessionResponse), ...problems(401, 403, 422) },
        },
      },
      async (request) => {
        const principal = callerOf(request);
        const current = principal.kind === 'api_key' ? undefined : principal.sessionId;
        const { limit = 20, cursor, skip } = request.query;
        const page = await listOwnSessions(ctx, principal.user.id, { limit, after: decodeCursor(cursor), skip });
        return {
          items: page.items.map((session) => toSessionResponse(session, current)),
          next_cursor: encodeCursor(page.next),
          total: page.total,
        };
      },
    );

    app.delete(
      '/auth/sessions/:id',
      {
        ...allow(ctx, 'self:write'),
        schema: {
          tags: ['sessions'],
          summary: 'End one of the caller’s sessions (another user’s is a 404)',
          security: bearer,
          params: SessionId,
          response: { 204: Type.Null(), ...problems(401, 403, 404) },
        },
      },
      async (request, reply) => {
        await revokeOwnSession(ctx, callerOf(request).user.id, request.params.id, requestInfo(request));
        return reply.code(204).send(null);
      },
    );

    app.delete(
      '/auth/sessions',
      {
        // "Every session but this one" needs a session of the caller's own: not for API keys.
        ...allow(ctx, 'self:write', { interactive: true }),
        schema: {
          tags: ['sessions'],
          summary: 'End every session of the caller but this one (or all, with include_current=true)',
          security: bearer,
          querystring: Type.Object({ include_current: Type.Optional(Type.Boolean({ default: false })) }, { additionalProperties: false }),
          response: { 204: Type.Null(), ...problems(401, 403, 422) },
        },
      },
      async (request, reply) => {
        const { user, sessionId } = sessionCallerOf(request);
        await revokeOwnSessions(ctx, user.id, sessionId, request.query.include_current === true, requestInfo(request));
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/users/me/clients',
      {
        ...allow(ctx, 'self:read'),
        schema: {
          tags: ['sessions'],
          summary: 'The devices the caller has signed in from',
          security: bearer,
          response: { 200: listOf(ClientResponse), ...problems(401, 403) },
        },
      },
      async (request) => {
        const clients = await listDevices(ctx, callerOf(request).user.id);
        return { items: clients.map(toClientResponse), next_cursor: null, total: clients.length };
      },
    );
  };
}
