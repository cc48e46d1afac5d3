import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/**
 * Keys derived from the one server secret, one per purpose (HKDF, RFC 5869), so that a token hash can never
 * be replayed as, say, a key-encryption key.
 */
export class SecretKeys {
  readonly tokenHashKey: Buffer;
  readonly tokenDerivationKey: Buffer;
  readonly keyEncryptionKey: Buffer;
  readonly cookieKey: Buffer;

  constructor(secret: string) {
    const derive = (info: string) => Buffer.from(hkdfSync('sha256', secret, 'gatehouse', info, 32));
    this.tokenHashKey = derive('token-hash');
    this.tokenDerivationKey = derive('token-derivation');
    this.keyEncryptionKey = derive('signing-key-encryption');
    this.cookieKey = derive('session-cookie');
  }

  /** What is stored for an opaque token: HMAC-SHA-256, so a database leak alone cannot forge lookups. */
  hashToken(token: string): string {
    return createHmac('sha256', this.tokenHashKey).update(token).digest('base64url');
  }

  /** A deterministic secret derived from another one (the refresh token's successor), never stored in clear. */
  deriveToken(prefix: string, purpose: string, from: string): string {
    return prefix + createHmac('sha256', this.tokenDerivationKey).update(`${purpose}\0${from}`).digest('base64url');
  }
}

/** Constant-time string comparison (ASVS 11.2.4); unequal lengths still cost one comparison. */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  if (left.length !== right.length) {
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}
