import { generateSigningKey } from '../../security/key-ring.js';
import { writeAudit } from '../audit/audit-entry.js';
import type { DomainContext } from '../context.js';

/**
 * Adds a new signing key and retires the previous ones: they stop signing but stay in the JWKS and keep verifying
 * until every token they signed has expired, so nobody is logged out. Returns the new key id.
 */
export async function rotateSigningKey(ctx: DomainContext, actor: { actorId: string | null } = { actorId: null }): Promise<string> {
  const key = generateSigningKey(ctx.secrets.keyEncryptionKey, ctx.clock.now());
  await ctx.repos.transaction(async (repos) => {
    await repos.signingKeys.insert(key);
    await repos.signingKeys.retireAllExcept(key.kid, key.createdAt);
    await writeAudit(ctx, repos, { action: 'signing_key.rotated', actorId: actor.actorId, targetId: null, details: { kid: key.kid } });
  });
  await ctx.keyRing.reload();
  return key.kid;
}

/** On first start there is no key yet: create one. */
export async function ensureSigningKey(ctx: DomainContext): Promise<void> {
  const usable = await ctx.repos.signingKeys.listUsable(ctx.clock.now());
  if (!usable.some((key) => key.retiredAt === null)) await rotateSigningKey(ctx);
  else await ctx.keyRing.reload();
}
