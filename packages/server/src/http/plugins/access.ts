import type { FastifyReply, FastifyRequest } from 'fastify';
import { authorize } from '../../domain/access/authorize.js';
import type { Permission } from '../../domain/access/permissions.js';
import type { DomainContext } from '../../domain/context.js';
import { AuthError } from '../../errors/auth-error.js';
import { authenticateRequest } from './authenticate.js';

/**
 * Who may call a route, declared in the route table (CONVENTIONS "the route table is the security policy"). Every
 * route states one; buildApp refuses to start with a route that does not, and the permission-matrix test walks them.
 * `interactive` routes need a person in a session: an API key gets 403 (API.md "What an API key may not do").
 * `service` routes are the reverse: for a resource server's API key, never a person's token or cookie.
 */
export type Access =
  | { readonly kind: 'public' }
  | { readonly kind: 'caller'; readonly interactive: boolean }
  | { readonly kind: 'permission'; readonly permission: Permission; readonly interactive: boolean }
  | { readonly kind: 'service'; readonly permission: Permission };

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
}

type Guard = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
export interface AccessOptions {
  readonly onRequest?: Guard;
  readonly config: { readonly access: Access };
}
interface GuardOptions {
  /** Only for a person in a session (bearer token or cookie), never for an API key. */
  readonly interactive?: boolean;
}

/** Anyone, authenticated or not (login, registration, health). */
export const anyone: AccessOptions = { config: { access: { kind: 'public' } } };

/** Any authenticated caller, whatever their role (ending one's own session). */
export function anyCaller(ctx: DomainContext, options: GuardOptions = {}): AccessOptions {
  const interactive = options.interactive ?? false;
  return { onRequest: guard(ctx, undefined, interactive), config: { access: { kind: 'caller', interactive } } };
}

/**
 * An authenticated caller holding the permission. Runs at onRequest, before the body is read or validated, so a
 * caller without it learns nothing but 401/403.
 */
export function allow(ctx: DomainContext, permission: Permission, options: GuardOptions = {}): AccessOptions {
  const interactive = options.interactive ?? false;
  return { onRequest: guard(ctx, permission, interactive), config: { access: { kind: 'permission', permission, interactive } } };
}

/**
 * An API key holding the permission, and nothing else: RFC 7662 §2.1 has the protected resource authenticate as
 * itself, so a user's access token cannot introspect (403) even when its role holds the permission.
 */
export function allowService(ctx: DomainContext, permission: Permission): AccessOptions {
  return {
    onRequest: async (request) => {
      const principal = await authenticateRequest(ctx, request);
      if (principal.kind !== 'api_key') throw new AuthError('forbidden', { detail: 'This is for a resource server’s API key, not a login session' });
      authorize(principal, permission);
    },
    config: { access: { kind: 'service', permission } },
  };
}

function guard(ctx: DomainContext, permission: Permission | undefined, interactive: boolean): Guard {
  return async (request) => {
    const principal = await authenticateRequest(ctx, request);
    if (interactive && principal.kind === 'api_key') {
      throw new AuthError('forbidden', { detail: 'This needs a login session; an API key cannot do it' });
    }
    if (permission) authorize(principal, permission);
  };
}
