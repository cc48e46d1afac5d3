import { AuthError } from '../../errors/auth-error.js';
import { randomToken } from '../../security/random-token.js';
import { writeAudit } from '../audit/audit-entry.js';
import type { DomainContext } from '../context.js';
import type { RequestInfo } from '../sessions/session.js';
import { API_KEY_PREFIX, type ApiKey, SCOPES, type Scope } from './api-key.js';

const MAX_KEYS_PER_USER = 100;
const DAY = 86_400_000;

export interface NewApiKey {
  readonly name: string;
  /** Absent: every scope, so the key acts with its owner's full role. */
  readonly scopes?: readonly string[] | undefined;
  readonly expiresInDays?: number | undefined;
}

/** A new key: ≥ 256 random bits, stored only as its keyed hash; the plaintext is returned this once (ASVS 11.5.1). */
export async function createApiKey(ctx: DomainContext, userId: string, input: NewApiKey, request: RequestInfo): Promise<{ key: string; apiKey: ApiKey }> {
  const name = input.name.trim();
  if (name.length === 0 || name.length > 100) throw AuthError.validation('/name', 'name must be 1 to 100 characters');
  const scopes = checkScopes(input.scopes);
  if ((await ctx.repos.apiKeys.countForUser(userId)) >= MAX_KEYS_PER_USER) {
    throw AuthError.validation('/name', `You already have ${MAX_KEYS_PER_USER} API keys; delete one first`);
  }
  const key = randomToken(API_KEY_PREFIX);
  const now = ctx.clock.now();
  const apiKey: ApiKey = {
    id: ctx.newId(),
    userId,
    name,
    prefix: key.slice(0, API_KEY_PREFIX.length + 8),
    scopes,
    createdAt: now,
    expiresAt: input.expiresInDays === undefined ? null : now + input.expiresInDays * DAY,
    lastUsedAt: null,
  };
  await ctx.repos.transaction(async (repos) => {
    await repos.apiKeys.insert(apiKey, ctx.secrets.hashToken(key));
    await writeAudit(ctx, repos, { action: 'api_key.created', actorId: userId, targetId: userId, ip: request.ip, details: { key_id: apiKey.id, name, scopes } });
  });
  return { key, apiKey };
}

export function listApiKeys(ctx: DomainContext, userId: string): Promise<ApiKey[]> {
  return ctx.repos.apiKeys.listForUser(userId);
}

/** Deletes one of the caller's keys; another user's key is a 404 (no IDOR). Every instance stops accepting it at once. */
export async function revokeApiKey(ctx: DomainContext, userId: string, keyId: string, request: RequestInfo): Promise<void> {
  const revoked = await revokeWhere(ctx, userId, { id: keyId }, request);
  if (revoked.length === 0) throw new AuthError('not_found');
}

/** For old clients: the caller's keys named `default` go, and a new `default` key with every scope comes back. */
export async function regenerateDefaultKey(ctx: DomainContext, userId: string, request: RequestInfo): Promise<{ key: string; apiKey: ApiKey }> {
  await revokeWhere(ctx, userId, { name: 'default' }, request);
  return createApiKey(ctx, userId, { name: 'default' }, request);
}

async function revokeWhere(ctx: DomainContext, userId: string, filter: { id?: string; name?: string }, request: RequestInfo): Promise<string[]> {
  const ids = await ctx.repos.transaction(async (repos) => {
    const deleted = await repos.apiKeys.deleteForUser(userId, filter);
    for (const keyId of deleted) {
      await writeAudit(ctx, repos, { action: 'api_key.revoked', actorId: userId, targetId: userId, ip: request.ip, details: { key_id: keyId } });
    }
    return deleted;
  });
  for (const keyId of ids) await ctx.events.publish({ type: 'api_key.revoked', keyId, userId });
  return ids;
}

function checkScopes(scopes: readonly string[] | undefined): Scope[] {
  if (scopes === undefined) return [...SCOPES];
  const unknown = scopes.filter((scope) => !(SCOPES as readonly string[]).includes(scope));
  if (unknown.length > 0) throw AuthError.validation('/scopes', `Unknown scope "${unknown[0]}"; use ${SCOPES.join(', ')}`);
  if (scopes.length === 0) throw AuthError.validation('/scopes', 'Give at least one scope, or leave scopes out for all of them');
  return [...new Set(scopes as Scope[])];
}
