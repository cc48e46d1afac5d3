import type { ExportedUser, ExportFilter, ExportStatus } from '../../db/repositories/user-export-repository.js';
import { AuthError } from '../../errors/auth-error.js';
import { writeAudit } from '../audit/audit-entry.js';
import { ROLES } from '../accounts/user.js';
import type { DomainContext } from '../context.js';
import type { Actor } from './actor.js';
import { actorDetails } from './actor-details.js';

export type { ExportedUser, ExportFilter, ExportStatus } from '../../db/repositories/user-export-repository.js';

/** The user directory's statuses that a row shows by itself (`locked` lives in the lockout counters, not the table). */
export const EXPORT_STATUSES: readonly ExportStatus[] = ['active', 'suspended', 'inactive', 'unverified'];

/** Users read per query: big enough to stream fast, small enough that memory stays flat at a million users. */
export const EXPORT_BATCH = 1_000;

export interface UserExportOptions extends ExportFilter {
  /** Carry the password hashes too; without it none leaves the repository. */
  readonly includePasswordHashes: boolean;
}

/**
 * Every user the filter selects, in id order, EXPORT_BATCH at a time by keyset, so memory stays flat however many
 * there are. Not a snapshot: a user created while the export runs appears if their id sorts after the last page read
 * (new ids are UUIDv7, so they usually do), and one deleted before their page is read does not.
 */
export function exportUsers(ctx: DomainContext, options: UserExportOptions): AsyncGenerator<readonly ExportedUser[]> {
  if (options.role !== undefined && !ROLES.includes(options.role)) throw AuthError.validation('/role', `role must be one of ${ROLES.join(', ')}`);
  if (options.status !== undefined && !EXPORT_STATUSES.includes(options.status)) {
    throw AuthError.validation('/status', `status must be one of ${EXPORT_STATUSES.join(', ')}`);
  }
  return batches(ctx, options);
}

async function* batches(ctx: DomainContext, options: UserExportOptions): AsyncGenerator<readonly ExportedUser[]> {
  const filter: ExportFilter = { role: options.role, status: options.status };
  let after: string | undefined;
  for (;;) {
    const rows = await ctx.repos.userExport.page(filter, after, EXPORT_BATCH, options.includePasswordHashes);
    if (rows.length > 0) yield rows;
    after = rows.at(-1)?.user.id;
    if (rows.length < EXPORT_BATCH) return;
  }
}

export interface UserExportSummary extends ExportFilter {
  readonly count: number;
  readonly format: string;
  readonly includePasswordHashes: boolean;
  /** False when the export stopped part-way (the users written so far may still be in someone's hands). */
  readonly complete: boolean;
}

/**
 * The audit entry for an export, written once it ends: a copy of the user table, above all one with password
 * hashes, leaves the server's control, so the trail says who took it, how much and whether hashes were in it.
 */
export async function recordUserExport(ctx: DomainContext, actor: Actor, summary: UserExportSummary): Promise<void> {
  await writeAudit(ctx, ctx.repos, {
    action: 'user.export',
    actorId: actor.userId,
    targetId: null,
    ip: actor.ip,
    details: actorDetails(actor, {
      count: summary.count,
      format: summary.format,
      password_hashes: summary.includePasswordHashes,
      complete: summary.complete,
      ...(summary.role !== undefined && { role: summary.role }),
      ...(summary.status !== undefined && { status: summary.status }),
    }),
  });
}
