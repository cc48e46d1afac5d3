import type { ExistingUser, ImportRow } from '../../db/repositories/user-import-repository.js';
import type { Actor } from '../admin/actor.js';
import { writeAudit } from '../audit/audit-entry.js';
import type { DomainContext } from '../context.js';
import { type ImportedUser, toImportedUser } from './imported-user.js';
import type { Mapping, SourceRow } from './mapping.js';
import type { SourceRecord } from './readers.js';
import { ImportSyntaxError } from './source-errors.js';
import { RowRejected } from './values.js';
import { actorDetails } from '../admin/actor-details.js';

export const ON_CONFLICT = ['skip', 'update', 'fail'] as const;
export type OnConflict = (typeof ON_CONFLICT)[number];

/**
 * Stored for users imported without a password (--allow-no-password): no hash format, so no password ever
 * verifies against it (the login spends a dummy hash's time and fails); such users set one by password reset.
 */
export const NO_PASSWORD = '!';

export interface ImportOptions {
  readonly mapping: Mapping;
  readonly onConflict: OnConflict;
  readonly dryRun: boolean;
  readonly allowNoPassword: boolean;
  readonly batchSize: number;
  /** For the audit entry: where the users came from. */
  readonly source: { readonly file: string; readonly format: string; readonly preset: string };
}

export interface ImportCounts {
  read: number;
  imported: number;
  updated: number;
  skipped: number;
  rejected: number;
}

export interface ImportHooks {
  /** A row not imported, with its line and why; `row` is null for a line that could not be read at all. */
  reject(line: number, reason: string, row: SourceRow | null): void | Promise<void>;
  /** Called after each batch. */
  progress?(counts: Readonly<ImportCounts>): void;
}

export interface ImportResult {
  readonly counts: ImportCounts;
  /** Set when the import stopped early: a line that could not be read, or a duplicate with --on-conflict fail. */
  readonly stopped?: { readonly line: number; readonly reason: string };
}

interface Pending {
  readonly line: number;
  readonly row: SourceRow;
  readonly user: ImportedUser;
}

const keysOf = (user: ImportedUser): Array<[string, string]> => [
  ...(user.id ? [[`i:${user.id}`, 'id'] as [string, string]] : []),
  ...(user.email ? [[`e:${user.email}`, 'email'] as [string, string]] : []),
  ...(user.username ? [[`u:${user.username.toLowerCase()}`, 'username'] as [string, string]] : []),
];

/**
 * Imports users from another system, a batch at a time: each batch is one transaction (one multi-row INSERT plus
 * any updates), so a million users stream through in constant memory and a failure keeps every batch before it.
 * Duplicates are matched like the unique indexes match them (id, lower(email), lower(username)). A row matching a
 * user this import itself wrote (updated_at equal to the run's timestamp) is a duplicate within the file: rejected.
 * One `user.import` audit entry records the counts (none for a dry run, which writes nothing).
 */
export async function importUsers(
  ctx: DomainContext,
  records: AsyncIterable<SourceRecord>,
  options: ImportOptions,
  hooks: ImportHooks,
  actor: Actor,
): Promise<ImportResult> {
  const runAt = ctx.clock.now();
  await ctx.repos.userImport.preferSmallCache();
  const counts: ImportCounts = { read: 0, imported: 0, updated: 0, skipped: 0, rejected: 0 };
  let stopped: { line: number; reason: string } | undefined;
  let batch: Pending[] = [];
  let batchKeys = new Map<string, number>();

  const reject = async (line: number, reason: string, row: SourceRow | null) => {
    counts.rejected++;
    await hooks.reject(line, reason, row);
  };

  const flush = async () => {
    if (batch.length === 0) return;
    const pending = batch;
    batch = [];
    batchKeys = new Map();
    const conflict = await writeBatch(ctx, pending, options, runAt, counts, reject);
    stopped ??= conflict;
    hooks.progress?.(counts);
  };

  try {
    for await (const record of records) {
      counts.read++;
      if (record.problem) {
        await reject(record.line, record.problem, record.row);
        continue;
      }
      let user: ImportedUser;
      try {
        user = toImportedUser(record.row, options.mapping, options.allowNoPassword);
      } catch (error) {
        if (!(error instanceof RowRejected)) throw error;
        await reject(record.line, error.message, record.row);
        continue;
      }
      const keys = keysOf(user);
      const duplicate = keys.find(([key]) => batchKeys.has(key));
      if (duplicate) {
        await reject(record.line, `duplicate of line ${batchKeys.get(duplicate[0])} (same ${duplicate[1]})`, record.row);
        continue;
      }
      for (const [key] of keys) batchKeys.set(key, record.line);
      batch.push({ line: record.line, row: record.row, user });
      if (batch.length >= options.batchSize) {
        await flush();
        if (stopped) break;
      }
    }
  } catch (error) {
    if (!(error instanceof ImportSyntaxError)) throw error;
    // Rows before the broken line are kept; the line itself goes to the rejects file too.
    counts.read++;
    await reject(error.line, error.reason, null);
    stopped = { line: error.line, reason: error.reason };
  }
  // After a broken line the rows read before it are still written; after a --on-conflict fail stop nothing is pending.
  await flush();

  if (!options.dryRun) {
    await writeAudit(ctx, ctx.repos, {
      action: 'user.import',
      actorId: actor.userId,
      targetId: null,
      ip: actor.ip,
      details: actorDetails(actor, {
        file: options.source.file,
        format: options.source.format,
        preset: options.source.preset,
        on_conflict: options.onConflict,
        ...counts,
        outcome: stopped ? 'stopped' : 'completed',
        ...(stopped && { stopped_at_line: stopped.line }),
      }),
    });
  }
  return { counts, ...(stopped && { stopped }) };
}

