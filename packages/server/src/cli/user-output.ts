import type { User } from '../domain/accounts/user.js';
import { isoOrNull } from '../http/schemas/fields.js';
import { toUserResponse } from '../http/schemas/user.js';

/** The fields the HTTP API returns for a user, plus the suspension details an operator needs. */
export function userRecord(user: User): Record<string, unknown> {
  return { ...toUserResponse(user), suspended_reason: user.suspendedReason, suspended_until: isoOrNull(user.suspendedUntil) };
}

/** One `name: value` line per field, aligned; absent values read "(none)". */
export function printUser(user: User, heading?: string): void {
  if (heading) console.log(heading);
  const record = userRecord(user);
  const width = Math.max(...Object.keys(record).map((key) => key.length)) + 1;
  for (const [key, value] of Object.entries(record)) {
    console.log(`  ${`${key}:`.padEnd(width)} ${value === null ? '(none)' : String(value)}`);
  }
}
