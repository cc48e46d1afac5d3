import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

/**
 * CORS for the listed origins only, with credentials: an origin is echoed back when it is allowed and never `*`,
 * since `*` with credentials would let any site read answers meant for the signed-in user.
 */
export async function useCors(app: FastifyInstance, allowedOrigins: readonly string[]): Promise<void> {
  const allowed = new Set(allowedOrigins);
  await app.register(cors, {
    origin: (origin, done) => done(null, origin !== undefined && allowed.has(origin)),
    credentials: true,
    methods: ['GET', 'HEAD', 'POST', 'PATCH', 'PUT', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'X-API-Key', 'X-CSRF-Token'],
    maxAge: 600,
  });
}
