import { pbkdf2, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { verify as bcryptVerify } from '@node-rs/bcrypt';
import { safeEqual } from './secret-keys.js';

const pbkdf2Async = promisify(pbkdf2);
const scryptAsync = promisify<string, string, number, ScryptOptions, Buffer>(scrypt);

/**
 * Verifiers for hashes imported from other systems (fastapi-users/passlib, Django, Better Auth, …). Each runs off
 * the event loop (native thread pool). A verified legacy hash is replaced by argon2id on that login.
 */
export type LegacyVerifier = (hash: string, password: string) => Promise<boolean>;

const BCRYPT = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;
// passlib: $pbkdf2-sha256$<rounds>$<salt ab64>$<checksum ab64>
const PASSLIB_PBKDF2 = /^\$pbkdf2-sha256\$(\d+)\$([./A-Za-z0-9]*)\$([./A-Za-z0-9]+)$/;
// Django: pbkdf2_sha256$<iterations>$<salt>$<base64 checksum>
const DJANGO_PBKDF2 = /^pbkdf2_sha256\$(\d+)\$([^$]+)\$([A-Za-z0-9+/=]+)$/;
const MAX_PBKDF2_ROUNDS = 10_000_000;
// Better Auth (better-auth/src/crypto/password.ts): `${hex salt}:${hex key}`, scrypt N=16384, r=16, p=1, dkLen=64,
// the salt used as its hex *string* (not decoded), the password NFKC-normalised (as Gatehouse's already is).
const BETTER_AUTH_SCRYPT = /^([0-9a-f]{32}):([0-9a-f]{128})$/i;
const BETTER_AUTH_PARAMETERS: ScryptOptions = { N: 16384, r: 16, p: 1, maxmem: 128 * 16384 * 16 * 2 };

/** passlib's "adapted base64": `.` instead of `+`, no padding. */
function ab64(value: string): Buffer {
  return Buffer.from(value.replace(/\./g, '+'), 'base64');
}

async function pbkdf2Matches(password: string, salt: Buffer, rounds: number, expected: Buffer): Promise<boolean> {
  if (rounds < 1 || rounds > MAX_PBKDF2_ROUNDS || expected.length === 0) return false;
  const actual = await pbkdf2Async(password, salt, rounds, expected.length, 'sha256');
  return safeEqual(actual.toString('base64'), expected.toString('base64'));
}

/** Returns the verifier for a hash format Gatehouse can import, or undefined when the format is unknown. */
export function legacyVerifierFor(hash: string): LegacyVerifier | undefined {
  if (BCRYPT.test(hash)) {
    // bcrypt reads only the first 72 bytes; refusing longer input keeps "no silent truncation" (ASVS 6.2.8).
    return async (stored, password) => Buffer.byteLength(password) <= 72 && bcryptVerify(password, stored);
  }
  if (PASSLIB_PBKDF2.test(hash)) {
    return async (stored, password) => {
      const [, rounds, salt, checksum] = PASSLIB_PBKDF2.exec(stored) ?? [];
      return pbkdf2Matches(password, ab64(salt ?? ''), Number(rounds), ab64(checksum ?? ''));
    };
  }
  if (DJANGO_PBKDF2.test(hash)) {
    return async (stored, password) => {
      const [, rounds, salt, checksum] = DJANGO_PBKDF2.exec(stored) ?? [];
      return pbkdf2Matches(password, Buffer.from(salt ?? '', 'utf8'), Number(rounds), Buffer.from(checksum ?? '', 'base64'));
    };
  }
  if (BETTER_AUTH_SCRYPT.test(hash)) {
    return async (stored, password) => {
      const [, salt, key] = BETTER_AUTH_SCRYPT.exec(stored) ?? [];
      const expected = Buffer.from(key ?? '', 'hex');
      // crypto.scrypt runs on libuv's thread pool; 32 MiB of memory (128·N·r) per check, like Better Auth itself.
      const actual = await scryptAsync(password, salt ?? '', expected.length, BETTER_AUTH_PARAMETERS);
      return actual.length === expected.length && timingSafeEqual(actual, expected);
    };
  }
  return undefined;
}
