// RFC 6750 §2.1: the scheme is case-insensitive; the token is b64token characters.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * The token of an `Authorization: Bearer <token>` header, or `undefined` when the header is absent or not a bearer
 * credential.
 *
 * @example
 * ```ts
 * import { bearerToken } from '@gatehouse/verify';
 * const token = bearerToken(request.headers.authorization);
 * if (token === undefined) throw new VerifyError('not_authenticated');
 * ```
 */
export function bearerToken(authorizationHeader: string | undefined): string | undefined {
  if (authorizationHeader === undefined) return undefined;
  return BEARER.exec(authorizationHeader)?.[1];
}
