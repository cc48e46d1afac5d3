import type { FastifyInstance } from 'fastify';
import type { Access } from './plugins/access.js';

export interface RoutePolicy {
  readonly method: string;
  readonly url: string;
  readonly access: Access;
}

/**
 * Collects who may call each route registered from now on, and refuses a route that does not say: a forgotten
 * guard stops the server from starting instead of opening a route to everyone.
 */
export function collectRoutePolicies(app: FastifyInstance): readonly RoutePolicy[] {
  const policies: RoutePolicy[] = [];
  app.addHook('onRoute', (route) => {
    const access = route.config?.access;
    if (!access) {
      throw new Error(`Route ${String(route.method)} ${route.url} does not say who may call it: give it anyone, anyCaller(…) or allow(…)`);
    }
    for (const method of [route.method].flat()) policies.push({ method, url: route.url, access });
  });
  return policies;
}
