import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DomainContext } from '../../domain/context.js';
import { authenticateAccessToken, type Principal } from '../../domain/sessions/authenticate.js';
import { AuthError } from '../../errors/auth-error.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

const BEARER = /^Bearer +([^ ]+) *$/i;

/** Reads the caller's bearer token. Tokens are taken from the Authorization header only, never the URL (ASVS 14.2.1). */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = BEARER.exec(header);
  if (!match?.[1]) throw new AuthError('invalid_token');
  return match[1];
}

/** onRequest hook for routes that need a caller: 401 without valid credentials, settled before the body is even read. */
export function requireCaller(ctx: DomainContext) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const token = bearerToken(request);
    if (token === undefined) throw new AuthError('not_authenticated');
    request.principal = await authenticateAccessToken(ctx, token);
  };
}

/** onRequest hook for administration routes: 401 without credentials, 403 `forbidden` for anyone but an admin. */
export function requireAdmin(ctx: DomainContext) {
  const caller = requireCaller(ctx);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    await caller(request, reply);
    if (request.principal?.user.role !== 'admin') throw new AuthError('forbidden');
  };
}

/** The authenticated caller of a route guarded by requireCaller. */
export function callerOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AuthError('not_authenticated');
  return request.principal;
}
