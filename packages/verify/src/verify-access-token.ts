import { base64url, decodeProtectedHeader, errors, type JWTPayload, jwtVerify } from 'jose';
import { type Caller, isRole, scopesFor } from './caller.js';
import type { JwksCache } from './jwks-cache.js';
import { VerifyError } from './verify-error.js';

export interface AccessTokenRules {
  readonly issuer: string;
  readonly audience: string;
  readonly clockToleranceSeconds: number;
  readonly now: () => number;
}

// The same rules as the Gatehouse server (packages/server/src/security/access-tokens.ts): a resource server must be
// no easier to fool than the issuer itself.
const ALGORITHMS = ['EdDSA'];
const ACCESS_TOKEN_TYPE = 'at+jwt'; // RFC 9068 §4: refuses ID tokens and other JWTs signed by the same keys
const MAX_TOKEN_LENGTH = 4096;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
// Key material named or embedded in the header is never trusted (RFC 8725 §3.10, CVE-2018-0114).
const UNTRUSTED_HEADER_KEYS = ['jwk', 'jku', 'x5u', 'x5c', 'x5t', 'x5t#S256', 'crit'];

// base64url decoding ignores a last character's unused bits: accept only the canonical spelling of each segment.
// (jose's codec rather than Buffer, so the check also runs on edge runtimes.)
function isCanonical(token: string): boolean {
  return token.split('.').every((segment) => base64url.encode(base64url.decode(segment)) === segment);
}

export async function verifyAccessToken(token: string, keys: JwksCache, rules: AccessTokenRules): Promise<Caller> {
  if (token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token) || !isCanonical(token)) throw new VerifyError('invalid_token');
  let payload: JWTPayload;
  try {
    const header = decodeProtectedHeader(token);
    if (UNTRUSTED_HEADER_KEYS.some((name) => name in header) || typeof header.kid !== 'string') throw new VerifyError('invalid_token');
    ({ payload } = await jwtVerify(token, keys.resolve, {
      algorithms: ALGORITHMS,
      typ: ACCESS_TOKEN_TYPE,
      issuer: rules.issuer,
      audience: rules.audience,
      clockTolerance: rules.clockToleranceSeconds,
      currentDate: new Date(rules.now()),
      requiredClaims: ['exp', 'iat', 'sub', 'jti'],
    }));
  } catch (error) {
    if (error instanceof VerifyError) throw error;
    if (error instanceof errors.JWTExpired) throw new VerifyError('token_expired', { cause: error });
    throw new VerifyError('invalid_token', { cause: error });
  }
  const { sub, sid, role, iat } = payload;
  // jose accepts any past iat; one from the future (beyond the skew) was not issued by a correct clock.
  const iatTooNew = typeof iat !== 'number' || iat > rules.now() / 1000 + rules.clockToleranceSeconds;
  if (typeof sub !== 'string' || typeof sid !== 'string' || !isRole(role) || iatTooNew) throw new VerifyError('invalid_token');
  return Object.freeze({ userId: sub, sessionId: sid, role, scopes: scopesFor(role, payload.scope) });
}
