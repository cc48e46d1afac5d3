import type { FastifyPluginAsync, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { type Authentication, authenticateRequest, refusal } from './authenticate-request.js';
import type { Caller, Role } from './caller.js';
import { problemFor } from './problem.js';
import type { Verifier } from './verifier-options.js';
import type { VerifyError } from './verify-error.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified caller, or `null` when the request carried no (valid) bearer token. Set by `gatehouse`. */
    caller: Caller | null;
  }
}

/**
 * Options of the {@link gatehouse} Fastify plugin.
 *
 * @example
 * ```ts
 * await app.register(gatehouse, { verifier, introspect: true } satisfies GatehouseFastifyOptions);
 * ```
 */
export interface GatehouseFastifyOptions {
  readonly verifier: Verifier;
  /** Ask the server about every token (instant revocation, one request per call) instead of verifying locally. */
  readonly introspect?: boolean;
}

const authentications = new WeakMap<FastifyRequest, Authentication>();

const plugin: FastifyPluginAsync<GatehouseFastifyOptions> = async (app, options) => {
  app.decorateRequest('caller', null);
  app.addHook('onRequest', async (request) => {
    const authentication = await authenticateRequest(options.verifier, request.headers.authorization, options.introspect ?? false);
    authentications.set(request, authentication);
    request.caller = authentication.caller;
  });
};

/**
 * Fastify plugin: verifies the `Authorization: Bearer` token of every request and sets `request.caller`
 * (`null` for anonymous requests and refused tokens). It does not refuse anything by itself: put
 * {@link requireCaller} or {@link requireRole} on the routes that need a caller. Registered on the scope it is given
 * (not encapsulated), like `fastify-plugin` would do.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import { createVerifier } from '@gatehouse/verify';
 * import { gatehouse, requireCaller, requireRole } from '@gatehouse/verify/fastify';
 *
 * const app = Fastify();
 * await app.register(gatehouse, { verifier: createVerifier({ issuer: 'https://auth.example.com' }) });
 * app.get('/notes', { preHandler: requireCaller }, async (request) => listNotes(request.caller!.userId));
 * app.get('/admin/notes', { preHandler: requireRole('admin') }, async () => listAllNotes());
 * ```
 */
export const gatehouse = Object.assign(plugin, {
  // The markers fastify-plugin sets: apply the decorator and hook to the registering scope.
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: '@gatehouse/verify',
});
export default gatehouse;

function guard(roles: readonly Role[]): preHandlerAsyncHookHandler {
  return async function gatehouseGuard(request: FastifyRequest, reply: FastifyReply) {
    const authentication = authentications.get(request);
    if (authentication === undefined) throw new Error('@gatehouse/verify: register the `gatehouse` plugin before using its guards');
    const error = refusal(authentication, roles);
    if (error !== null) return sendProblem(reply, error);
  };
}

function sendProblem(reply: FastifyReply, error: VerifyError): FastifyReply {
  const { status, headers, body } = problemFor(error);
  return reply.code(status).headers(headers).send(body);
}

/**
 * preHandler that answers 401 (a problem document with `code` `not_authenticated`, `invalid_token`,
 * `token_expired` or `session_revoked`) unless the request has a verified caller.
 *
 * @example
 * ```ts
 * app.get('/me', { preHandler: requireCaller }, async (request) => request.caller);
 * ```
 */
export const requireCaller: preHandlerAsyncHookHandler = guard([]);

/**
 * preHandler that answers 401 without a verified caller and 403 `forbidden` when the caller has none of `roles`.
 *
 * @example
 * ```ts
 * app.delete('/admin/notes/:id', { preHandler: requireRole('admin') }, deleteAnyNote);
 * ```
 */
export function requireRole(...roles: Role[]): preHandlerAsyncHookHandler {
  return guard(roles);
}
