import { randomBytes } from 'node:crypto';

/** An opaque secret: `prefix` + 256 random bits in base64url (RFC 9700 and ASVS 11.5.1 want ≥ 128 bits). */
export function randomToken(prefix: string, bytes = 32): string {
  return prefix + randomBytes(bytes).toString('base64url');
}
