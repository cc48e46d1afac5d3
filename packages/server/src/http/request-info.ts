import type { FastifyRequest } from 'fastify';
import type { RequestInfo } from '../domain/sessions/session.js';

const MAX_USER_AGENT = 512;

/** The client IP (X-Forwarded-For only with TRUST_PROXY) and user agent, as the domain records them. */
export function requestInfo(request: FastifyRequest): RequestInfo {
  const userAgent = request.headers['user-agent'];
  return { ip: request.ip ?? null, userAgent: userAgent ? userAgent.slice(0, MAX_USER_AGENT) : null };
}
