import { JwksCache } from './jwks-cache.js';
import { introspectCredential, type IntrospectionTarget, isWsTicket } from './introspect-credential.js';
import { verifyAccessToken } from './verify-access-token.js';
import type { Verifier, VerifierOptions } from './verifier-options.js';
import { VerifyError } from './verify-error.js';

const DEFAULTS = { audience: 'gatehouse', clockToleranceSeconds: 30, cacheMaxAgeMs: 10 * 60_000, cooldownMs: 30_000 } as const;

/**
 * Creates a verifier for one Gatehouse issuer. Keys are fetched lazily on the first verification and cached; key
 * rotation on the server needs no restart here (an unknown `kid` triggers a refetch, bounded by `cooldownMs`).
 *
 * @example
 * ```ts
 * import { createVerifier } from '@gatehouse/verify';
 * const verifier = createVerifier({ issuer: 'https://auth.example.com' });
 * const caller = await verifier.verify(token); // { userId, sessionId, role, scopes }
 * ```
 */
export function createVerifier(options: VerifierOptions): Verifier {
  const issuer = options.issuer;
  if (!URL.canParse(issuer)) throw new TypeError(`createVerifier: issuer must be an absolute URL, got ${JSON.stringify(issuer)}`);
  const base = issuer.replace(/\/+$/, '');
  const now = options.now ?? Date.now;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const keys = new JwksCache({
    url: options.jwksUrl ?? `${base}/.well-known/jwks.json`,
    maxAgeMs: options.cacheMaxAgeMs ?? DEFAULTS.cacheMaxAgeMs,
    cooldownMs: options.cooldownMs ?? DEFAULTS.cooldownMs,
    now,
    fetch: fetchImpl,
  });
  const rules = {
    issuer,
    audience: options.audience ?? DEFAULTS.audience,
    clockToleranceSeconds: options.clockToleranceSeconds ?? DEFAULTS.clockToleranceSeconds,
    now,
  };
  const target: IntrospectionTarget | undefined = options.introspection && {
    url: options.introspection.url ?? `${base}/api/v1/auth/introspect`,
    apiKey: options.introspection.apiKey,
    fetch: fetchImpl,
  };

  const verify = (token: string) => verifyAccessToken(token, keys, rules);

  function introspection(): IntrospectionTarget {
    if (target === undefined) throw new TypeError('introspect() and redeemTicket() need the `introspection` option of createVerifier');
    return target;
  }

  async function redeemTicket(ticket: string) {
    const server = introspection();
    if (!isWsTicket(ticket)) throw new VerifyError('invalid_token');
    const caller = await introspectCredential(server, ticket);
    if (caller === null) throw new VerifyError('invalid_token');
    return caller;
  }

  async function introspect(credential: string) {
    const server = introspection();
    // A ticket opens one WebSocket; as a bearer token it would be a second credential nobody asked for.
    if (isWsTicket(credential)) throw new VerifyError('invalid_token');
    // Local checks first: a forged or expired token is refused without a request, so forgeries cannot load the server.
    await verify(credential);
    const caller = await introspectCredential(server, credential);
    // The signature and claims are good, so an inactive answer means the session ended (logout, revocation, suspension).
    if (caller === null) throw new VerifyError('session_revoked');
    return caller;
  }

  return Object.freeze({ verify, introspect, redeemTicket });
}
