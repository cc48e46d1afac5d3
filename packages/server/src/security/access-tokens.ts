import { randomBytes } from 'node:crypto';
import { decodeProtectedHeader, errors, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import type { Clock } from '../clock.js';
import { AuthError } from '../errors/auth-error.js';
import { type KeyRing, SIGNING_ALGORITHM } from './key-ring.js';

export const ACCESS_TOKEN_TYPE = 'at+jwt';
/** Clock skew tolerated on `exp`, `nbf` and `iat` (API.md: ≤ 30 s). */
export const CLOCK_SKEW_SECONDS = 30;
const MAX_TOKEN_LENGTH = 4096;
// Compact JWS only: three base64url segments (RFC 8725bis "check JWT format"); JWE and JSON serialisation are refused.
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const UNTRUSTED_HEADER_KEYS = ['jwk', 'jku', 'x5u', 'x5c', 'x5t', 'x5t#S256', 'crit'];

/**
 * base64url decoding ignores the unused low bits of the last character, so one token has up to 16 spellings.
 * Accepting only the canonical one keeps "one token, one string" true for the cache and any string-keyed list.
 */
function isCanonical(token: string): boolean {
  return token.split('.').every((segment) => Buffer.from(segment, 'base64url').toString('base64url') === segment);
}

export interface AccessClaims {
  readonly sub: string;
  readonly sid: string;
  readonly role: string;
  readonly jti: string;
  readonly iat: number;
  readonly exp: number;
}

export interface AccessTokenSettings {
  readonly issuer: string;
  readonly audience: string;
  readonly ttlSeconds: number;
  /** Verified tokens remembered until they expire; bounded so a flood of valid tokens cannot grow memory. */
  readonly cacheSize?: number;
}

/**
 * Issues and verifies access tokens (RFC 9068 `at+jwt`). A verified token is cached by its exact string until its
 * `exp`: an Ed25519 check costs ~200 µs, which alone would cap the authenticated path near 5k req/s. Revocation is
 * not cached here; it is checked separately on every request.
 */
export class AccessTokens {
  private readonly verified = new Map<string, AccessClaims>();
  private readonly cacheSize: number;

  constructor(
    private readonly keyRing: KeyRing,
    private readonly clock: Clock,
    private readonly settings: AccessTokenSettings,
  ) {
    this.cacheSize = settings.cacheSize ?? 50_000;
  }

  async issue(subject: { userId: string; sessionId: string; role: string; notAfter: number }): Promise<{ token: string; expiresIn: number }> {
    const now = Math.floor(this.clock.now() / 1000);
    // An access token never outlives the login it belongs to.
    const exp = Math.min(now + this.settings.ttlSeconds, Math.floor(subject.notAfter / 1000));
    const { kid, key } = this.keyRing.signingKey();
    const token = await new SignJWT({ sid: subject.sessionId, role: subject.role })
      .setProtectedHeader({ alg: SIGNING_ALGORITHM, typ: ACCESS_TOKEN_TYPE, kid })
      .setIssuer(this.settings.issuer)
      .setAudience(this.settings.audience)
      .setSubject(subject.userId)
      .setJti(randomBytes(16).toString('base64url'))
      .setIssuedAt(now)
      .setExpirationTime(exp)
      .sign(key);
    return { token, expiresIn: exp - now };
  }

  /** Returns the claims of a valid token or throws AuthError `invalid_token` / `token_expired`. */
  async verify(token: string): Promise<AccessClaims> {
    const cached = this.verified.get(token);
    if (cached) {
      // Same boundary as jose's check on an uncached token: expired once exp + skew is reached.
      if (this.clock.now() / 1000 >= cached.exp + CLOCK_SKEW_SECONDS) {
        this.verified.delete(token);
        throw new AuthError('token_expired');
      }
      return cached;
    }
    const claims = await this.verifySignatureAndClaims(token);
    if (this.verified.size >= this.cacheSize) {
      // Maps iterate in insertion order: drop the oldest entry.
      const oldest = this.verified.keys().next().value;
      if (oldest !== undefined) this.verified.delete(oldest);
    }
    this.verified.set(token, claims);
    return claims;
  }

  private async verifySignatureAndClaims(token: string): Promise<AccessClaims> {
    if (token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token) || !isCanonical(token)) throw new AuthError('invalid_token');
    let payload: JWTPayload;
    try {
      const header = decodeProtectedHeader(token);
      // Key material named or embedded in the header is never trusted (RFC 8725 §3.10, CVE-2018-0114).
      if (UNTRUSTED_HEADER_KEYS.some((name) => name in header) || typeof header.kid !== 'string') throw new AuthError('invalid_token');
      const key = await this.keyRing.verificationKey(header.kid);
      if (!key) throw new AuthError('invalid_token');
      ({ payload } = await jwtVerify(token, key, {
        algorithms: [SIGNING_ALGORITHM],
        typ: ACCESS_TOKEN_TYPE,
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        clockTolerance: CLOCK_SKEW_SECONDS,
        currentDate: new Date(this.clock.now()),
        requiredClaims: ['exp', 'iat', 'sub', 'jti'],
      }));
    } catch (error) {
      if (error instanceof AuthError) throw error;
      if (error instanceof errors.JWTExpired) throw new AuthError('token_expired');
      throw new AuthError('invalid_token');
    }
    const { sub, sid, role, jti, iat, exp } = payload;
    const iatTooNew = typeof iat !== 'number' || iat > this.clock.now() / 1000 + CLOCK_SKEW_SECONDS;
    if (typeof sid !== 'string' || typeof role !== 'string' || typeof sub !== 'string' || typeof jti !== 'string' || iatTooNew) {
      throw new AuthError('invalid_token');
    }
    return { sub, sid, role, jti, iat, exp: exp as number };
  }
}
