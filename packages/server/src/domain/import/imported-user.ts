import { legacyVerifierFor } from '../../security/legacy-hashes.js';
import { AuthError } from '../../errors/auth-error.js';
import { checkDisplayName, checkUsername, normalizeEmail } from '../accounts/identity.js';
import type { Role } from '../accounts/user.js';
import type { Mapping, SourceRow } from './mapping.js';
import { isMissing, parseFlag, parseText, parseTime, RowRejected } from './values.js';

/** One user as the import writes it. Times are epoch ms; a null id gets a new UUIDv7. */
export interface ImportedUser {
  readonly id: string | null;
  readonly email: string | null;
  readonly username: string | null;
  readonly displayName: string | null;
  /** The hash exactly as the source stored it; null: no usable password (only with --allow-no-password). */
  readonly passwordHash: string | null;
  readonly role: Role;
  readonly isActive: boolean;
  readonly isVerified: boolean;
  readonly isSuspended: boolean;
  readonly createdAt: number | null;
  readonly lastLoginAt: number | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ARGON2 = /^\$argon2(id|i|d)\$v=\d+\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;
const ROLE_WORDS: Readonly<Record<string, Role>> = {
  admin: 'admin',
  administrator: 'admin',
  superuser: 'admin',
  owner: 'admin',
  user: 'user',
  member: 'user',
  guest: 'guest',
  viewer: 'guest',
  readonly: 'guest',
};

/** Hashes a login can verify: argon2 (any variant) and the legacy formats of security/legacy-hashes.ts. */
export function isKnownHash(hash: string): boolean {
  return ARGON2.test(hash) || legacyVerifierFor(hash) !== undefined;
}

function role(value: unknown, isAdmin: boolean): Role {
  if (isAdmin) return 'admin';
  if (isMissing(value)) return 'user';
  // Better Auth's admin plugin stores several roles comma-separated; the strongest one wins.
  const words = String(value).toLowerCase().split(',').map((word) => word.trim()).filter(Boolean);
  const roles = words.map((word) => ROLE_WORDS[word]);
  if (roles.length === 0 || roles.some((found) => found === undefined)) throw new RowRejected(`unknown role ${JSON.stringify(value)}`);
  for (const strongest of ['admin', 'user', 'guest'] as const) if (roles.includes(strongest)) return strongest;
  return 'user';
}

function validated<T>(field: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof AuthError) throw new RowRejected(`invalid ${field}: ${error.errors?.[0]?.message ?? error.detail}`);
    throw error;
  }
}

/** Maps and validates one source row; throws RowRejected with a reason an operator can act on. */
export function toImportedUser(row: SourceRow, mapping: Mapping, allowNoPassword: boolean): ImportedUser {
  const rawEmail = parseText(mapping.email(row), 'email');
  const rawUsername = parseText(mapping.username(row), 'username');
  if (rawEmail === null && rawUsername === null) throw new RowRejected('no email and no username');
  const email = rawEmail === null ? null : validated('email', () => normalizeEmail(rawEmail));
  const username = rawUsername === null ? null : validated('username', () => checkUsername(rawUsername));
  const displayName = validated('display_name', () => checkDisplayName(parseText(mapping.display_name(row), 'display_name')));

  const hash = parseText(mapping.password_hash(row), 'password_hash')?.trim() || null;
  if (hash !== null && !isKnownHash(hash)) throw new RowRejected('unknown password hash format');
  if (hash === null && !allowNoPassword) throw new RowRejected('no password hash (use --allow-no-password to import such users without a password)');

  const rawId = parseText(mapping.id(row), 'id');
  return {
    id: rawId !== null && UUID.test(rawId.trim()) ? rawId.trim().toLowerCase() : null,
    email,
    username,
    displayName,
    passwordHash: hash,
    role: role(mapping.role(row), parseFlag(mapping.is_admin(row), 'is_admin', false)),
    isActive: parseFlag(mapping.is_active(row), 'is_active', true),
    isVerified: parseFlag(mapping.is_verified(row), 'is_verified', false),
    isSuspended: parseFlag(mapping.is_suspended(row), 'is_suspended', false),
    createdAt: parseTime(mapping.created_at(row), 'created_at'),
    lastLoginAt: parseTime(mapping.last_login_at(row), 'last_login_at'),
  };
}
