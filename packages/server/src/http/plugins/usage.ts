import type { FastifyInstance } from 'fastify';
import type { UsageCollector } from '../../domain/analytics/usage-collector.js';

/** Requests no route matched (404s, scanners): one bucket, so random URLs cannot grow the counters without bound. */
export const UNMATCHED_ROUTE = '(unmatched)';

/**
 * Counts every answered request for usage analytics: a map update in memory, after the answer is sent, so it adds
 * neither latency nor a database round trip (the collector is flushed in batches by a job). Routes are counted by
 * method and template (`GET /api/v1/users/:id`), never by raw URL, which would carry ids and query strings.
 */
export function useUsageCounting(app: FastifyInstance, usage: UsageCollector): void {
  if (!usage.enabled) return;
  app.addHook('onResponse', (request, reply, done) => {
    const template = request.routeOptions.url;
    usage.request({
      route: template === undefined ? UNMATCHED_ROUTE : `${request.method} ${template}`,
      status: reply.statusCode,
      userId: request.principal?.user.id,
    });
    done();
  });
}
