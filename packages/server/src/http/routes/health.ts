import { anyone } from '../plugins/access.js';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';

export interface HealthChecks {
  database(): Promise<void>;
  /** Undefined when no Redis is configured. */
  redis?: () => Promise<void>;
}

const Liveness = Type.Object({ status: Type.Literal('ok') });
const CheckState = Type.Union([Type.Literal('ok'), Type.Literal('error'), Type.Literal('disabled')]);
const Readiness = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('unavailable')]),
  checks: Type.Object({ db: CheckState, redis: CheckState }),
});
const CHECK_TIMEOUT_MS = 2000;

async function probe(check: (() => Promise<void>) | undefined): Promise<'ok' | 'error' | 'disabled'> {
  if (!check) return 'disabled';
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([check(), timeout]);
    return 'ok';
  } catch {
    return 'error';
  } finally {
    clearTimeout(timer);
  }
}

/** Liveness (the process answers) and readiness (it can serve: the database answers; Redis failing only degrades). */
export function healthRoutes(checks: HealthChecks, liveOnly = false): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/health', { ...anyone, schema: { tags: ['health'], summary: 'Liveness', response: { 200: Liveness } } }, async () => ({ status: 'ok' as const }));
    if (liveOnly) return;
    app.get(
      '/health/ready',
      { ...anyone, schema: { tags: ['health'], summary: 'Readiness', response: { 200: Readiness, 503: Readiness } } },
      async (_request, reply) => {
        const [db, redis] = await Promise.all([probe(checks.database), probe(checks.redis)]);
        const status = db !== 'ok' ? 'unavailable' : redis === 'error' ? 'degraded' : 'ok';
        return reply.code(db === 'ok' ? 200 : 503).send({ status, checks: { db, redis } });
      },
    );
  };
}
