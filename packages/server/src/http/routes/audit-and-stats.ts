import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox, Static } from '@fastify/type-provider-typebox';
import { countUsers, readStats } from '../../domain/admin/stats.js';
import { type AuditEvent, type AuditLogFilter, listAuditLog, parseActionFilter, streamAuditLog } from '../../domain/audit/audit-log.js';
import type { DomainContext } from '../../domain/context.js';
import { AuthError } from '../../errors/auth-error.js';
import { allow } from '../plugins/access.js';
import { AuditEntryResponse, AuditLogQuery, toAuditEntryResponse } from '../schemas/audit.js';
import { problems } from '../schemas/common.js';
import { decodeCursor, encodeCursor, listOf } from '../schemas/pagination.js';
import { StatsResponse, toStatsResponse, UserCountResponse } from '../schemas/stats.js';

const bearer = [{ bearerAuth: [] }];
const NDJSON = 'application/x-ndjson';

/** /api/v1/admin/audit-log, /admin/stats and /users/stats/count: read-only views for administrators. */
export function auditAndStatsRoutes(ctx: DomainContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/admin/audit-log',
      {
        ...allow(ctx, 'audit:read'),
        schema: {
          tags: ['admin'],
          summary: 'The security log, newest first: audit entries and login attempts, filtered; format=ndjson streams all of it',
          security: bearer,
          querystring: AuditLogQuery,
          response: {
            200: {
              description: 'A page of entries, or with format=ndjson every entry of the selection, one JSON object per line',
              content: { 'application/json': { schema: listOf(AuditEntryResponse) }, [NDJSON]: { schema: AuditEntryResponse } },
            },
            ...problems(401, 403, 422),
          },
        },
      },
      async (request, reply) => {
        const { query } = request;
        const filter = filterOf(query);
        if (query.format === 'ndjson') {
          const paging = (['limit', 'cursor', 'skip'] as const).find((name) => query[name] !== undefined);
          if (paging) throw AuthError.validation(`/${paging}`, `format=ndjson streams the whole selection; leave out ${paging}`);
          // The same whitelist as the JSON answer, line by line (Fastify does not serialise a stream).
          const line = reply.getSerializationFunction('200', NDJSON);
          if (!line) throw new Error('the ndjson response schema of the audit log was not compiled');
          // One batch read ahead at most: the next query waits until the client has taken the last one.
          const stream = Readable.from(
            lines(streamAuditLog(ctx, filter), (event) => line(toAuditEntryResponse(event))),
            { objectMode: true, highWaterMark: 1 },
          );
          // The type provider knows only the JSON shape of a 200; a stream is sent as it is.
          return reply.type(NDJSON).send(stream as never);
        }
        const { limit = 20, cursor, skip } = query;
        const page = await listAuditLog(ctx, filter, { limit, after: decodeCursor(cursor), skip });
        return reply.type('application/json; charset=utf-8').send({
          items: page.items.map(toAuditEntryResponse),
          next_cursor: encodeCursor(page.next),
          total: page.total,
        });
      },
    );

    app.get(
      '/admin/stats',
      {
        ...allow(ctx, 'analytics:read'),
        schema: { tags: ['admin'], summary: 'Counts of users, recent logins and live sessions', security: bearer, response: { 200: StatsResponse, ...problems(401, 403) } },
      },
      async () => toStatsResponse(await readStats(ctx)),
    );

    app.get(
      '/users/stats/count',
      {
        ...allow(ctx, 'users:read'),
        schema: { tags: ['users'], summary: 'How many users there are', security: bearer, response: { 200: UserCountResponse, ...problems(401, 403) } },
      },
      async () => ({ total_users: await countUsers(ctx) }),
    );
  };
}

function filterOf(query: Static<typeof AuditLogQuery>): AuditLogFilter {
  return {
    actions: query.action === undefined ? undefined : parseActionFilter(query.action),
    actorId: query.actor_id,
    targetId: query.target_id,
    from: query.from === undefined ? undefined : instant('/from', query.from),
    to: query.to === undefined ? undefined : instant('/to', query.to),
  };
}

function instant(path: string, value: string): number {
  // JSON Schema's date-time admits a leap second (23:59:60), which Date.parse turns into NaN.
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw AuthError.validation(path, 'Give an ISO 8601 date and time, such as 2026-11-23T10:00:00Z');
  return ms;
}

/** One chunk per batch of rows, so the response is written as it is read and never held whole. */
async function* lines(batches: AsyncIterable<readonly AuditEvent[]>, serialize: (event: AuditEvent) => string): AsyncGenerator<string> {
  for await (const batch of batches) yield `${batch.map(serialize).join('\n')}\n`;
}
