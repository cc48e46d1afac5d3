import type { FastifyRequest } from 'fastify';
import type { Actor } from '../domain/admin/actor.js';
import type { RequestInfo } from '../domain/sessions/session.js';
import { AuthError } from '../errors/auth-error.js';

const MAX_USER_AGENT = 512;

/** The client IP (X-Forwarded-For only with TRUST_PROXY) and user agent, as the domain records them. */
export function requestInfo(request: FastifyRequest): RequestInfo {
  const userAgent = request.headers['user-agent'];
  return { ip: request.ip ?? null, userAgent: userAgent ? userAgent.slice(0, MAX_USER_AGENT) : null };
}

/** The admin making a change over HTTP, as the audit trail and the self-protection rules see them. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.principal) throw new AuthError('not_authenticated');
  return { userId: request.principal.user.id, ip: request.ip ?? null, via: 'http' };
}
