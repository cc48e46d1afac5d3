import { AuthError } from '../errors/auth-error.js';
import { isCommonPassword } from './common-passwords.js';

export interface PasswordPolicy {
  readonly minLength: number;
  readonly requireClasses: boolean;
}

export const MAX_PASSWORD_LENGTH = 128;

/** Passwords are NFKC-normalised before hashing and before verifying, so one password has one form. */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

/**
 * Checks a new password against the policy of API.md and returns its normalised form. Each failure names the rule
 * (NIST SP 800-63B: "SHALL provide the reason"). Length counts Unicode code points; nothing is truncated.
 */
export function checkNewPassword(
  password: string,
  policy: PasswordPolicy,
  context: { email?: string | null; username?: string | null },
  path = '/password',
): string {
  // A lone surrogate would be encoded as U+FFFD, making distinct passwords hash alike.
  if (!password.isWellFormed()) throw AuthError.validation(path, 'Password must be valid Unicode text');
  const normalized = normalizePassword(password);
  const length = [...normalized].length;
  const reject = (message: string): never => {
    throw AuthError.validation(path, message);
  };
  if (length < policy.minLength) reject(`Password must be at least ${policy.minLength} characters long`);
  if (length > MAX_PASSWORD_LENGTH) reject(`Password must be at most ${MAX_PASSWORD_LENGTH} characters long`);
  if (isCommonPassword(normalized)) reject('Password is too common; choose one that is not on lists of frequently used passwords');
  const lowered = normalized.toLowerCase();
  for (const value of [context.email, context.username]) {
    if (value && lowered === value.toLowerCase()) reject('Password must not be the same as your email or username');
  }
  const localPart = context.email?.split('@')[0]?.toLowerCase();
  if (localPart && localPart.length >= 3 && lowered === localPart) reject('Password must not be the same as your email or username');
  if (policy.requireClasses) {
    const missing = [
      [/\p{Lu}/u, 'an upper-case letter'],
      [/\p{Ll}/u, 'a lower-case letter'],
      [/\p{Nd}/u, 'a digit'],
      [/[^\p{L}\p{Nd}]/u, 'a symbol'],
    ]
      .filter(([pattern]) => !(pattern as RegExp).test(normalized))
      .map(([, name]) => name);
    if (missing.length > 0) reject(`Password must contain ${missing.join(', ')}`);
  }
  return normalized;
}
