import { AuthError } from '../../errors/auth-error.js';

export const USERNAME_PATTERN = '^[A-Za-z0-9._-]{3,50}$';
const USERNAME = new RegExp(USERNAME_PATTERN);
const MAX_EMAIL_LENGTH = 254;
const DISPLAY_NAME_MAX = 100;
// One `@`, an RFC 5322 dot-atom local part and an LDH domain with a dot. No quotes, commas, semicolons, spaces or
// CR/LF, so one string can never address two mailboxes (next-auth CVE-2022-35924).
const LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/**
 * Trims, NFKC-normalises *then* validates, and lower-cases an email. Validating after normalisation keeps a
 * fullwidth `＠` from slipping through (next-auth CVE-2026-73420).
 */
export function normalizeEmail(raw: string, path = '/email'): string {
  const email = raw.trim().normalize('NFKC');
  const at = email.lastIndexOf('@');
  const local = email.slice(0, at);
  const labels = email.slice(at + 1).split('.');
  const valid =
    email.length <= MAX_EMAIL_LENGTH &&
    at > 0 &&
    local.length <= 64 &&
    LOCAL.test(local) &&
    labels.length >= 2 &&
    labels.every((label) => LABEL.test(label)) &&
    !/^\d+$/.test(labels[labels.length - 1] ?? '');
  if (!valid) throw AuthError.validation(path, 'Enter a valid email address, like ada@example.com');
  return email.toLowerCase();
}

export function checkUsername(raw: string, path = '/username'): string {
  const username = raw.trim();
  if (!USERNAME.test(username)) {
    throw AuthError.validation(path, 'Username must be 3 to 50 characters of letters, digits, dot, underscore or hyphen');
  }
  return username;
}

/** Display names are free text, but control characters (CR/LF, NUL, bidi overrides) never reach logs or mail. */
export function checkDisplayName(raw: string | null, path = '/display_name'): string | null {
  if (raw === null) return null;
  if (!raw.isWellFormed()) throw AuthError.validation(path, 'Display name must be valid Unicode text');
  const name = raw.normalize('NFC').trim();
  if ([...name].length > DISPLAY_NAME_MAX) throw AuthError.validation(path, `Display name must be at most ${DISPLAY_NAME_MAX} characters`);
  if (/[\p{Cc}\p{Cf}\u2028\u2029]/u.test(name)) throw AuthError.validation(path, 'Display name must not contain control characters');
  return name === '' ? null : name;
}

/** `full_name` is accepted as an alias of `display_name` for tutorial-era clients; both at once is ambiguous. */
export function pickDisplayName(input: { display_name?: string | null; full_name?: string | null }): string | null | undefined {
  if (input.display_name !== undefined && input.full_name !== undefined) {
    throw AuthError.validation('/full_name', 'Send either display_name or full_name, not both');
  }
  const value = input.display_name !== undefined ? input.display_name : input.full_name;
  if (value === undefined) return undefined;
  return checkDisplayName(value, input.display_name !== undefined ? '/display_name' : '/full_name');
}
