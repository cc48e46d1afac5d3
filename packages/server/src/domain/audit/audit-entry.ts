import type { Repositories } from '../../db/repositories/repositories.js';
import type { DomainContext } from '../context.js';

export type AuditAction =
  | 'user.registered'
  | 'user.created'
  | 'user.updated'
  | 'user.email_changed'
  | 'user.email_verified'
  | 'user.password_changed'
  | 'user.password_reset_requested'
  | 'user.password_reset'
  | 'user.locked'
  | 'user.unlocked'
  | 'user.suspended'
  | 'user.unsuspended'
  | 'user.deleted'
  | 'user.role_changed'
  | 'user.deactivated'
  | 'user.import'
  | 'user.activated'
  | 'user.export'
  | 'admin.bootstrapped'
  | 'session.revoked'
  | 'api_key.created'
  | 'api_key.revoked'
  | 'refresh_token.reuse_detected'
  | 'signing_key.rotated';

export interface AuditInput {
  readonly action: AuditAction;
  readonly actorId: string | null;
  readonly targetId: string | null;
  readonly ip?: string | null;
  readonly details?: Record<string, unknown>;
}

/** Writes an audit entry with the given repositories, which callers pass inside the transaction of the change. */
export function writeAudit(ctx: DomainContext, repos: Repositories, entry: AuditInput): Promise<void> {
  return repos.audit.insert({
    id: ctx.newId(),
    at: ctx.clock.now(),
    actorId: entry.actorId,
    action: entry.action,
    targetId: entry.targetId,
    ip: entry.ip ?? null,
    details: entry.details ?? null,
  });
}
