/**
 * How the columns of another system's user table become Gatehouse's fields: a preset per known system, and
 * `--map field=column,...` to name or override columns. docs/migration.md lists each preset's expected columns.
 */

import { isMissing, parseFlag } from './values.js';

export const IMPORT_FIELDS = [
  'id',
  'email',
  'username',
  'display_name',
  'password_hash',
  'role',
  'is_admin',
  'is_active',
  'is_verified',
  'is_suspended',
  'created_at',
  'last_login_at',
] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];

export type SourceRow = Readonly<Record<string, unknown>>;

/** Reads one field from a source row: the first of the named columns that is present, or a derived value. */
export type FieldReader = (row: SourceRow) => unknown;

export type Mapping = Readonly<Record<ImportField, FieldReader>>;

export const PRESETS = ['gatehouse', 'fastapi-users', 'better-auth', 'talk2me', 'secondbrain'] as const;
export type Preset = (typeof PRESETS)[number];

type PresetSpec = Partial<Record<ImportField, readonly string[] | FieldReader>>;

/** A flag stored the other way round (`disabled` for active). */
const not =
  (column: string): FieldReader =>
  (row) =>
    isMissing(row[column]) ? undefined : !parseFlag(row[column], column, false);

/**
 * Better Auth keeps the password in `account` (providerId "credential"), not in `user`. The import reads user rows
 * that carry it: joined in as `password` by the export query, or embedded as `account` (an object or an array).
 */
const betterAuthPassword: FieldReader = (row) => {
  if (!isMissing(row.password)) return row.password;
  const embedded = row.account ?? row.accounts;
  const accounts = Array.isArray(embedded) ? embedded : embedded && typeof embedded === 'object' ? [embedded] : [];
  for (const account of accounts as Array<Record<string, unknown>>) {
    if (account && account.providerId === 'credential' && typeof account.password === 'string') return account.password;
  }
  return undefined;
};

const SPECS: Record<Preset, PresetSpec> = {
  // The record `gatehouse user export` writes.
  gatehouse: {},
  // fastapi-users' SQLAlchemy/SQLModel `user` table; username, full_name and created_at are common additions.
  'fastapi-users': {
    password_hash: ['hashed_password'],
    is_admin: ['is_superuser'],
    display_name: ['full_name', 'name', 'display_name'],
    created_at: ['created_at', 'registered_at'],
    role: [],
  },
  // Better Auth's `user` table (core fields, plus the username and admin plugins' columns) with its credential account.
  'better-auth': {
    display_name: ['name'],
    username: ['username'],
    is_verified: ['emailVerified'],
    is_suspended: ['banned'],
    created_at: ['createdAt'],
    last_login_at: [],
    is_active: [],
    password_hash: betterAuthPassword,
  },
  // Talk2Me-style `users` table: integer ids, bcrypt `password_hash`, `is_admin`, `full_name`, `last_login`.
  talk2me: {
    display_name: ['full_name', 'display_name'],
    last_login_at: ['last_login', 'last_login_at'],
    role: [],
  },
  // SecondBrain-style `users` table: UUID ids, passlib `hashed_password`, `disabled` instead of active.
  secondbrain: {
    password_hash: ['hashed_password', 'password_hash'],
    display_name: ['display_name', 'full_name'],
    is_verified: ['email_verified', 'is_verified'],
    is_active: not('disabled'),
  },
};

/** The canonical column names: each field reads the column of its own name unless a preset or --map says otherwise. */
function column(...names: readonly string[]): FieldReader {
  if (names.length === 1) {
    const [name] = names as [string];
    return (row) => row[name];
  }
  return (row) => {
    for (const name of names) {
      const value = row[name];
      if (value !== undefined) return value;
    }
    return undefined;
  };
}

export class MappingError extends Error {}

/**
 * The mapping for a preset (default: Gatehouse's own export record) with `--map` entries over it.
 * `--map email=user_email,username=login` reads `email` from the `user_email` column, and so on.
 */
export function buildMapping(preset: Preset = 'gatehouse', map?: string): Mapping {
  const spec = SPECS[preset];
  const readers = {} as Record<ImportField, FieldReader>;
  for (const field of IMPORT_FIELDS) {
    const entry = spec[field];
    if (typeof entry === 'function') readers[field] = entry;
    else if (entry && entry.length === 0) readers[field] = () => undefined;
    else readers[field] = column(...(entry ?? [field]));
  }
  for (const pair of (map ?? '').split(',').map((part) => part.trim()).filter(Boolean)) {
    const [field, source, ...rest] = pair.split('=').map((part) => part.trim());
    if (!field || !source || rest.length > 0) throw new MappingError(`--map entry "${pair}" is not field=column`);
    if (!(IMPORT_FIELDS as readonly string[]).includes(field)) {
      throw new MappingError(`--map names an unknown field "${field}" (fields: ${IMPORT_FIELDS.join(', ')})`);
    }
    readers[field as ImportField] = column(source);
  }
  return readers;
}