type Reject = (line: number, reason: string, row: SourceRow) => Promise<void>;

async function writeBatch(
  ctx: DomainContext,
  pending: readonly Pending[],
  options: ImportOptions,
  runAt: number,
  counts: ImportCounts,
  reject: Reject,
): Promise<{ line: number; reason: string } | undefined> {
  const matches = await ctx.repos.userImport.findMatches(
    pending.flatMap(({ user }) => (user.id ? [user.id] : [])),
    pending.flatMap(({ user }) => (user.email ? [user.email] : [])),
    pending.flatMap(({ user }) => (user.username ? [user.username.toLowerCase()] : [])),
  );
  const byKey = new Map<string, ExistingUser>();
  for (const existing of matches) {
    byKey.set(`i:${existing.id}`, existing);
    if (existing.email) byKey.set(`e:${existing.email.toLowerCase()}`, existing);
    if (existing.username) byKey.set(`u:${existing.username.toLowerCase()}`, existing);
  }

  const inserts: ImportRow[] = [];
  const updates: Array<{ id: string; row: Omit<ImportRow, 'passwordHash'> & { passwordHash: string | null } }> = [];
  let stopped: { line: number; reason: string } | undefined;
  for (const { line, row, user } of pending) {
    const hits = new Map<string, [ExistingUser, string]>();
    for (const [key, what] of keysOf(user)) {
      const existing = byKey.get(key);
      if (existing && !hits.has(existing.id)) hits.set(existing.id, [existing, what]);
    }
    const fields = { ...user, createdAt: user.createdAt ?? runAt };
    if (hits.size === 0) {
      inserts.push({ ...fields, id: user.id ?? ctx.newId(), passwordHash: user.passwordHash ?? NO_PASSWORD });
      continue;
    }
    if (hits.size > 1) {
      await reject(line, 'its id, email and username belong to different existing users', row);
      continue;
    }
    const [[existing, what]] = [...hits.values()] as [[ExistingUser, string]];
    if (existing.updatedAt === runAt) {
      await reject(line, `duplicate of an earlier row of this file (same ${what})`, row);
      continue;
    }
    if (options.onConflict === 'skip') {
      counts.skipped++;
    } else if (options.onConflict === 'fail') {
      stopped = { line, reason: `a user with the same ${what} exists already (--on-conflict fail)` };
      await reject(line, stopped.reason, row);
      break;
    } else if (existing.role === 'admin' && existing.isActive && !existing.isSuspended && (user.role !== 'admin' || !user.isActive || user.isSuspended)) {
      // The last-admin rule lives in the admin use-cases; an import never takes an admin's rights away.
      await reject(line, `would demote or disable the existing admin with the same ${what}; change roles with \`gatehouse user set-role\``, row);
    } else {
      updates.push({ id: existing.id, row: { ...fields, id: existing.id } });
    }
  }

  if (options.dryRun) {
    counts.imported += inserts.length;
    counts.updated += updates.length;
    return stopped;
  }
  const inserted = await ctx.repos.transaction(async (repos) => {
    const written = await repos.userImport.insertMany(inserts, runAt);
    for (const update of updates) await repos.userImport.update(update.id, update.row, runAt);
    return written;
  });
  counts.imported += inserted;
  // Taken by someone else between the lookup and the insert (a registration on a running server).
  counts.skipped += inserts.length - inserted;
  counts.updated += updates.length;
  // Running servers cache role and status: tell them (through Redis when REDIS_URL is set) who changed.
  for (const update of updates) await ctx.events.publish({ type: 'user.changed', userId: update.id });
  return stopped;
}
