import { bearerToken } from './bearer-token.js';
import type { Caller } from './caller.js';
import type { Verifier } from './verifier-options.js';
import { VerifyError } from './verify-error.js';

/**
 * The parts of an HTTP upgrade request the helper reads (Node's `IncomingMessage` fits).
 *
 * @example
 * ```ts
 * const request: UpgradeRequest = { url: '/ws?ticket=wst_...', headers: {} };
 * ```
 */
export interface UpgradeRequest {
  readonly url: string;
  readonly headers: Record<string, string | string[] | undefined>;
}

/**
 * Authenticates a WebSocket upgrade. Browsers cannot set headers on an upgrade, so besides `Authorization: Bearer`
 * it reads `?ticket=` (a single-use `wst_` ticket from `POST /api/v1/auth/ws-ticket`, redeemed through introspection,
 * which keeps tokens out of URLs and logs) or `?token=` (an access token, verified locally). Throws `VerifyError`.
 *
 * @example
 * ```ts
 * import { authenticateUpgrade, closeForFailure } from '@gatehouse/verify/websocket';
 * wss.on('connection', async (socket, request) => {
 *   try {
 *     const caller = await authenticateUpgrade(verifier, request);
 *     subscribe(socket, caller.userId);
 *   } catch (error) {
 *     closeForFailure(socket, error);
 *   }
 * });
 * ```
 */
export async function authenticateUpgrade(verifier: Verifier, request: UpgradeRequest): Promise<Caller> {
  const query = new URL(request.url, 'http://upgrade.invalid').searchParams;
  const ticket = query.get('ticket');
  if (ticket !== null) {
    // Only a ticket may ride in `?ticket=`; anything else there is refused rather than guessed at.
    return verifier.redeemTicket(ticket);
  }
  const token = query.get('token') ?? bearerToken(single(request.headers.authorization));
  if (token === null || token === undefined) throw new VerifyError('not_authenticated');
  return verifier.verify(token);
}

function single(header: string | string[] | undefined): string | undefined {
  return Array.isArray(header) ? undefined : header;
}

/**
 * The part of a WebSocket the helper needs (`ws`, `@fastify/websocket` and browsers' sockets fit).
 *
 * @example
 * ```ts
 * closeForFailure(socket satisfies ClosableSocket, error);
 * ```
 */
export interface ClosableSocket {
  close(code?: number, reason?: string): void;
}

/**
 * Closes a socket whose upgrade failed authentication: 1008 (policy violation, RFC 6455 §7.4.1) with the error's
 * code as the reason, or 1011 for anything that is not a `VerifyError`, whose details stay server-side.
 *
 * @example
 * ```ts
 * authenticateUpgrade(verifier, request).catch((error) => closeForFailure(socket, error));
 * ```
 */
export function closeForFailure(socket: ClosableSocket, error: unknown): void {
  if (error instanceof VerifyError) socket.close(1008, error.code);
  else socket.close(1011, 'internal_error');
}
