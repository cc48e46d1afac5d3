import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { type Authentication, authenticateRequest, refusal } from './authenticate-request.js';
import type { Caller, Role } from './caller.js';
import { problemFor } from './problem.js';
import type { Verifier } from './verifier-options.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Express types are augmented through this namespace.
  namespace Express {
    interface Request {
      /** The verified caller, or `null` when the request carried no (valid) bearer token. Set by `gatehouseExpress`. */
      caller?: Caller | null;
    }
  }
}

/**
 * Options of {@link gatehouseExpress}.
 *
 * @example
 * ```ts
 * app.use(gatehouseExpress({ verifier, introspect: false } satisfies GatehouseExpressOptions));
 * ```
 */
export interface GatehouseExpressOptions {
  readonly verifier: Verifier;
  /** Ask the server about every token (instant revocation) instead of verifying locally. */
  readonly introspect?: boolean;
}

const authentications = new WeakMap<Request, Authentication>();

/**
 * Express middleware: verifies the `Authorization: Bearer` token and sets `req.caller` (`null` when anonymous or
 * refused). It refuses nothing by itself; use {@link requireCaller} or {@link requireRole} on routes.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { createVerifier } from '@gatehouse/verify';
 * import { gatehouseExpress, requireCaller } from '@gatehouse/verify/express';
 *
 * const app = express();
 * app.use(gatehouseExpress({ verifier: createVerifier({ issuer: 'https://auth.example.com' }) }));
 * app.get('/notes', requireCaller, (req, res) => res.json(listNotes(req.caller!.userId)));
 * ```
 */
export function gatehouseExpress(options: GatehouseExpressOptions): RequestHandler {
  return (req, _res, next) => {
    authenticateRequest(options.verifier, req.headers.authorization, options.introspect ?? false).then((authentication) => {
      authentications.set(req, authentication);
      req.caller = authentication.caller;
      next();
    }, next);
  };
}

function guard(roles: readonly Role[]): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const authentication = authentications.get(req);
    if (authentication === undefined) return next(new Error('@gatehouse/verify: use gatehouseExpress() before its guards'));
    const error = refusal(authentication, roles);
    if (error === null) return next();
    const { status, headers, body } = problemFor(error);
    res.status(status).set(headers).send(JSON.stringify(body));
  };
}

/**
 * Middleware answering 401 (problem document) unless `gatehouseExpress` verified a caller.
 *
 * @example
 * ```ts
 * app.get('/me', requireCaller, (req, res) => res.json(req.caller));
 * ```
 */
export const requireCaller: RequestHandler = guard([]);

/**
 * Middleware answering 401 without a caller and 403 `forbidden` when the caller has none of `roles`.
 *
 * @example
 * ```ts
 * app.get('/admin/notes', requireRole('admin'), listAllNotes);
 * ```
 */
export function requireRole(...roles: Role[]): RequestHandler {
  return guard(roles);
}
