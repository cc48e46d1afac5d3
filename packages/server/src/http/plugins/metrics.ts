import type { FastifyInstance } from 'fastify';
import type { HttpMetrics } from '../../metrics/http-metrics.js';

/**
 * Counts and times every answer, 404s included. The route label is Fastify's route template (undefined when no
 * route matched), never the URL: ids and scanners' paths would make a series each.
 */
export function useRequestMetrics(app: FastifyInstance, metrics: HttpMetrics): void {
  // A callback hook, not an async one: no promise per request.
  app.addHook('onResponse', (request, reply, done) => {
    metrics.observe(request.method, request.routeOptions.url, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}
