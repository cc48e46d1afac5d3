import type { Caller } from './caller.js';

/**
 * How to reach the Gatehouse introspection endpoint (RFC 7662).
 *
 * @example
 * ```ts
 * createVerifier({ issuer, introspection: { apiKey: process.env.GATEHOUSE_INTROSPECT_KEY! } });
 * ```
 */
export interface IntrospectionOptions {
  /** Default `${issuer}/api/v1/auth/introspect`. */
  readonly url?: string;
  /** An API key (`tk_...`) with the scope `introspect`. */
  readonly apiKey: string;
}

/**
 * Options of {@link createVerifier}. Only `issuer` is required.
 *
 * @example
 * ```ts
 * const options: VerifierOptions = { issuer: 'https://auth.example.com', audience: 'gatehouse', cooldownMs: 30_000 };
 * ```
 */
export interface VerifierOptions {
  /** The Gatehouse PUBLIC_URL; tokens must carry it as `iss`. */
  readonly issuer: string;
  /** Expected `aud`; default `'gatehouse'` (the server's JWT_AUDIENCE default). */
  readonly audience?: string;
  /** Default `${issuer}/.well-known/jwks.json`. */
  readonly jwksUrl?: string;
  /** Skew tolerated on `exp`, `nbf` and `iat`; default 30 (the server's own tolerance). */
  readonly clockToleranceSeconds?: number;
  /** How long fetched keys are trusted before a refetch; default 10 minutes. */
  readonly cacheMaxAgeMs?: number;
  /** Least time between two refetches caused by an unknown `kid` (a rotated key is picked up at once); default 30 s. */
  readonly cooldownMs?: number;
  /** The current time in epoch milliseconds; default `Date.now`. Tests inject a frozen clock. */
  readonly now?: () => number;
  /** Used for the JWKS and introspection requests; default the global `fetch`. */
  readonly fetch?: typeof fetch;
  /** Enables {@link Verifier.introspect}. */
  readonly introspection?: IntrospectionOptions;
}

/**
 * Verifies Gatehouse credentials. Create one per process with {@link createVerifier} and share it.
 *
 * @example
 * ```ts
 * const caller = await verifier.verify(token);          // local: fast, revocation seen only at expiry
 * const live = await verifier.introspect(token);        // asks the server: revocation seen at once
 * ```
 */
export interface Verifier {
  /**
   * Verifies an access token locally against the issuer's JWKS. Fast (no request once the keys are cached), but a
   * token whose session was revoked still passes until it expires (at most the access-token lifetime, 30 min).
   * Throws `VerifyError` `invalid_token` or `token_expired`.
   */
  verify(token: string): Promise<Caller>;
  /**
   * Asks the server whether an access token is live (RFC 7662), so a revoked session is refused at once. The token
   * is first verified locally (forgeries never cost a request). Needs `options.introspection`. Throws `VerifyError`
   * `session_revoked`, `invalid_token` or `token_expired`.
   */
  introspect(token: string): Promise<Caller>;
  /**
   * Redeems a single-use WebSocket ticket (`wst_...`, from `POST /api/v1/auth/ws-ticket`) through introspection.
   * Only for WebSocket upgrades: `introspect()` refuses tickets, so a ticket never passes as an HTTP bearer token.
   * Needs `options.introspection`. Throws `VerifyError` `invalid_token`.
   */
  redeemTicket(ticket: string): Promise<Caller>;
}
