import { createLocalJWKSet, type CryptoKey, type JSONWebKeySet, type JWSHeaderParameters } from 'jose';

export interface JwksCacheSettings {
  readonly url: string;
  readonly maxAgeMs: number;
  readonly cooldownMs: number;
  readonly now: () => number;
  readonly fetch: typeof fetch;
}

const FETCH_TIMEOUT_MS = 5_000;

/**
 * The issuer's public keys, fetched once and reused for `maxAgeMs`. A token naming a `kid` the cached set lacks (a key
 * rotated in since the last fetch) triggers an immediate refetch, so rotation needs no restart; but at most one such
 * refetch per `cooldownMs`, so a stream of forged kids cannot turn the verifier into a request amplifier against the
 * issuer. Time comes from the injected clock (jose's remote set reads `Date.now()`, which tests cannot freeze).
 * Concurrent refreshes share one request.
 */
export class JwksCache {
  private keys: ReturnType<typeof createLocalJWKSet> | undefined;
  private kids = new Set<string>();
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private unknownKidRefetchAt = Number.NEGATIVE_INFINITY;
  private failedAt = Number.NEGATIVE_INFINITY;
  private inflight: Promise<void> | undefined;

  constructor(private readonly settings: JwksCacheSettings) {}

  /** A jose key resolver: throws when no key matches the header (jose then fails the verification). */
  readonly resolve = async (header: JWSHeaderParameters): Promise<CryptoKey> => {
    const now = this.settings.now();
    const stale = now - this.fetchedAt >= this.settings.maxAgeMs && now - this.failedAt >= this.settings.cooldownMs;
    if (this.keys === undefined || stale) {
      await this.refresh().catch((error: unknown) => {
        // Stale keys beat no keys while the issuer is unreachable (retried once per cooldown, not on every request);
        // with none there is nothing to verify with.
        this.failedAt = now;
        if (this.keys === undefined) throw error;
      });
    } else if (typeof header.kid === 'string' && !this.kids.has(header.kid) && now - this.unknownKidRefetchAt >= this.settings.cooldownMs) {
      // Claimed before the await, so a burst of unknown kids shares this one refetch.
      this.unknownKidRefetchAt = now;
      await this.refresh().catch(() => undefined);
    }
    if (this.keys === undefined) throw new Error('No JWKS available');
    return this.keys(header);
  };

  private refresh(): Promise<void> {
    this.inflight ??= this.load().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async load(): Promise<void> {
    const startedAt = this.settings.now();
    const response = await this.settings.fetch(this.settings.url, {
      headers: { accept: 'application/json' },
      redirect: 'error',
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
    if (!response.ok) throw new Error(`JWKS request answered ${response.status}`);
    const body = (await response.json()) as unknown;
    if (!isKeySet(body)) throw new Error('JWKS response is not a JSON Web Key Set');
    this.keys = createLocalJWKSet(body);
    this.kids = new Set(body.keys.flatMap((key) => (typeof key.kid === 'string' ? [key.kid] : [])));
    this.fetchedAt = startedAt;
  }
}

function isKeySet(value: unknown): value is JSONWebKeySet {
  return typeof value === 'object' && value !== null && Array.isArray((value as { keys?: unknown }).keys);
}
