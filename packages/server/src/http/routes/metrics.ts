import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { AuthError } from '../../errors/auth-error.js';
import { safeEqual } from '../../security/secret-keys.js';
import { anyone } from '../plugins/access.js';
import { bearerToken } from '../plugins/authenticate.js';
import { problems } from '../schemas/common.js';

export interface MetricsSource {
  readonly contentType: string;
  render(): Promise<string>;
}

/**
 * GET /metrics, the Prometheus exposition. Open to anyone (the route table says so) unless METRICS_TOKEN is set:
 * then the scraper's bearer token is its own guard, compared in constant time; user credentials do not count.
 */
export function metricsRoutes(metrics: MetricsSource, token: string | undefined): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/metrics',
      {
        ...anyone,
        ...(token !== undefined && { onRequest: async (request: FastifyRequest) => requireToken(request, token) }),
        schema: {
          tags: ['health'],
          summary: 'Prometheus metrics (text exposition format); needs `Authorization: Bearer <METRICS_TOKEN>` when that is set',
          ...(token !== undefined && { security: [{ bearerAuth: [] }] }),
          response: {
            200: { description: 'Prometheus text format 0.0.4', content: { 'text/plain': { schema: Type.String() } } },
            ...problems(401),
          },
        },
      },
      async (_request, reply) => reply.type(metrics.contentType).header('cache-control', 'no-store').send(await metrics.render()),
    );
  };
}

function requireToken(request: FastifyRequest, token: string): void {
  const presented = bearerToken(request);
  if (presented === undefined) throw new AuthError('not_authenticated');
  if (!safeEqual(presented, token)) throw new AuthError('invalid_token');
}
