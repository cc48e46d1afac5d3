import type { FastifyRequest } from 'fastify';
import type { DomainContext } from '../../domain/context.js';
import { AuthError } from '../../errors/auth-error.js';
import { safeEqual } from '../../security/secret-keys.js';
import { CSRF_COOKIE, CSRF_HEADER } from './cookies.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The origin a browser says the request comes from: `Origin`, or lacking it the origin of `Referer`. */
function requestOrigin(request: FastifyRequest): string | undefined {
  const origin = request.headers.origin;
  if (typeof origin === 'string' && origin !== 'null') return origin;
  const referer = request.headers.referer;
  if (typeof referer !== 'string') return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return undefined;
  }
}

/** Whether a browser request comes from an allowed origin; a request that names none is refused (API.md "Origins"). */
export function fromAllowedOrigin(ctx: DomainContext, request: FastifyRequest): boolean {
  const origin = requestOrigin(request);
  return origin !== undefined && ctx.config.allowedOrigins.includes(origin);
}

/**
 * API.md's rule for state-changing requests authenticated by the session cookie: an allowed Origin (or Referer),
 * and X-CSRF-Token equal to the gh_csrf cookie, which must itself be the token of this session (signed double
 * submit, OWASP CSRF Prevention CS). Bearer and API-key requests are not subject to it: browsers never add those.
 */
export function checkCsrf(ctx: DomainContext, request: FastifyRequest, sessionId: string): void {
  if (SAFE_METHODS.has(request.method)) return;
  if (!fromAllowedOrigin(ctx, request)) throw new AuthError('csrf_failed');
  const header = request.headers[CSRF_HEADER];
  const cookie = request.cookies[CSRF_COOKIE];
  const expected = ctx.sessionCookies.csrfToken(sessionId);
  if (typeof header !== 'string' || cookie === undefined || !safeEqual(header, cookie) || !safeEqual(cookie, expected)) {
    throw new AuthError('csrf_failed');
  }
}
