import { expect } from 'vitest';
import type { ReceivedMail } from './smtp.js';

export const SUBJECTS = {
  verify: 'Confirm your email address for Gatehouse',
  reset: 'Reset your Gatehouse password',
  changed: 'Your Gatehouse password was changed',
  signIn: 'New sign-in to your Gatehouse account',
} as const;

/** The token in a mailed link `http://gatehouse.test/<page>#token=<URI-encoded token>`, checked in both parts. */
export function linkToken(mail: ReceivedMail, page: 'reset-password' | 'verify-email'): string {
  const match = new RegExp(`http://gatehouse\\.test/${page}#token=([^\\s"'<>&]+)`).exec(mail.text);
  expect(match, mail.text).not.toBeNull();
  const encoded = (match as RegExpExecArray)[1] as string;
  expect(mail.html).toContain(`http://gatehouse.test/${page}#token=${encoded}`);
  return decodeURIComponent(encoded);
}
