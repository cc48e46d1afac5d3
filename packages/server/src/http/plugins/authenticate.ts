import type { FastifyRequest } from 'fastify';
import { API_KEY_PREFIX } from '../../domain/api-keys/api-key.js';
import { authenticateApiKey } from '../../domain/api-keys/authenticate-api-key.js';
import type { DomainContext } from '../../domain/context.js';
import {
  authenticateAccessToken,
  authenticateSessionCookie,
  type CookiePrincipal,
  type Principal,
  type SessionPrincipal,
} from '../../domain/sessions/authenticate.js';
import { AuthError } from '../../errors/auth-error.js';
import { sessionCookieName } from './cookies.js';
import { checkCsrf } from './csrf.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

const BEARER = /^Bearer +([^ ]+) *$/i;

type Credential = { readonly kind: 'access_token' | 'api_key' | 'cookie'; readonly value: string };

/** Reads the caller's bearer token from the Authorization header. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = BEARER.exec(header);
  if (!match?.[1]) throw new AuthError('invalid_token');
  return match[1];
}

/**
 * The credential a request carries (API.md "Authentication methods"): `X-API-Key`, or `Authorization: Bearer` with
 * an access token or a `tk_` key, or `?api_key=` only when API_KEY_QUERY_PARAM=true. Access tokens are never taken
 * from the URL here (ASVS 14.2.1).
 */
function credentialOf(ctx: DomainContext, request: FastifyRequest): Credential | undefined {
  const header = request.headers['x-api-key'];
  if (typeof header === 'string') return { kind: 'api_key', value: header.trim() };
  if (header !== undefined) throw new AuthError('invalid_token');
  const bearer = bearerToken(request);
  if (bearer !== undefined) return { kind: bearer.startsWith(API_KEY_PREFIX) ? 'api_key' : 'access_token', value: bearer };
  if (ctx.config.apiKeyQueryParam) {
    const query = (request.query as Record<string, unknown> | undefined)?.api_key;
    if (typeof query === 'string') return { kind: 'api_key', value: query };
  }
  const cookie = request.cookies[sessionCookieName(ctx.config)];
  if (cookie !== undefined) return { kind: 'cookie', value: cookie };
  return undefined;
}

/** Authenticates the request's caller (401 without valid credentials) and, for a cookie, applies the CSRF check. */
export async function authenticateRequest(ctx: DomainContext, request: FastifyRequest): Promise<Principal> {
  const credential = credentialOf(ctx, request);
  if (credential === undefined) throw new AuthError('not_authenticated');
  const principal = await authenticate(ctx, credential);
  if (principal.kind === 'cookie') checkCsrf(ctx, request, principal.sessionId);
  request.principal = principal;
  return principal;
}

function authenticate(ctx: DomainContext, credential: Credential): Promise<Principal> {
  if (credential.kind === 'api_key') return authenticateApiKey(ctx, credential.value);
  if (credential.kind === 'cookie') return authenticateSessionCookie(ctx, credential.value);
  return authenticateAccessToken(ctx, credential.value);
}

/** The authenticated caller of a route guarded by requireCaller. */
export function callerOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AuthError('not_authenticated');
  return request.principal;
}

/**
 * The caller, who must be a person in a session: managing API keys, changing the password or email, deleting the
 * account and logging out are not for API keys (API.md "What an API key may not do"): 403 `forbidden`.
 */
export function sessionCallerOf(request: FastifyRequest): SessionPrincipal | CookiePrincipal {
  const principal = callerOf(request);
  if (principal.kind === 'api_key') throw new AuthError('forbidden', { detail: 'This needs a login session; an API key cannot do it' });
  return principal;
}
