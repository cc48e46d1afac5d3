import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DomainContext } from '../../domain/context.js';
import { AuthFailureLimiter } from '../../domain/rate-limits/auth-failures.js';
import { checkRateLimits, type RateLimitReport } from '../../domain/rate-limits/check-rate-limits.js';
import type { LimitedAction } from '../../domain/rate-limits/rate-limit-policy.js';

/** Routes with abuse limits of their own (API.md "Built-in abuse limits"), and the body field naming their subject. */
const LIMITED_ROUTES: Readonly<Record<string, { readonly action: LimitedAction; readonly subjectField?: string }>> = {
  'POST /api/v1/auth/login': { action: 'login', subjectField: 'username' },
  'POST /api/v1/auth/login/form': { action: 'login', subjectField: 'username' },
  'POST /api/v1/auth/cookie/login': { action: 'login', subjectField: 'username' },
  // Compatibility routes (COMPAT_ROUTES): logins by another path, so the same login limits.
  'POST /auth/jwt/login': { action: 'login', subjectField: 'username' },
  'POST /auth/cookie/login': { action: 'login', subjectField: 'username' },
  'POST /api/v1/auth/register': { action: 'registration' },
  'POST /api/v1/auth/password/reset/request': { action: 'reset_request', subjectField: 'email' },
  'POST /api/v1/auth/email/verification/request': { action: 'verification_request' },
  'POST /api/v1/auth/refresh': { action: 'refresh' },
};

/**
 * Not limited: probes and scrapers (health, metrics), documents every client fetches (well-known, OpenAPI, docs),
 * and the WebSocket upgrade, which authenticates inside its handler (its tickets come from a limited route).
 */
const UNLIMITED = /^\/(?:health|api\/v1\/health|metrics|\.well-known\/|openapi\.json|docs|ws$)/;
const isUnlimited = (route: string | undefined) => route !== undefined && UNLIMITED.test(route);
/** Probes from the orchestrator keep working even for an address that is refused for guessing credentials. */
const isProbe = (route: string | undefined) => route === '/health' || route === '/health/ready' || route === '/api/v1/health';

/**
 * Rate limits for every other route (API.md "Rate limits"). Runs at preValidation: after the route's own onRequest
 * guard has authenticated the caller (so the caller's limits come from the cached user, no database), and with the
 * body parsed (login identifier, reset email) but before it is validated, so malformed requests count too.
 */
export function useRateLimits(app: FastifyInstance, ctx: DomainContext): void {
  if (!ctx.config.rateLimits.enabled) return;
  const authFailures = new AuthFailureLimiter(ctx);
  // Global onRequest hooks run before each route's own authentication guard, so a client refused for guessing
  // credentials is refused before its next guess is even checked.
  // Callback hooks: every request passes them, and they need no promise when there is nothing to do.
  app.addHook('onRequest', (request, _reply, done) => {
    done(isProbe(request.routeOptions.url) ? undefined : authFailures.refusal(request.ip ?? null));
  });
  app.addHook('onResponse', (request, reply, done) => {
    if (reply.statusCode === 401) {
      authFailures.record(request.ip ?? null).catch((error: unknown) => request.log.warn({ err: error }, 'could not count a failed authentication'));
    }
    done();
  });
  app.addHook('preValidation', async (request, reply) => {
    const route = request.routeOptions.url;
    if (route === undefined || isUnlimited(route)) return;
    const limited = LIMITED_ROUTES[`${request.method} ${route}`];
    const { report, refusal } = await checkRateLimits(ctx, {
      ip: request.ip ?? null,
      caller: request.principal ?? undefined,
      action: limited?.action,
      subject: limited?.subjectField ? bodyField(request, limited.subjectField) : undefined,
    });
    setHeaders(reply, report);
    if (refusal) throw refusal;
  });
}

function bodyField(request: FastifyRequest, field: string): string | undefined {
  const body = request.body;
  if (typeof body !== 'object' || body === null) return undefined;
  const value = (body as Record<string, unknown>)[field];
  return typeof value === 'string' ? value : undefined;
}

/** IETF draft "RateLimit header fields for HTTP" (the three-header form API.md names); Retry-After comes with the 429. */
function setHeaders(reply: FastifyReply, report: RateLimitReport): void {
  reply.header('ratelimit-limit', String(report.limit));
  reply.header('ratelimit-remaining', String(report.remaining));
  reply.header('ratelimit-reset', String(report.resetSeconds));
}
