import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { DomainContext } from '../../domain/context.js';
import { type DependencyChecks, readHealthReport } from '../../health/health-report.js';
import { allow } from '../plugins/access.js';
import { AdminHealthResponse, toAdminHealthResponse } from '../schemas/admin-health.js';
import { problems } from '../schemas/common.js';

/** /api/v1/admin/health: the state of every dependency for operators; always 200, a dependency down is reported. */
export function adminHealthRoutes(ctx: DomainContext, checks: DependencyChecks): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/admin/health',
      {
        ...allow(ctx, 'system:read'),
        schema: {
          tags: ['admin'],
          summary: 'Database, Redis and mail status, version, uptime, memory and event-loop lag',
          security: [{ bearerAuth: [] }],
          response: { 200: AdminHealthResponse, ...problems(401, 403) },
        },
      },
      async () => toAdminHealthResponse(await readHealthReport(checks)),
    );
  };
}
