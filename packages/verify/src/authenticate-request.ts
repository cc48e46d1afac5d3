import { bearerToken } from './bearer-token.js';
import type { Caller } from './caller.js';
import type { Verifier } from './verifier-options.js';
import { VerifyError } from './verify-error.js';

/** What the adapters learn about one request: a caller, nobody, or the reason a sent credential was refused. */
export type Authentication = { readonly caller: Caller | null; readonly error: VerifyError | null };

const BEARER_SCHEME = /^bearer(?: |$)/i;
const ANONYMOUS: Authentication = Object.freeze({ caller: null, error: null });

/**
 * Authenticates the `Authorization: Bearer` credential of a request. A missing header is anonymous, not an error:
 * routes decide with a guard whether they need a caller. Errors that are not a refusal (a bug, a misconfiguration)
 * propagate, so the framework answers 500 rather than a misleading 401.
 */
export async function authenticateRequest(
  verifier: Verifier,
  authorization: string | undefined,
  introspect: boolean,
): Promise<Authentication> {
  // Another scheme (Basic, a cookie-era custom one) is not ours to judge: for bearer purposes the request is anonymous.
  if (authorization === undefined || !BEARER_SCHEME.test(authorization)) return ANONYMOUS;
  const token = bearerToken(authorization);
  if (token === undefined) return { caller: null, error: new VerifyError('invalid_token') };
  try {
    const caller = await (introspect ? verifier.introspect(token) : verifier.verify(token));
    return { caller, error: null };
  } catch (error) {
    if (error instanceof VerifyError) return { caller: null, error };
    throw error;
  }
}

/** The guard decision shared by every adapter: the refusal to answer, or null to let the request through. */
export function refusal(authentication: Authentication | undefined, roles: readonly string[]): VerifyError | null {
  const caller = authentication?.caller ?? null;
  if (caller === null) return authentication?.error ?? new VerifyError('not_authenticated');
  if (roles.length > 0 && !roles.includes(caller.role)) return new VerifyError('forbidden');
  return null;
}
