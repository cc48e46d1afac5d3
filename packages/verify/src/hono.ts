import type { Context, MiddlewareHandler } from 'hono';
import { type Authentication, authenticateRequest, refusal } from './authenticate-request.js';
import type { Caller, Role } from './caller.js';
import { problemFor } from './problem.js';
import type { Verifier } from './verifier-options.js';

/**
 * The Hono environment the middleware provides: `c.get('caller')`.
 *
 * @example
 * ```ts
 * const app = new Hono<GatehouseEnv>();
 * app.get('/me', requireCaller, (c) => c.json(c.get('caller')));
 * ```
 */
export interface GatehouseEnv {
  Variables: { caller: Caller | null };
}

/**
 * Options of {@link gatehouseHono}.
 *
 * @example
 * ```ts
 * app.use(gatehouseHono({ verifier } satisfies GatehouseHonoOptions));
 * ```
 */
export interface GatehouseHonoOptions {
  readonly verifier: Verifier;
  /** Ask the server about every token (instant revocation) instead of verifying locally. */
  readonly introspect?: boolean;
}

const authentications = new WeakMap<Context, Authentication>();

/**
 * Hono middleware: verifies the `Authorization: Bearer` token and sets `c.get('caller')` (`null` when anonymous or
 * refused). It refuses nothing by itself; use {@link requireCaller} or {@link requireRole} on routes.
 *
 * @example
 * ```ts
 * import { Hono } from 'hono';
 * import { createVerifier } from '@gatehouse/verify';
 * import { gatehouseHono, requireCaller, type GatehouseEnv } from '@gatehouse/verify/hono';
 *
 * const app = new Hono<GatehouseEnv>();
 * app.use(gatehouseHono({ verifier: createVerifier({ issuer: 'https://auth.example.com' }) }));
 * app.get('/notes', requireCaller, (c) => c.json(listNotes(c.get('caller')!.userId)));
 * ```
 */
export function gatehouseHono(options: GatehouseHonoOptions): MiddlewareHandler<GatehouseEnv> {
  return async (c, next) => {
    const authentication = await authenticateRequest(options.verifier, c.req.header('authorization'), options.introspect ?? false);
    authentications.set(c, authentication);
    c.set('caller', authentication.caller);
    await next();
  };
}

function guard(roles: readonly Role[]): MiddlewareHandler<GatehouseEnv> {
  return async (c, next) => {
    const authentication = authentications.get(c);
    if (authentication === undefined) throw new Error('@gatehouse/verify: use gatehouseHono() before its guards');
    const error = refusal(authentication, roles);
    if (error === null) return next();
    const { status, headers, body } = problemFor(error);
    return c.body(JSON.stringify(body), status, headers);
  };
}

/**
 * Middleware answering 401 (problem document) unless `gatehouseHono` verified a caller.
 *
 * @example
 * ```ts
 * app.get('/me', requireCaller, (c) => c.json(c.get('caller')));
 * ```
 */
export const requireCaller: MiddlewareHandler<GatehouseEnv> = guard([]);

/**
 * Middleware answering 401 without a caller and 403 `forbidden` when the caller has none of `roles`.
 *
 * @example
 * ```ts
 * app.get('/admin/notes', requireRole('admin'), listAllNotes);
 * ```
 */
export function requireRole(...roles: Role[]): MiddlewareHandler<GatehouseEnv> {
  return guard(roles);
}
