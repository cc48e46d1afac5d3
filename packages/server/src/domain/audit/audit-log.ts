import type { AuditEvent, AuditLogFilter } from '../../db/repositories/audit-repository.js';
import { AuthError } from '../../errors/auth-error.js';
import { USERNAME_PATTERN } from '../accounts/identity.js';
import type { DomainContext } from '../context.js';

export type { AuditEvent, AuditLogFilter } from '../../db/repositories/audit-repository.js';

export interface AuditLogPage {
  readonly items: readonly AuditEvent[];
  /** Where the next page starts, or undefined on the last page. */
  readonly next: { readonly at: number; readonly id: string } | undefined;
  readonly total: number;
}

/** Rows per query while streaming: big enough to stream fast, small enough that memory stays flat. */
const STREAM_BATCH = 500;

const ACTION_TERM = /^[a-z0-9_]+(\.[a-z0-9_]+)*(\.\*)?$/;
const MAX_ACTION_TERMS = 20;

/**
 * Reads `?action=`: a comma-separated list of action names (`user.suspended`) and prefixes (`user.*`, every action
 * whose name starts with `user.`).
 */
export function parseActionFilter(value: string): NonNullable<AuditLogFilter['actions']> {
  const terms = value.split(',').map((term) => term.trim());
  if (terms.length > MAX_ACTION_TERMS) throw AuthError.validation('/action', `Give at most ${MAX_ACTION_TERMS} actions`);
  const bad = terms.find((term) => !ACTION_TERM.test(term));
  if (bad !== undefined) {
    throw AuthError.validation('/action', 'action is a comma-separated list of action names (user.suspended) or prefixes (user.*)');
  }
  return {
    exact: terms.filter((term) => !term.endsWith('.*')),
    prefixes: terms.filter((term) => term.endsWith('.*')).map((term) => term.slice(0, -1)),
  };
}

function checkRange(filter: AuditLogFilter): void {
  if (filter.from !== undefined && filter.to !== undefined && filter.from > filter.to) {
    throw AuthError.validation('/from', 'from must not be later than to');
  }
}

/** One page of the security log (audit entries and login attempts), newest first, with the size of the selection. */
export async function listAuditLog(
  ctx: DomainContext,
  filter: AuditLogFilter,
  page: { readonly limit: number; readonly after?: { readonly at: number; readonly id: string } | undefined; readonly skip?: number | undefined },
): Promise<AuditLogPage> {
  checkRange(filter);
  const [rows, total] = await Promise.all([
    ctx.repos.audit.listLog(filter, { limit: page.limit + 1, after: page.after, offset: page.after ? undefined : page.skip }),
    ctx.repos.audit.countLog(filter),
  ]);
  const items = rows.slice(0, page.limit).map(withheldIdentifier);
  const last = items.at(-1);
  return { items, next: rows.length > page.limit && last ? { at: last.at, id: last.id } : undefined, total };
}

/**
 * The whole filtered log, newest first, fetched STREAM_BATCH rows at a time by keyset, so memory stays flat however
 * long the log is. Rows written after the first batch was read are newer than it and are left out.
 */
export function streamAuditLog(ctx: DomainContext, filter: AuditLogFilter): AsyncGenerator<readonly AuditEvent[]> {
  checkRange(filter);
  return batches(ctx, filter);
}

async function* batches(ctx: DomainContext, filter: AuditLogFilter): AsyncGenerator<readonly AuditEvent[]> {
  let after: { at: number; id: string } | undefined;
  for (;;) {
    const rows = await ctx.repos.audit.listLog(filter, { limit: STREAM_BATCH, after });
    if (rows.length > 0) yield rows.map(withheldIdentifier);
    const last = rows.at(-1);
    if (rows.length < STREAM_BATCH || !last) return;
    after = { at: last.at, id: last.id };
  }
}

const LOGIN_NAME = new RegExp(`${USERNAME_PATTERN}|^[^\\s@]+@[^\\s@]+$`);

/**
 * A failed login for no account shows what was typed as the login name, which helps to see an attack, unless it
 * could not be one: people paste passwords into the username field, and the log is no place for a password.
 */
function withheldIdentifier(event: AuditEvent): AuditEvent {
  const identifier = event.details?.identifier;
  if (typeof identifier !== 'string' || LOGIN_NAME.test(identifier)) return event;
  const { identifier: _withheld, ...details } = event.details ?? {};
  return { ...event, details: { ...details, identifier_withheld: true } };
}
