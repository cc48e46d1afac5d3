import { dictionary } from '@zxcvbn-ts/language-common';

let blocklist: ReadonlySet<string> | undefined;

/**
 * The common-password blocklist (NIST SP 800-63B §3.1.1.2, ASVS 6.2.4): the ~49,000 most used passwords from
 * zxcvbn-ts's maintained list. Whole-password match, case-insensitive.
 */
export function isCommonPassword(password: string): boolean {
  blocklist ??= new Set(dictionary['passwords-common'] as string[]);
  return blocklist.has(password.toLowerCase());
}
