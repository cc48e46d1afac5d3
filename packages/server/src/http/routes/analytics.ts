import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { readAnalytics } from '../../domain/analytics/read-analytics.js';
import type { DomainContext } from '../../domain/context.js';
import { AuthError } from '../../errors/auth-error.js';
import { allow } from '../plugins/access.js';
import { AnalyticsQuery, AnalyticsResponse, toAnalyticsResponse } from '../schemas/analytics.js';
import { problems } from '../schemas/common.js';

const bearer = [{ bearerAuth: [] }];

/** GET /api/v1/admin/analytics: usage per minute, hour or day, the busiest routes and users (API.md). */
export function analyticsRoutes(ctx: DomainContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/admin/analytics',
      {
        ...allow(ctx, 'analytics:read'),
        schema: {
          tags: ['admin'],
          summary: 'Usage over time (requests, errors = status ≥ 400, logins, failed logins, sign-ups), top routes and top users',
          security: bearer,
          querystring: AnalyticsQuery,
          response: { 200: AnalyticsResponse, ...problems(401, 403, 422) },
        },
      },
      async (request) => {
        const { metric = 'requests', bucket = 'hour', from, to } = request.query;
        const analytics = await readAnalytics(ctx, {
          metric,
          bucket,
          from: from === undefined ? undefined : instant('/from', from),
          to: to === undefined ? undefined : instant('/to', to),
        });
        return toAnalyticsResponse(analytics);
      },
    );
  };
}

function instant(path: string, value: string): number {
  // JSON Schema's date-time admits a leap second (23:59:60), which Date.parse turns into NaN.
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw AuthError.validation(path, 'Give an ISO 8601 date and time, such as 2026-11-23T10:00:00Z');
  return ms;
}
