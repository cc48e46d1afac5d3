import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { type CryptoKey, importJWK, type JWK } from 'jose';
import type { Clock } from '../clock.js';
import { ConfigError } from '../config/config-error.js';
import type { StoredSigningKey } from '../db/repositories/signing-key-repository.js';
import { open, seal } from './secret-box.js';

export const SIGNING_ALGORITHM = 'EdDSA';
const RELOAD_INTERVAL_MS = 1_000;

/** A fresh Ed25519 key; the private half is sealed with the key-encryption key before it is stored. */
export function generateSigningKey(keyEncryptionKey: Buffer, at: number): StoredSigningKey {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const kid = randomBytes(12).toString('base64url');
  const { kty, crv, x } = publicKey.export({ format: 'jwk' });
  return {
    kid,
    alg: SIGNING_ALGORITHM,
    publicJwk: JSON.stringify({ kty, crv, x, kid, alg: SIGNING_ALGORITHM, use: 'sig' }),
    sealedPrivateKey: seal(keyEncryptionKey, JSON.stringify(privateKey.export({ format: 'jwk' }))),
    createdAt: at,
    retiredAt: null,
  };
}

export type SigningKeySource = () => Promise<StoredSigningKey[]>;

/**
 * Signs with the newest active key and verifies with any key still usable, so rotation logs nobody out (RFC 8725
 * §3.1: each key is bound to exactly one algorithm). Keys live in the database; an unknown `kid` triggers at most
 * one reload per second, which is how a key added by `gatehouse keys rotate` or another instance is picked up.
 */
export class KeyRing {
  private signing: { kid: string; key: CryptoKey } | undefined;
  private verifying = new Map<string, CryptoKey>();
  private published: JWK[] = [];
  private lastReload = Number.NEGATIVE_INFINITY;
  private reloading: Promise<void> | undefined;

  constructor(
    private readonly source: SigningKeySource,
    private readonly keyEncryptionKey: Buffer,
    private readonly clock: Clock,
  ) {}

  reload(): Promise<void> {
    this.reloading ??= this.load().finally(() => {
      this.reloading = undefined;
    });
    return this.reloading;
  }

  signingKey(): { kid: string; key: CryptoKey } {
    if (!this.signing) throw new Error('The key ring has not been loaded');
    return this.signing;
  }

  async verificationKey(kid: string): Promise<CryptoKey | undefined> {
    const known = this.verifying.get(kid);
    if (known || this.clock.now() - this.lastReload < RELOAD_INTERVAL_MS) return known;
    await this.reload();
    return this.verifying.get(kid);
  }

  /** The JWKS document: public halves of the active and still-valid retired keys. */
  jwks(): { keys: JWK[] } {
    return { keys: this.published };
  }

  private unseal(sealed: string): string {
    try {
      return open(this.keyEncryptionKey, sealed);
    } catch {
      throw new ConfigError(
        'AUTH_SECRET_KEY',
        'is not the secret the signing keys were encrypted with. Restore the previous secret, or run `gatehouse keys rotate` to start with a new key (everyone must then log in again)',
      );
    }
  }

  private async load(): Promise<void> {
    this.lastReload = this.clock.now();
    const stored = await this.source();
    const active = stored.find((key) => key.retiredAt === null && key.alg === SIGNING_ALGORITHM);
    if (!active) throw new Error('No active signing key in the database; run `gatehouse keys rotate`');
    const verifying = new Map<string, CryptoKey>();
    for (const key of stored) {
      if (key.alg !== SIGNING_ALGORITHM) continue;
      verifying.set(key.kid, (await importJWK(JSON.parse(key.publicJwk) as JWK, SIGNING_ALGORITHM)) as CryptoKey);
    }
    const privateJwk = JSON.parse(this.unseal(active.sealedPrivateKey)) as JWK;
    this.signing = { kid: active.kid, key: (await importJWK(privateJwk, SIGNING_ALGORITHM)) as CryptoKey };
    this.verifying = verifying;
    this.published = stored.filter((key) => key.alg === SIGNING_ALGORITHM).map((key) => JSON.parse(key.publicJwk) as JWK);
  }
}
